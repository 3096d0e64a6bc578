"""The rendered Entra sign-in config, executed by the pinned real Airflow + FAB auth manager in .venv-airflow.

tests/support/entra_sign_in_probe.py drives FAB's own login and OAuth callback views against a recording double of Entra's
endpoints; these tests check what FAB and authlib did with the config: the authorize redirect, the token request's
client authentication (the service account token as client assertion, never a client secret), id token
verification, user registration, role mapping and role sync.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT

from components.airflow.auth import CLIENT_ASSERTION_TYPE, FAB_AUTH_MANAGER, webserver_config
from offline.azure_mocks import AzureMocks
from stackconfig.auth import AuthConfig

sys.path.insert(0, str(ROOT / "scripts"))
import airflow_venv

TENANT = "72f988bf-0000-4000-8000-00000000aaaa"
CLIENT = "3c1d2e4f-0000-4000-8000-00000000bbbb"
PUBLIC_URL = "https://airflow.example.com/"
AIRFLOW_CONFIG = {
    "core": {"auth_manager": FAB_AUTH_MANAGER},
    "fab": {"enable_proxy_fix": "True"},
    "api": {"base_url": PUBLIC_URL},
}
ALICE = "0a0a0a0a-0000-4000-8000-000000000001"
BOB = "0b0b0b0b-0000-4000-8000-000000000002"
OPS_GROUP = "9e9e9e9e-0000-4000-8000-0000000000aa"
ADMINS_GROUP = "9f9f9f9f-0000-4000-8000-0000000000bb"


def run_probe(
    tmp_path: Path,
    config_text: str,
    logins: list[dict],
    airflow_config: dict = AIRFLOW_CONFIG,
    tenant: str = TENANT,
    client: str = CLIENT,
    public_url: str = PUBLIC_URL,
) -> dict:
    """Run the logins through FAB with `config_text` as webserver_config.py and `airflow_config` as airflow.cfg."""
    python = airflow_venv.ensure()
    tmp_path.mkdir(parents=True, exist_ok=True)
    config = tmp_path / "webserver_config.py"
    config.write_text(config_text)
    scenario = tmp_path / "scenario.json"
    scenario.write_text(
        json.dumps(
            {
                "config": str(config),
                "token_file": str(tmp_path / "azure-identity-token"),
                "tenant_id": tenant,
                "client_id": client,
                "public_url": public_url,
                "airflow_config": airflow_config,
                "logins": logins,
            }
        )
    )
    result = tmp_path / "result.json"
    run = subprocess.run(
        [str(python), str(ROOT / "tests" / "support" / "entra_sign_in_probe.py"), str(scenario), str(result)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,  # generous: a loaded 2-core machine is slow
    )
    assert run.returncode == 0, run.stderr[-4000:]
    return json.loads(result.read_text())


def sign_in(tmp_path: Path, auth: dict, logins: list[dict]) -> dict:
    """Render the config for `auth` (an `airflow.auth` section) and run the logins through FAB."""
    return run_probe(tmp_path, webserver_config(AuthConfig.model_validate(auth).entra, TENANT, CLIENT), logins)


def login(oid: str, token: str, signed_by_stranger: bool = False, **claims) -> dict:
    return {"claims": {"oid": oid, **claims}, "service_account_token": token, "signed_by_stranger": signed_by_stranger}


@pytest.fixture(scope="module")
def app_roles(tmp_path_factory) -> dict:
    """Defaults (app roles, register unknown users, sync at login): Alice twice with changed roles, Bob with none,
    then Mallory with a token Entra did not sign."""
    return sign_in(
        tmp_path_factory.mktemp("app-roles"),
        {"mode": "entra"},
        [
            login(ALICE, "sa-token-1", email="alice@example.com", given_name="Alice", roles=["Airflow.Admin"]),
            login(ALICE, "sa-token-2-rotated", email="alice@example.com", roles=["Airflow.Viewer"]),
            login(BOB, "sa-token-3", upn="bob@example.com"),
            login(
                "0c0c0c0c-0000-4000-8000-000000000003",
                "sa-token-4",
                True,
                email="m@example.com",
                roles=["Airflow.Admin"],
            ),
        ],
    )


def test_fab_runs_the_config_as_oauth_with_the_azure_provider(app_roles):
    assert app_roles["auth_type"] == 4  # flask_appbuilder.const.AUTH_OAUTH
    assert app_roles["providers"] == ["azure"]
    assert app_roles["registration"] is True and app_roles["sync"] is True
    assert app_roles["unexpected_requests"] == []


def test_login_redirects_to_the_tenants_v2_authorize_endpoint_with_an_https_callback(app_roles):
    first = app_roles["logins"][0]
    assert first["authorize_status"] == 302
    assert first["authorize_url"] == f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/authorize"
    query = first["authorize_query"]
    assert query["client_id"] == CLIENT
    assert query["response_type"] == "code"
    # Built by FAB from the ingress's X-Forwarded-* headers ([fab] enable_proxy_fix), below the /auth mount.
    assert query["redirect_uri"] == "https://airflow.example.com/auth/oauth-authorized/azure"
    assert set(query["scope"].split()) >= {"openid", "email", "profile"}
    assert query["nonce"] and query["state"]


def test_token_request_authenticates_with_the_service_account_token_and_no_secret(app_roles):
    requests = app_roles["token_requests"]
    assert len(requests) == 4
    for request, expected in zip(
        requests, ["sa-token-1", "sa-token-2-rotated", "sa-token-3", "sa-token-4"], strict=True
    ):
        assert request["url"] == f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"
        form = request["form"]
        assert form["grant_type"] == ["authorization_code"]
        assert form["client_id"] == [CLIENT]
        assert form["client_assertion_type"] == [CLIENT_ASSERTION_TYPE]
        # Read from AZURE_FEDERATED_TOKEN_FILE at every request: the rotated token is the one sent.
        assert form["client_assertion"] == [expected]
        assert "client_secret" not in form
        assert "Authorization" not in request["headers"]


def test_users_are_registered_with_mapped_roles_and_resynced_at_every_login(app_roles):
    alice_first, alice_again, bob, mallory = app_roles["logins"]
    assert alice_first["user_roles"] == ["Admin", "Public"]
    assert alice_first["user_email"] == "alice@example.com"
    assert alice_first["callback_location"] == "/auth/"
    # The Admin app role was taken away in Entra: gone at the next login.
    assert alice_again["user_roles"] == ["Public", "Viewer"]
    # No app role in the token: the default role only; the e-mail falls back to the upn claim.
    assert bob["user_roles"] == ["Public"]
    assert bob["user_email"] == "bob@example.com"
    # An id token not signed by Entra's keys signs nobody in.
    assert mallory["user_roles"] is None
    assert "/login" in mallory["callback_location"]


def test_group_claim_maps_group_object_ids_and_refuse_keeps_strangers_out(tmp_path):
    groups = sign_in(
        tmp_path / "groups",
        {
            "mode": "entra",
            "entra": {
                "roleClaim": "groups",
                "roleMapping": {OPS_GROUP: "Op", ADMINS_GROUP: "Admin"},
                "defaultRole": "Viewer",
            },
        },
        [login(BOB, "sa-token", email="bob@example.com", groups=[OPS_GROUP], roles=["Airflow.Admin"])],
    )
    # `groups` is the claim read: the roles claim's Airflow.Admin is ignored.
    assert groups["logins"][0]["user_roles"] == ["Op", "Viewer"]

    refused = sign_in(
        tmp_path / "refuse",
        {"mode": "entra", "entra": {"unknownUsers": "refuse"}},
        [login(BOB, "sa-token", email="bob@example.com", roles=["Airflow.Admin"])],
    )
    assert refused["registration"] is False
    assert refused["logins"][0]["user_roles"] is None
    assert len(refused["token_requests"]) == 1  # Entra signed Bob in; Airflow refused him


def test_prods_release_values_sign_in_as_rendered(project_preview, tmp_path):
    """The config and airflow.cfg sections exactly as prod's Helm release carries them, run by FAB."""
    result = project_preview("prod", False)
    values = result.one("kubernetes:helm.sh/v3:Release").inputs["values"]
    client = result.one("azuread:index/application:Application").outputs["clientId"]
    tenant = AzureMocks("airflow-aks", "prod").tenant_id
    base_url = values["config"]["api"]["base_url"]
    airflow_config = {section: values["config"][section] for section in ("core", "fab", "api")}
    airflow_config["core"] = {"auth_manager": airflow_config["core"]["auth_manager"]}
    probe = run_probe(
        tmp_path,
        values["apiServer"]["apiServerConfig"],
        [login(ALICE, "prod-sa-token", email="alice@example.com", roles=["Airflow.Op"])],
        airflow_config=airflow_config,
        tenant=tenant,
        client=client,
        public_url=base_url,
    )
    only = probe["logins"][0]
    assert only["authorize_query"]["redirect_uri"] == result.outputs["entraSignInRedirectUri"]
    assert only["authorize_query"]["client_id"] == client
    assert probe["token_requests"][0]["form"]["client_assertion"] == ["prod-sa-token"]
    assert "client_secret" not in probe["token_requests"][0]["form"]
    assert only["user_roles"] == ["Op", "Public"]
    assert probe["unexpected_requests"] == []
