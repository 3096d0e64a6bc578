"""Sign-in settings (`airflow.auth`) and the pure pieces built from them: the rendered webserver_config.py and the
chart values fragment. Executing the config under the real FAB is tests/repository/test_entra_sign_in_fab.py."""

from __future__ import annotations

import ast
import json

import pytest

from components.airflow.auth import (
    FAB_AUTH_MANAGER,
    EntraApp,
    app_role_id,
    auth_values,
    redirect_uri,
    webserver_config,
)
from stackconfig import ConfigError, parse_stack_config
from stackconfig.airflow import AirflowConfig

TENANT = "72f988bf-0000-4000-8000-00000000aaaa"
CLIENT = "3c1d2e4f-0000-4000-8000-00000000bbbb"
BASE = {"owner": "data-platform", "costCenter": "cc-1", "cluster": {"authorizedIpRanges": ["203.0.113.0/24"]}}
INGRESS = {"access": "ingress", "host": "airflow.example.com", "tlsSecretName": "airflow-tls"}


def parse(airflow: dict):
    settings = {**BASE, "airflow": airflow}
    return parse_stack_config(
        "airflow-aks", "dev", {k: json.dumps(v) if not isinstance(v, str) else v for k, v in settings.items()}
    )


def problems(airflow: dict) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse(airflow)
    return caught.value.problems


def entra(**sign_in) -> dict:
    return {"ui": INGRESS, "auth": {"mode": "entra", "entra": sign_in}}


@pytest.mark.parametrize(
    ("airflow", "expected"),
    [
        ({"auth": {"mode": "saml"}}, "airflow-aks:airflow.auth.mode: must be 'database' or 'entra'"),
        (
            {"auth": {"mode": "entra"}},
            "airflow-aks:airflow.ui.access: is portForward, but auth.mode entra needs ingress",
        ),
        (
            {"ui": {"access": "internalLoadBalancer"}, "auth": {"mode": "entra"}},
            "airflow-aks:airflow.ui.access: is internalLoadBalancer, but auth.mode entra needs ingress",
        ),
        (
            {"ui": {"access": "ingress", "host": "airflow.example.com"}, "auth": {"mode": "entra"}},
            "airflow-aks:airflow.ui.tlsSecretName: is required when auth.mode is entra: Entra accepts only https",
        ),
        (
            {**entra(), "createUserJob": True},
            "airflow-aks:airflow.createUserJob: must be false when auth.mode is entra",
        ),
        (entra(tenantId="contoso"), "airflow-aks:airflow.auth.entra.tenantId: 'contoso' is not an Entra ID object id"),
        (entra(clientId="my-app"), "airflow-aks:airflow.auth.entra.clientId: 'my-app' is not an Entra ID object id"),
        (entra(roleMapping={}), "airflow-aks:airflow.auth.entra.roleMapping: is empty; map at least one"),
        (
            entra(roleMapping={"Airflow.Admin": "Root"}),
            "airflow-aks:airflow.auth.entra.roleMapping.Airflow.Admin[0]: must be 'Admin'",
        ),
        (
            entra(roleMapping={"Airflow.Admin": []}),
            "airflow-aks:airflow.auth.entra.roleMapping: 'Airflow.Admin' maps to no Airflow role",
        ),
        (
            entra(roleMapping={"Airflow Admin": "Admin"}),
            "airflow-aks:airflow.auth.entra.roleMapping.Airflow Admin: is not an app role value",
        ),
        (
            entra(roleClaim="groups", roleMapping={"Airflow.Admin": "Admin"}),
            "airflow-aks:airflow.auth.entra.roleMapping.Airflow.Admin: is not a group object id (a GUID)",
        ),
        (
            entra(roleMapping={"Airflow.Viewer": "Viewer"}),
            "airflow-aks:airflow.auth.entra.roleMapping: maps nothing to Admin",
        ),
        (entra(unknownUsers="invite"), "airflow-aks:airflow.auth.entra.unknownUsers: must be 'register' or 'refuse'"),
        (
            entra(defaultRole="Guest"),
            "airflow-aks:airflow.auth.entra.defaultRole: must be 'Admin', 'Op', 'User', 'Viewer' or 'Public'",
        ),
    ],
)
def test_bad_sign_in_settings_are_named_with_what_is_allowed(airflow, expected):
    found = problems(airflow)
    assert any(p.startswith(expected) for p in found), found


def test_database_mode_is_the_default_and_needs_no_ingress():
    config = parse({}).config.airflow
    assert config.auth.mode == "database"
    assert config.auth.entra_sign_in is None


