"""The kubeconfig the Kubernetes provider uses: AKS's device-code login rewritten to a non-interactive kubelogin call.

Checked with the `kubernetes` client's own loader, which runs the exec plugin: a stand-in `kubelogin` on PATH records
the arguments it was called with and answers with a token, as the real one does.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import sys

import pytest
import yaml
from kubernetes.client import Configuration
from kubernetes.config.kube_config import KubeConfigLoader

from components.cluster.kubeconfig import (
    AKS_SERVER_ID,
    LOGIN_MODES,
    decode_credential,
    kubelogin_exec,
    kubelogin_kubeconfig,
)

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
SERVER = "https://aks-airflow-dev-weu-abc123.hcp.westeurope.azmk8s.io:443"
AKS_CLIENT_ID = "80faf920-1908-4b52-b5ef-a8e7bedfc67a"


def aks_user_kubeconfig() -> dict:
    """What listClusterUserCredential(format=exec) returns for an Entra ID cluster."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "aks",
                "cluster": {"server": SERVER, "certificate-authority-data": base64.b64encode(b"ca").decode()},
            }
        ],
        "contexts": [{"name": "aks", "context": {"cluster": "aks", "user": "clusterUser_rg_aks"}}],
        "current-context": "aks",
        "preferences": {},
        "users": [
            {
                "name": "clusterUser_rg_aks",
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "kubelogin",
                        "args": [
                            "get-token",
                            "--login",
                            "devicecode",
                            "--server-id",
                            AKS_SERVER_ID,
                            "--client-id",
                            AKS_CLIENT_ID,
                            "--tenant-id",
                            TENANT,
                            "--environment",
                            "AzurePublicCloud",
                        ],
                        "env": None,
                        "interactiveMode": "IfAvailable",
                        "provideClusterInfo": False,
                    }
                },
            }
        ],
    }


def credentials(document: dict) -> list[dict]:
    return [{"name": "clusterUser", "value": base64.b64encode(yaml.safe_dump(document).encode()).decode()}]


@pytest.fixture
def fake_kubelogin(tmp_path, monkeypatch):
    """A `kubelogin` first on PATH that writes its argv to a file and prints an ExecCredential."""
    calls = tmp_path / "argv.json"
    script = tmp_path / "kubelogin"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"json.dump(sys.argv[1:], open({str(calls)!r}, 'w'))\n"
        "print(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1beta1', 'kind': 'ExecCredential',"
        " 'status': {'token': 'entra-token'}}))\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    return lambda: json.loads(calls.read_text())


def load_with_client(kubeconfig_yaml: str) -> Configuration:
    configuration = Configuration()
    KubeConfigLoader(config_dict=yaml.safe_load(kubeconfig_yaml)).load_and_set(configuration)
    return configuration


@pytest.mark.parametrize(
    ("mode", "expected_args"),
    [
        ("azurecli", ["get-token", "--login", "azurecli", "--server-id", AKS_SERVER_ID]),
        ("workloadidentity", ["get-token", "--login", "workloadidentity", "--server-id", AKS_SERVER_ID]),
        ("msi", ["get-token", "--login", "msi", "--server-id", AKS_SERVER_ID]),
        (
            "spn",
            [
                "get-token",
                "--login",
                "spn",
                "--server-id",
                AKS_SERVER_ID,
                "--tenant-id",
                TENANT,
                "--environment",
                "AzurePublicCloud",
            ],
        ),
    ],
)
def test_the_kubernetes_client_runs_kubelogin_with_the_configured_login(fake_kubelogin, mode, expected_args):
    converted = kubelogin_kubeconfig(decode_credential(credentials(aks_user_kubeconfig())), mode)
    configuration = load_with_client(converted)
    assert fake_kubelogin() == expected_args
    assert configuration.host == SERVER
    assert configuration.api_key["BearerToken"] == "Bearer entra-token"


def test_the_exact_kubeconfig_for_people():
    converted = yaml.safe_load(kubelogin_kubeconfig(yaml.safe_dump(aks_user_kubeconfig()), "azurecli"))
    expected = aks_user_kubeconfig()
    expected["users"][0]["user"] = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "kubelogin",
            "args": ["get-token", "--login", "azurecli", "--server-id", AKS_SERVER_ID],
            "env": None,
            "installHint": "kubelogin is required to reach this AKS cluster: https://azure.github.io/kubelogin/",
            "interactiveMode": "Never",
            "provideClusterInfo": False,
        }
    }
    assert converted == expected


def test_no_device_code_and_no_credential_is_left_in_any_mode():
    for mode in LOGIN_MODES:
        text = kubelogin_kubeconfig(yaml.safe_dump(aks_user_kubeconfig()), mode)
        assert "devicecode" not in text and AKS_CLIENT_ID not in text
        assert "client-secret" not in text and "token:" not in text


def test_the_legacy_azure_auth_provider_form_is_converted_too():
    legacy = {
        "auth-provider": {
            "name": "azure",
            "config": {
                "apiserver-id": AKS_SERVER_ID,
                "client-id": AKS_CLIENT_ID,
                "tenant-id": TENANT,
                "environment": "AzureUSGovernmentCloud",
                "config-mode": "1",
            },
        }
    }
    assert kubelogin_exec(legacy, "spn")["args"] == [
        "get-token",
        "--login",
        "spn",
        "--server-id",
        AKS_SERVER_ID,
        "--tenant-id",
        TENANT,
        "--environment",
        "AzureUSGovernmentCloud",
    ]


def test_a_kubeconfig_without_a_server_id_falls_back_to_the_aks_one():
    assert kubelogin_exec({}, "azurecli")["args"][-1] == AKS_SERVER_ID


def test_bad_inputs_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="not one of azurecli, workloadidentity, spn, msi"):
        kubelogin_exec({}, "devicecode")
    with pytest.raises(ValueError, match="no 'clusterUser' credential among \\['clusterAdmin'\\]"):
        decode_credential([{"name": "clusterAdmin", "value": ""}])
    with pytest.raises(ValueError, match="not a kubeconfig"):
        kubelogin_kubeconfig("just text", "azurecli")
    with pytest.raises(ValueError, match="names no tenant"):
        kubelogin_exec({}, "spn")
