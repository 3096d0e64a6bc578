"""Turn the kubeconfig AKS hands out into one a program can use unattended.

`listClusterUserCredential` on an Entra ID cluster returns a kubeconfig whose user runs `kubelogin get-token --login
devicecode`, which waits for a person to type a code. The Pulumi Kubernetes provider runs that exec plugin itself,
so the login is rewritten to a non-interactive mode, the way `kubelogin convert-kubeconfig -l <mode>` does:

- `azurecli`: the token of `az login` (people, and CI after `azure/login`);
- `workloadidentity`: a federated token from AZURE_CLIENT_ID / AZURE_TENANT_ID / AZURE_FEDERATED_TOKEN_FILE
  (GitHub Actions OIDC without a secret);
- `spn`: a service principal from AAD_SERVICE_PRINCIPAL_CLIENT_ID / _CLIENT_SECRET (or AZURE_CLIENT_ID / _SECRET);
- `msi`: the managed identity of the machine running Pulumi (AZURE_CLIENT_ID picks a user-assigned one).

No credential is written into the kubeconfig: every mode reads it from the environment at run time.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Mapping, Sequence

import yaml

AKS_SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"
"""The application id of the AKS Entra ID server app, the audience of every AKS token (same in every tenant)."""

LOGIN_MODES = ("azurecli", "workloadidentity", "spn", "msi")
EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"
DEFAULT_ENVIRONMENT = "AzurePublicCloud"
INSTALL_HINT = "kubelogin is required to reach this AKS cluster: https://azure.github.io/kubelogin/"


def decode_credential(kubeconfigs: Sequence[Mapping[str, str]], name: str = "clusterUser") -> str:
    """The kubeconfig YAML in the credential called `name` of a listClusterUserCredential answer (base64 inside)."""
    for credential in kubeconfigs:
        if credential["name"] == name:
            return base64.b64decode(credential["value"]).decode("utf-8")
    found = [credential["name"] for credential in kubeconfigs]
    raise ValueError(f"no '{name}' credential among {found}")


def _exec_arg(exec_config: Mapping, flag: str) -> str | None:
    args = list(exec_config.get("args") or [])
    return args[args.index(flag) + 1] if flag in args[:-1] else None


def kubelogin_exec(user: Mapping, login_mode: str) -> dict:
    """The `exec` entry that gets a token for `user` (an AKS kubeconfig user) non-interactively with `login_mode`.

    The server id, tenant and cloud come from the user's current exec arguments, or from the legacy `azure`
    auth-provider config older API versions return; the server id falls back to the AKS one.
    """
    if login_mode not in LOGIN_MODES:
        raise ValueError(f"kubelogin login mode '{login_mode}' is not one of {', '.join(LOGIN_MODES)}")
    current = user.get("exec") or {}
    legacy = (user.get("auth-provider") or {}).get("config") or {}
    server_id = _exec_arg(current, "--server-id") or legacy.get("apiserver-id") or AKS_SERVER_ID
    tenant_id = _exec_arg(current, "--tenant-id") or legacy.get("tenant-id")
    environment = _exec_arg(current, "--environment") or legacy.get("environment") or DEFAULT_ENVIRONMENT
    args = ["get-token", "--login", login_mode, "--server-id", server_id]
    if login_mode == "spn":
        # A service principal signs in to the cluster's own tenant; its id and secret come from the environment.
        if tenant_id is None:
            raise ValueError("the AKS kubeconfig names no tenant, which the spn login needs")
        args += ["--tenant-id", tenant_id, "--environment", environment]
    return {
        "apiVersion": EXEC_API_VERSION,
        "command": "kubelogin",
        "args": args,
        "env": None,
        "installHint": current.get("installHint") or INSTALL_HINT,
        "interactiveMode": "Never",
        "provideClusterInfo": False,
    }


def kubelogin_kubeconfig(kubeconfig_yaml: str, login_mode: str) -> str:
    """`kubeconfig_yaml` with every user's login replaced by a non-interactive kubelogin call (YAML out)."""
    document = yaml.safe_load(kubeconfig_yaml)
    if not isinstance(document, dict) or not document.get("users"):
        raise ValueError("the AKS credential is not a kubeconfig with users")
    converted = copy.deepcopy(document)
    for entry in converted["users"]:
        entry["user"] = {"exec": kubelogin_exec(entry.get("user") or {}, login_mode)}
    return yaml.safe_dump(converted, sort_keys=False)
