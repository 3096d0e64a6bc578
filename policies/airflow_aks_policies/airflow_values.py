"""What in the Airflow chart's values is a secret in plain text, or decides the chart's RBAC.

Pure functions over plain values. The chart writes ``config`` into airflow.cfg (a ConfigMap) and ``env`` /
``extraEnv`` into every pod spec, so a secret there is readable by anyone who can read ConfigMaps or pods, and Helm
keeps it in its release record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import yaml

from ._props import MISSING, get, is_unknown, known_items

SENSITIVE_CONFIG = frozenset(
    {
        ("api", "secret_key"),
        ("api_auth", "jwt_secret"),
        ("atlas", "password"),
        ("celery", "flower_basic_auth"),
        ("celery_broker_transport_options", "sentinel_kwargs"),
        ("celery_result_backend_transport_options", "sentinel_kwargs"),
        ("core", "asset_manager_kwargs"),
        ("core", "fernet_key"),
        ("database", "sql_alchemy_conn"),
        ("database", "sql_alchemy_conn_async"),
        ("database", "sql_alchemy_engine_args"),
        ("logging", "remote_task_handler_kwargs"),
        ("opensearch", "password"),
        ("secrets", "backend_kwargs"),
        ("sentry", "sentry_dsn"),
        ("webserver", "secret_key"),
        ("workers", "secrets_backend_kwargs"),
        # Secrets wherever they appear (Celery, SMTP, older sections), whether or not Airflow lists them.
        ("celery", "broker_url"),
        ("celery", "result_backend"),
        ("smtp", "smtp_password"),
        ("core", "sql_alchemy_conn"),
    }
)
"""Airflow's own ``conf.sensitive_config_values`` (Airflow 3.3 with the image's providers, checked by a test against the
installed Airflow),
plus the secrets Celery and SMTP read."""

_SECRET_WORD = re.compile(
    r"(password|passwd|secret|token|fernet|private_key|api_key|access_key|credential|dsn|"
    r"sql_alchemy_conn|broker_url|result_backend)",
    re.IGNORECASE,
)
_URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]*:[^@\s/]+@", re.IGNORECASE)
REFERENCE_SUFFIXES = ("_cmd", "_secret")
"""``<key>_cmd`` names a command and ``<key>_secret`` a secrets-backend key that yield the value: not the value."""
SERVICE_ACCOUNT_COMPONENTS = (
    "scheduler",
    "workers",
    "workers.kubernetes",
    "triggerer",
    "dagProcessor",
    "apiServer",
    "webserver",
    "createUserJob",
    "migrateDatabaseJob",
    "cleanup",
    "flower",
    "statsd",
    "pgbouncer",
    "redis",
    "databaseCleanup",
)


def _names_secret(section: str, key: str) -> bool:
    key = key.lower()
    for suffix in REFERENCE_SUFFIXES:
        base = key[: -len(suffix)]
        if key.endswith(suffix) and ((section, base) in SENSITIVE_CONFIG or _SECRET_WORD.search(base)):
            return False
    return (section, key) in SENSITIVE_CONFIG or _SECRET_WORD.search(key) is not None


def _holds_secret(value: Any) -> bool:
    """A literal that carries a secret: any non-empty text, except JSON kwargs whose keys name no secret."""
    if not isinstance(value, str) or not value.strip() or is_unknown(value):
        return False
    try:
        parsed = json.loads(value)
    except ValueError:
        return True
    if isinstance(parsed, dict):
        return _secret_keys(parsed) or _URL_PASSWORD.search(value) is not None
    return True


def _secret_keys(tree: Any) -> bool:
    """Whether a parsed JSON object sets a secret-named key (at any depth) to something."""
    if isinstance(tree, dict):
        return any(
            (_SECRET_WORD.search(str(k)) and v not in (None, "", {}, [])) or _secret_keys(v) for k, v in tree.items()
        )
    if isinstance(tree, list):
        return any(_secret_keys(item) for item in tree)
    return False


def config_secrets(values: dict) -> Iterator[str]:
    config = get(values, "config")
    if not isinstance(config, dict):
        return
    for section, keys in config.items():
        if not isinstance(keys, dict):
            continue
        for key, value in keys.items():
            if _names_secret(str(section).lower(), str(key)) and _holds_secret(value):
                yield (
                    f"values.config.{section}.{key} holds a secret in airflow.cfg (a ConfigMap): set "
                    f"config.{section}.{key}_secret to a secrets-backend key, or the chart's *SecretName value"
                )


def env_entries(values: dict) -> Iterator[tuple[str, Any]]:
    for index, entry in known_items(get(values, "env")):
        if isinstance(entry, dict):
            yield f"values.env[{index}]", entry
    extra = get(values, "extraEnv")
    if isinstance(extra, str) and not is_unknown(extra):
        try:
            parsed = yaml.safe_load(extra)
        except yaml.YAMLError:
            parsed = None
        for index, entry in enumerate(parsed if isinstance(parsed, list) else []):
            if isinstance(entry, dict):
                yield f"values.extraEnv[{index}]", entry
    for component in SERVICE_ACCOUNT_COMPONENTS:
        for index, entry in known_items(get(values, *component.split("."), "env")):
            if isinstance(entry, dict):
                yield f"values.{component}.env[{index}]", entry


def env_secrets(values: dict) -> Iterator[str]:
    for where, entry in env_entries(values):
        name, value = str(entry.get("name") or ""), entry.get("value")
        if value is None or is_unknown(value):
            continue
        text = str(value)
        match = re.fullmatch(r"AIRFLOW__([A-Z0-9_]+?)__([A-Z0-9_]+)", name)
        if match:
            secret = _names_secret(match.group(1).lower(), match.group(2)) and _holds_secret(text)
        elif name.startswith("AIRFLOW_CONN_"):
            # A URI with a password is caught by the values-wide URL check; a JSON connection is parsed here.
            secret = text.lstrip().startswith("{") and _holds_secret(text)
        else:
            secret = bool(_SECRET_WORD.search(name)) and _holds_secret(text)
        if secret:
            yield (
                f"{where} ({name}) sets a secret as a literal value in every pod spec: use valueFrom.secretKeyRef "
                "(a Kubernetes Secret synced from Key Vault) instead"
            )


def extra_secrets(values: dict) -> Iterator[str]:
    extra = get(values, "extraSecrets")
    if not isinstance(extra, dict):
        return
    for name, spec in extra.items():
        if isinstance(spec, dict) and any(spec.get(key) not in (None, MISSING, "") for key in ("data", "stringData")):
            yield (
                f"values.extraSecrets[{name!r}] carries secret data in the values (and Helm's release record): "
                "create the Secret from Key Vault outside the chart"
            )


def rbac_findings(values: dict) -> Iterator[str]:
    """Values that decide the RBAC the chart creates inside the cluster, where no IaC policy can see it."""
    for component in SERVICE_ACCOUNT_COMPONENTS:
        name = get(values, *component.split("."), "serviceAccount", "name")
        if isinstance(name, str) and name.strip() == "default":
            yield (
                f"values.{component}.serviceAccount.name is 'default': the chart binds its pod-launching role to "
                "it, so every pod of the namespace without its own service account could launch and exec pods; "
                "let the chart create a named service account"
            )
    if get(values, "rbac", "createSCCRoleBinding") is True:
        yield "values.rbac.createSCCRoleBinding is true: it binds OpenShift's anyuid SCC, which AKS has no use for"
