"""Sign-in to Airflow as chart values: the FAB auth manager, and with Entra ID its `webserver_config.py`.

Pure: `webserver_config()` renders the file the chart mounts into the API server (`apiServer.apiServerConfig`), and
`auth_values()` returns the values fragment `components.airflow.values.airflow_values()` merges in (`components.airflow.images.deep_merge`). Nothing here calls Pulumi; the
app registration's ids may be Outputs and are combined with `Output.all` only when they are.

No client secret: the API server already runs with workload identity, so the pod has a service account token
(`AZURE_FEDERATED_TOKEN_FILE`, audience api://AzureADTokenExchange) that a federated identity credential on the app
registration trusts. The rendered config registers an authlib client authentication method that sends that token as
the client assertion of the token request (RFC 7523 `client_assertion_type` jwt-bearer; Entra's "workload identity
federation" for apps), reading the file at every request because the kubelet rotates it.

Roles: FAB's azure provider reads the id token's `roles` claim (AUTH_OAUTH_ROLE_KEYS can name another claim; with
`roleClaim: groups` it is `groups`). Groups reach the `roles` claim by assigning a group to an app role in the
enterprise application: its members get that role's value.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi import Input

from stackconfig.airflow import AirflowConfig
from stackconfig.auth import EntraSignInConfig

FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
OAUTH_PROVIDER = "azure"
"""FAB's provider name: `get_oauth_user_info` decodes the id token and reads the role claim only for `azure`."""
REDIRECT_PATH = f"/auth/oauth-authorized/{OAUTH_PROVIDER}"
"""FAB's OAuth callback under the API server's /auth mount."""
LOGIN_ENDPOINT = "https://login.microsoftonline.com"
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CLIENT_AUTH_METHOD = "workload_identity_assertion"
FEDERATED_TOKEN_FILE_ENV = "AZURE_FEDERATED_TOKEN_FILE"
"""Set by the workload identity webhook in every pod labelled azure.workload.identity/use (the API server is)."""
SCOPES = "openid email profile"
ID_TOKEN_CLAIMS = ("email", "upn")
"""Optional claims the app registration adds to id tokens: FAB takes `email`, else `upn`, as the user's e-mail
(neither is in a v2.0 id token by default)."""
APP_ROLE_NAMESPACE = uuid.UUID("5d0c4c0e-3f4e-4d7b-9a59-0b7a2b1f18a1")


def redirect_uri(base_url: str) -> str:
    """The URL Entra sends the browser back to: FAB's callback below the UI's base URL."""
    return base_url.rstrip("/") + REDIRECT_PATH


def app_role_id(value: str) -> str:
    """A stable id per app role value: Entra needs a GUID per app role, and it must not change between updates."""
    return str(uuid.uuid5(APP_ROLE_NAMESPACE, value))


def endpoints(tenant_id: str) -> dict[str, str]:
    """The tenant's Entra v2.0 endpoints (a tenant, not `common`, so the id token's issuer is checked against it)."""
    base = f"{LOGIN_ENDPOINT}/{tenant_id}"
    return {
        "api_base_url": f"{base}/oauth2/v2.0/",
        "authorize_url": f"{base}/oauth2/v2.0/authorize",
        "access_token_url": f"{base}/oauth2/v2.0/token",
        "server_metadata_url": f"{base}/v2.0/.well-known/openid-configuration",
    }


