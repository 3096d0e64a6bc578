"""Runs INSIDE .venv-airflow (the pinned Airflow + the FAB provider the image ships): signs users in through a rendered
`webserver_config.py` with the real FAB auth manager, flask-appbuilder and authlib.

Usage: `python entra_sign_in_probe.py <scenario.json> <result.json>`. The scenario names the rendered config, the
federated token file, the public URL and a list of logins (id token claims). Entra is out of reach, so the HTTPS
transport of `requests` is replaced by a recording double that answers like Entra's v2.0 endpoints: OpenID metadata,
signing keys (an RSA key made here; the id tokens are really signed and FAB and authlib really verify them) and the
token endpoint. Everything else (the authorize redirect, the token request's client authentication, id token
validation, user registration, role mapping and sync) is FAB's and authlib's own code reading the rendered config.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

SCENARIO = json.loads(Path(sys.argv[1]).read_text())
HOME = tempfile.mkdtemp(prefix="airflow-home-")
os.environ.update(
    {
        "AIRFLOW_HOME": HOME,
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{HOME}/airflow.db",
        "AZURE_FEDERATED_TOKEN_FILE": SCENARIO["token_file"],
        # What the chart renders into airflow.cfg (each key is an env var the same way).
        **{
            f"AIRFLOW__{section.upper()}__{key.upper()}": value
            for section, options in SCENARIO["airflow_config"].items()
            for key, value in options.items()
        },
    }
)
Path(HOME, "webserver_config.py").write_text(Path(SCENARIO["config"]).read_text())

import requests  # noqa: E402
from authlib.jose import JsonWebKey, jwt  # noqa: E402

TENANT, CLIENT_ID = SCENARIO["tenant_id"], SCENARIO["client_id"]
ISSUER = f"https://login.microsoftonline.com/{TENANT}/v2.0"
KEY = JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "probe-key"})
STRANGER = JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "probe-key"})
"""Same key id, not Entra's key: a token it signs must be refused."""
JWKS = {"keys": [KEY.as_dict(is_private=False)]}
token_requests: list[dict] = []
unexpected: list[str] = []
next_claims: dict = {}
nonce_of_login: dict[str, str] = {}
signed_by_stranger = {"current": False}


def _response(request, status: int, payload: dict) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(payload).encode()
    response.headers["Content-Type"] = "application/json"
    response.url = request.url
    response.request = request
    return response


def entra(adapter, request, **kwargs):
    """Answers as login.microsoftonline.com would, recording every request."""
    url = urlsplit(request.url)
    path = url.path
    if request.method == "GET" and path == f"/{TENANT}/v2.0/.well-known/openid-configuration":
        return _response(
            request,
            200,
            {
                "issuer": ISSUER,
                "authorization_endpoint": f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/authorize",
                "token_endpoint": f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token",
                "jwks_uri": f"https://login.microsoftonline.com/{TENANT}/discovery/v2.0/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            },
        )
    if request.method == "GET" and path in (f"/{TENANT}/discovery/v2.0/keys", "/common/discovery/keys"):
        return _response(request, 200, JWKS)
    if request.method == "POST" and path == f"/{TENANT}/oauth2/v2.0/token":
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        token_requests.append({"url": request.url, "headers": dict(request.headers), "form": parse_qs(body)})
        now = int(time.time())
        # Claims every Entra v2.0 id token has; `sub` is pairwise per application, `oid` the user object id.
        claims = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "tid": TENANT,
            "ver": "2.0",
            "sub": f"pairwise-{next_claims.get('oid')}",
            "nonce": nonce_of_login["current"],
            **next_claims,
        }
        signer = STRANGER if signed_by_stranger["current"] else KEY
        id_token = jwt.encode({"alg": "RS256", "kid": "probe-key"}, claims, signer).decode()
        return _response(
            request,
            200,
            {
                "token_type": "Bearer",
                "expires_in": 3600,
                "access_token": "opaque-access-token",
                "id_token": id_token,
                "scope": "openid email profile",
            },
        )
    unexpected.append(f"{request.method} {request.url}")
    return _response(request, 404, {"error": "not_found"})


requests.adapters.HTTPAdapter.send = entra  # type: ignore[method-assign]

from airflow.providers_manager import ProvidersManager  # noqa: E402

ProvidersManager().initialize_providers_configuration()  # as the API server does at start-up

from airflow.utils import db  # noqa: E402

db.initdb()

from airflow.providers.fab.www.app import create_app  # noqa: E402

app = create_app(enable_plugins=False)
security = app.appbuilder.sm
result: dict = {
    "auth_type": app.config.get("AUTH_TYPE"),
    "registration": app.config.get("AUTH_USER_REGISTRATION"),
    "sync": app.config.get("AUTH_ROLES_SYNC_AT_LOGIN"),
    "providers": sorted(security.oauth_remotes),
    "logins": [],
}
public = urlsplit(SCENARIO["public_url"])
# Behind the ingress: the API server sees plain http on its pod address, the controller says what the browser used.
forwarded = {"X-Forwarded-Proto": public.scheme, "X-Forwarded-Host": public.netloc}
internal = "http://airflow-api-server:8080/auth"  # FAB is mounted below /auth in the API server

for login in SCENARIO["logins"]:
    claims = login["claims"]
    next_claims.clear()
    next_claims.update(claims)
    signed_by_stranger["current"] = login.get("signed_by_stranger", False)
    # The kubelet rotates the projected service account token: each login may bring a new one.
    Path(SCENARIO["token_file"]).write_text(login["service_account_token"] + "\n")
    client = app.test_client()
    start = client.get("/login/azure", base_url=internal, headers=forwarded)
    location = urlsplit(start.headers.get("Location", ""))
    query = {key: values[0] for key, values in parse_qs(location.query).items()}
    nonce_of_login["current"] = query.get("nonce", "")
    callback = client.get(
        "/oauth-authorized/azure",
        base_url=internal,
        headers=forwarded,
        query_string={"code": "authorization-code-from-entra", "state": query.get("state", "")},
    )
    with app.app_context():
        user = security.find_user(username=claims.get("oid"))
        roles = sorted(role.name for role in user.roles) if user else None
        email = user.email if user else None
    result["logins"].append(
        {
            "authorize_status": start.status_code,
            "authorize_url": f"{location.scheme}://{location.netloc}{location.path}",
            "authorize_query": query,
            "callback_status": callback.status_code,
            "callback_location": callback.headers.get("Location", ""),
            "user_roles": roles,
            "user_email": email,
        }
    )

result["token_requests"] = token_requests
result["unexpected_requests"] = unexpected
Path(sys.argv[2]).write_text(json.dumps(result, indent=2, default=str))
