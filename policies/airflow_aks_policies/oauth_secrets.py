"""No OAuth client secret written into Helm values, Airflow config or a ConfigMap.

Sign-in to Airflow authenticates with the API server's federated service account token (no secret exists). If a
client secret were ever needed it would live in Key Vault and reach the pod from a Kubernetes Secret; a literal in
values is kept in Helm's release record, in Pulumi state and in the rendered ConfigMap, readable by anyone who can
read those. Flagged, wherever it appears in the values (`apiServer.apiServerConfig`, `webserverConfig`, `env`,
`config` sections, ...) or in a ConfigMap's data:

- a key named like a client secret (`client_secret`, `clientSecret`, `OAUTH_CLIENT_SECRET`, ...) holding text;
- in Python or INI text (a webserver_config.py, an airflow.cfg), `client_secret` assigned a string literal, where
  reading it from the environment (`os.environ[...]`, `os.getenv(...)`) is what a Secret-backed env var looks like;
- an environment variable whose name ends in CLIENT_SECRET given a literal `value` (a `valueFrom` is fine);
- text shaped like an Entra client secret (three characters, a digit, `Q~`, then 31-34 characters).

Airflow's `<option>_secret` and `<option>_cmd` config variants name where a secret comes from, not the secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from ._props import MISSING, get, is_unknown, known_items, resource_validator

HELM_TYPES = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart")
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"

_SECRET_KEY = re.compile(r"^(oauth_?)?client_?secret$", re.IGNORECASE)
_REFERENCE = re.compile(r"client_secret_(secret|cmd)$")
"""Airflow's `<option>_secret` / `<option>_cmd` variants: where the secret comes from, not the secret."""
_ASSIGNED_LITERAL = re.compile(
    r"""["']?\bclient_secret["']?\s*(=|:)\s*(?P<quote>["'])(?P<value>[^"'\n]+)(?P=quote)""", re.IGNORECASE
)
_INI_LITERAL = re.compile(r"^\s*\w*client_secret\s*=\s*(?P<value>\S.*)$", re.IGNORECASE | re.MULTILINE)
_FROM_ENVIRONMENT = re.compile(r"(os\.)?(environ\b|getenv\b)")
"""A Python right-hand side that reads the environment: how a Secret-backed env var is read."""
_ENTRA_SECRET = re.compile(r"(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])")
"""The shape of client secrets Entra generates (https://learn.microsoft.com/purview/sit-defn-azure-ad-client-secret)."""


def _leaves(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in known_items(node):
            yield from _leaves(value, f"{path}[{index}]")
    elif not is_unknown(node):
        yield path, node


def _text_problems(label: str, text: str) -> Iterator[str]:
    if _ASSIGNED_LITERAL.search(text):
        yield f"{label} assigns client_secret a literal: read it from a Secret-backed environment variable instead"
        return
    for match in _INI_LITERAL.finditer(text):
        option = match.group(0).split("=", 1)[0].strip().lower()
        if not _REFERENCE.search(option) and not _FROM_ENVIRONMENT.match(match.group("value")):
            yield f"{label} sets {option} in plain text: use {option}_secret (secrets backend) or {option}_cmd"
            return
    if _ENTRA_SECRET.search(text):
        yield f"{label} holds text shaped like an Entra client secret: keep it in Key Vault, not in values"


def _env_problems(env: Any, label: str) -> Iterator[str]:
    for index, item in known_items(env):
        if not isinstance(item, dict):
            continue
        name, value = item.get("name"), item.get("value")
        if isinstance(name, str) and name.upper().endswith("CLIENT_SECRET") and isinstance(value, str) and value:
            yield f"{label}[{index}] ({name}) gives the client secret as a literal value: use valueFrom.secretKeyRef"


def _values_problems(values: Any, root: str) -> Iterator[str]:
    seen: set[str] = set()
    for path, value in _leaves(values, root):
        if not isinstance(value, str) or not value:
            continue
        key = path.rsplit(".", 1)[-1].split("[", 1)[0]
        if _SECRET_KEY.fullmatch(key):
            message = f"{path} holds an OAuth client secret: reference a Kubernetes Secret instead"
        else:
            message = next(_text_problems(path, value), "")
        if message and message not in seen:
            seen.add(message)
            yield message
    for path in ("env", "extraEnv", "apiServer.env"):
        env = get(values, *path.split("."))
        if env is not MISSING:
            yield from _env_problems(env, f"{root}.{path}")


def _check_release(props: dict, _cfg: dict) -> Iterator[str]:
    values = get(props, "values")
    if is_unknown(values) or values is MISSING:
        return
    yield from _values_problems(values, "values")


def _check_config_map(props: dict, _cfg: dict) -> Iterator[str]:
    data = get(props, "data")
    if not is_unknown(data) and data is not MISSING:
        yield from _values_problems(data, "data")


no_oauth_client_secret_literal = ResourceValidationPolicy(
    name="no-oauth-client-secret-literal",
    description="No OAuth client secret in plain text in Helm values, Airflow config or ConfigMaps.",
    validate=resource_validator({**dict.fromkeys(HELM_TYPES, _check_release), CONFIG_MAP: _check_config_map}),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Sign in with the federated service account token (airflow.auth.mode entra needs no secret). "
    "If a secret is unavoidable, keep it in Key Vault, write it into a Kubernetes Secret and read "
    "it from an environment variable (valueFrom.secretKeyRef) in webserver_config.py.",
)

POLICIES = [no_oauth_client_secret_literal]