def webserver_config(sign_in: EntraSignInConfig, tenant_id: str, client_id: str) -> str:
    """The FAB auth manager's `webserver_config.py` for Entra sign-in. Holds no secret, only public ids."""
    mapping = {key: list(roles) for key, roles in sign_in.role_mapping.items()}
    register = sign_in.unknown_users == "register"
    remote_app = {
        "client_id": client_id,
        **endpoints(tenant_id),
        "client_kwargs": {
            "scope": SCOPES,
            "token_endpoint_auth_method": CLIENT_AUTH_METHOD,
            # authlib checks the id token (signature, issuer, audience, nonce) against the tenant's metadata;
            # FAB checks the signature once more against Entra's keys, but only when asked to.
            "verify_signature": True,
        },
    }
    lines = [
        '"""Airflow sign-in with Entra ID. Written by airflow-aks (components/airflow/auth.py): change the stack',
        'config, not this file."""',
        "",
        "import os",
        "",
        "from authlib.common.urls import add_params_to_qs",
        "from flask_appbuilder.const import AUTH_OAUTH",
        "",
        "AUTH_TYPE = AUTH_OAUTH",
        f"AUTH_USER_REGISTRATION = {register!r}",
        f"AUTH_USER_REGISTRATION_ROLE = {sign_in.default_role!r}",
        f"AUTH_ROLES_SYNC_AT_LOGIN = {sign_in.sync_roles_at_login!r}",
        f"AUTH_ROLES_MAPPING = {_literal(mapping)}",
        f"AUTH_OAUTH_ROLE_KEYS = {_literal({OAUTH_PROVIDER: sign_in.role_claim})}",
        "",
        "",
        "def _federated_client_assertion(client, method, uri, headers, body):",
        '    """Authenticate the token request with the pod\'s service account token (workload identity), no secret.',
        "",
        "    Read at every request: the kubelet rotates the projected token.",
        '    """',
        f"    with open(os.environ[{FEDERATED_TOKEN_FILE_ENV!r}], encoding='utf-8') as token_file:",
        "        assertion = token_file.read().strip()",
        "    body = add_params_to_qs(",
        "        body or '',",
        "        [",
        "            ('client_id', client.client_id),",
        f"            ('client_assertion_type', {CLIENT_ASSERTION_TYPE!r}),",
        "            ('client_assertion', assertion),",
        "        ],",
        "    )",
        "    if 'Content-Length' in headers:",
        "        headers['Content-Length'] = str(len(body))",
        "    return uri, headers, body",
        "",
        "",
        "OAUTH_PROVIDERS = [",
        "    dict(",
        f"        name={OAUTH_PROVIDER!r},",
        "        icon='fa-windows',",
        "        token_key='access_token',",
        "        remote_app=dict(",
        *(f"            {key}={_literal(item)}," for key, item in remote_app.items()),
        f"            client_auth_methods=[({CLIENT_AUTH_METHOD!r}, _federated_client_assertion)],",
        "        ),",
        "    ),",
        "]",
        "",
    ]
    return "\n".join(lines)


def _literal(value: Any) -> str:
    """A Python literal with a space inside every brace pair, so no `{{` reaches the chart's `tpl`."""
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{key!r}: {_literal(item)}" for key, item in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    return repr(value)


@dataclass(frozen=True)
class EntraApp:
    """The app registration users sign in to: its tenant and client id (Outputs when the program creates it)."""

    tenant_id: Input[str]
    client_id: Input[str]


def auth_values(config: AirflowConfig, app: EntraApp | None) -> dict[str, Any]:
    """Values fragment for the configured sign-in; merged into the chart values by `components.airflow.values.airflow_values`.

    Always the FAB auth manager (users, roles and `airflow users create` live there). With Entra: the rendered
    config, and ProxyFix so FAB builds its https callback URL from the ingress's X-Forwarded-* headers.
    """
    values: dict[str, Any] = {"config": {"core": {"auth_manager": FAB_AUTH_MANAGER}}}
    sign_in = config.auth.entra_sign_in
    if sign_in is None or not config.auth.signs_in_with_entra:
        return values  # FAB's default: users and passwords in the metadata database
    if app is None:
        raise ValueError("auth mode entra needs the app registration's ids")
    rendered: Input[str] = (
        pulumi.Output.all(app.tenant_id, app.client_id).apply(lambda ids: webserver_config(sign_in, ids[0], ids[1]))
        if _has_outputs(app)
        else webserver_config(sign_in, str(app.tenant_id), str(app.client_id))
    )
    values["apiServer"] = {"apiServerConfig": rendered}
    values["config"]["fab"] = {"enable_proxy_fix": "True"}
    return values


def _has_outputs(app: EntraApp) -> bool:
    return any(isinstance(value, pulumi.Output) for value in (app.tenant_id, app.client_id))
