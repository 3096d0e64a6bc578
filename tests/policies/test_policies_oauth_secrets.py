"""The rule that keeps OAuth client secrets out of Helm values, Airflow config and ConfigMaps."""

import pytest
from support.policy_harness import UNKNOWN, airflow_aks_policies, violations

from components.airflow.auth import webserver_config
from stackconfig.auth import AuthConfig

rule = airflow_aks_policies.oauth_secrets
RELEASE = "kubernetes:helm.sh/v3:Release"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
ENTRA_SHAPED = "abc8Q~" + "x1Y2z3W4v5U6t7S8r9Q0p1O2n3M4l5K6"
TENANT, CLIENT = "72f988bf-0000-4000-8000-00000000aaaa", "3c1d2e4f-0000-4000-8000-00000000bbbb"


def check(values, resource_type=RELEASE):
    props = {"chart": "airflow", "values": values} if resource_type == RELEASE else {"data": values}
    return violations(rule.no_oauth_client_secret_literal, resource_type, props)


def test_the_rendered_entra_config_passes():
    rendered = webserver_config(AuthConfig.model_validate({"mode": "entra"}).entra, TENANT, CLIENT)
    assert check({"apiServer": {"apiServerConfig": rendered}, "config": {"core": {"auth_manager": "x"}}}) == []


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"apiServer": {"apiServerConfig": "OAUTH_PROVIDERS = [{'remote_app': {'client_secret': 'hunter2'}}]"}},
            "values.apiServer.apiServerConfig assigns client_secret a literal",
        ),
        (
            {"webserverConfig": "remote_app = dict(client_id='x', client_secret=\"s3cr3t\")"},
            "values.webserverConfig assigns client_secret a literal",
        ),
        (
            {"config": {"azure": {"client_secret": "s3cr3t"}}},
            "values.config.azure.client_secret holds an OAuth client secret",
        ),
        ({"oauth": {"clientSecret": "s3cr3t"}}, "values.oauth.clientSecret holds an OAuth client secret"),
        (
            {"env": [{"name": "AIRFLOW_OAUTH_CLIENT_SECRET", "value": "s3cr3t"}]},
            "values.env[0] (AIRFLOW_OAUTH_CLIENT_SECRET) gives the client secret as a literal value",
        ),
        (
            {"apiServer": {"env": [{"name": "ENTRA_CLIENT_SECRET", "value": "s3cr3t"}]}},
            "values.apiServer.env[0] (ENTRA_CLIENT_SECRET) gives the client secret as a literal value",
        ),
        (
            {"extraEnv": f"- name: X\n  value: {ENTRA_SHAPED}\n"},
            "values.extraEnv holds text shaped like an Entra client secret",
        ),
        (
            {"config": {"x": {"token": ENTRA_SHAPED}}},
            "values.config.x.token holds text shaped like an Entra client secret",
        ),
    ],
)
def test_a_literal_secret_anywhere_in_values_is_refused(values, expected):
    found = check(values)
    assert any(message.split("': ", 1)[-1].startswith(expected) for message in found), found


def test_a_configmap_carrying_a_webserver_config_with_a_secret_is_refused():
    found = check({"webserver_config.py": "client_secret = 'hunter2'\n"}, CONFIG_MAP)
    assert found and found[0].split("': ", 1)[-1].startswith("data.webserver_config.py assigns client_secret a literal")
    found = check({"airflow.cfg": "[azure]\nclient_secret = hunter2\n"}, CONFIG_MAP)
    assert found and "sets client_secret in plain text: use client_secret_secret" in found[0]


@pytest.mark.parametrize(
    "values",
    [
        {"apiServer": {"apiServerConfig": "client_secret = os.environ['ENTRA_CLIENT_SECRET']"}},
        {"apiServer": {"apiServerConfig": "remote_app = dict(client_secret=os.getenv('X'))"}},
        {"env": [{"name": "ENTRA_CLIENT_SECRET", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]},
        {"config": {"azure": {"client_secret_cmd": "cat /mnt/secret", "client_secret_secret": "kv-name"}}},
        {"config": {"azure": {"client_secret": ""}}},
        {"apiServer": {"apiServerConfig": UNKNOWN}},
        UNKNOWN,
    ],
)
def test_references_to_a_secret_and_unknowns_pass(values):
    assert check(values) == []