def test_entra_defaults_map_four_app_roles_register_and_sync():
    sign_in = parse(entra()).config.airflow.auth.entra
    assert sign_in.role_mapping == {
        "Airflow.Admin": ["Admin"],
        "Airflow.Op": ["Op"],
        "Airflow.User": ["User"],
        "Airflow.Viewer": ["Viewer"],
    }
    assert (sign_in.role_claim, sign_in.unknown_users, sign_in.default_role) == ("roles", "register", "Public")
    assert sign_in.sync_roles_at_login and sign_in.assignment_required


def test_a_role_mapping_given_replaces_the_default_and_accepts_one_role_or_several():
    sign_in = parse(
        entra(roleMapping={"Platform.Admins": "Admin", "Data.Engineers": ["User", "Op"]})
    ).config.airflow.auth.entra
    assert sign_in.role_mapping == {"Platform.Admins": ["Admin"], "Data.Engineers": ["User", "Op"]}


def rendered(**sign_in) -> dict:
    """The names the rendered config defines, as FAB reads them (uppercase module globals), by parsing its AST."""
    text = webserver_config(parse(entra(**sign_in)).config.airflow.auth.entra, TENANT, CLIENT)
    tree = ast.parse(text)
    names = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id.isupper():
            names[node.targets[0].id] = ast.unparse(node.value)
    return {"text": text, **names}


def test_rendered_config_maps_roles_and_reads_the_claim_the_azure_provider_uses():
    config = rendered(
        roleMapping={"Airflow.Admin": "Admin", "Airflow.Ops": ["Op", "User"]},
        unknownUsers="refuse",
        defaultRole="Viewer",
        syncRolesAtLogin=False,
    )
    assert config["AUTH_TYPE"] == "AUTH_OAUTH"
    assert ast.literal_eval(config["AUTH_ROLES_MAPPING"]) == {"Airflow.Admin": ["Admin"], "Airflow.Ops": ["Op", "User"]}
    assert ast.literal_eval(config["AUTH_OAUTH_ROLE_KEYS"]) == {"azure": "roles"}
    assert config["AUTH_USER_REGISTRATION"] == "False"
    assert ast.literal_eval(config["AUTH_USER_REGISTRATION_ROLE"]) == "Viewer"
    assert config["AUTH_ROLES_SYNC_AT_LOGIN"] == "False"
    assert ast.literal_eval(rendered(roleClaim="groups", roleMapping={TENANT: "Admin"})["AUTH_OAUTH_ROLE_KEYS"]) == {
        "azure": "groups"
    }


def test_rendered_config_uses_the_tenants_v2_endpoints_and_holds_no_secret():
    config = rendered()
    text = config["text"]
    for endpoint in ("oauth2/v2.0/authorize", "oauth2/v2.0/token", "v2.0/.well-known/openid-configuration"):
        assert f"https://login.microsoftonline.com/{TENANT}/{endpoint}" in text
    assert "/common/" not in text and "/organizations/" not in text
    assert f"client_id={CLIENT!r}" in text
    assert "client_secret" not in text
    # The chart passes apiServerConfig through `tpl`: no template action may appear in it.
    assert "{{" not in text


def test_redirect_uri_is_fabs_callback_below_the_base_url():
    assert redirect_uri("https://airflow.example.com/") == "https://airflow.example.com/auth/oauth-authorized/azure"


def test_app_role_ids_are_stable_guids_per_value():
    assert app_role_id("Airflow.Admin") == app_role_id("Airflow.Admin")
    assert app_role_id("Airflow.Admin") != app_role_id("Airflow.Op")
    assert len(app_role_id("Airflow.Admin")) == 36


def test_values_fragment_database_mode_is_the_fab_auth_manager_only():
    assert auth_values(AirflowConfig(), None) == {"config": {"core": {"auth_manager": FAB_AUTH_MANAGER}}}


def test_values_fragment_entra_carries_the_config_and_proxy_fix():
    config = parse(entra()).config.airflow
    values = auth_values(config, EntraApp(TENANT, CLIENT))
    assert values["config"] == {"core": {"auth_manager": FAB_AUTH_MANAGER}, "fab": {"enable_proxy_fix": "True"}}
    assert values["apiServer"]["apiServerConfig"] == webserver_config(config.auth.entra, TENANT, CLIENT)
    with pytest.raises(ValueError, match="app registration"):
        auth_values(config, None)


def test_break_glass_signs_in_with_the_database_and_keeps_the_app_registration():
    config = parse({**entra(), "auth": {"mode": "entra", "breakGlass": True}}).config.airflow
    assert config.auth.entra_sign_in is not None  # the app registration stays in the stack
    assert auth_values(config, EntraApp(TENANT, CLIENT)) == {"config": {"core": {"auth_manager": FAB_AUTH_MANAGER}}}
    assert (
        "airflow-aks:airflow.auth.breakGlass: applies only with auth.mode entra"
        in problems({"auth": {"breakGlass": True}})[0]
    )
