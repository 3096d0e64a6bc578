"""Helm releases: pinned charts from trusted transports; the Airflow release safe to run in production.

Secrets must not travel in Helm values at all, Pulumi secret or not: the analyzer receives inputs with secrets
already unwrapped (so a policy cannot tell them apart), a single secret makes the whole ``values`` map secret,
and Helm keeps the rendered values in its release record. The chart reads every secret from a Kubernetes Secret
named by a ``*SecretName`` value instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from . import airflow_values
from ._props import MISSING, get, is_false, is_true, is_unknown, known_items, norm, require, resource_validator, schema

HELM_TYPES = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart")

_EXACT_SEMVER = re.compile(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?")
_SECURE_TRANSPORTS = ("https://", "oci://")
_AIRFLOW_CHART = re.compile(r"(apache-)?airflow(-\d[\w.+-]*)?(\.tgz)?")
AIRFLOW_VALUE_KEYS = (
    "airflowVersion",
    "fernetKey",
    "fernetKeySecretName",
    "webserverSecretKeySecretName",
    "apiSecretKeySecretName",
    "jwtSecretName",
    "migrateDatabaseJob",
    "createUserJob",
    "dagProcessor",
    "triggerer",
    "airflowPodAnnotations",
    "executor",
)
"""Top-level values only the official Airflow chart reads: a release carrying them is Airflow, whatever its chart
is called (a mirror, a wrapper chart, a renamed OCI artifact)."""
_URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]*:[^@\s/]+@", re.IGNORECASE)

SECRET_VALUES = {
    "fernetKey": "fernetKeySecretName",
    "webserverSecretKey": "webserverSecretKeySecretName",
    "apiSecretKey": "apiSecretKeySecretName",
    "jwtSecret": "jwtSecretName",
}
"""Top-level chart values holding a secret, with the value naming the Kubernetes Secret to use instead."""

PASSWORD_KEYS = ("pass", "password")

CONFIG = schema(
    allowedExecutors={
        "type": "array",
        "items": {"type": "string"},
        "default": ["KubernetesExecutor"],
        "description": "Executor class names the release may use (each member of a multi-executor list).",
    },
    forbidCreateUserJob={
        "type": "boolean",
        "default": False,
        "description": "Require createUserJob.enabled=false (no default admin user; set true on prod).",
    },
)


def is_airflow_chart(chart: Any) -> bool:
    """True for the official chart by name, repo path, OCI reference (tag or digest) or packaged archive."""
    if not isinstance(chart, str):
        return False
    last = norm(chart).rstrip("/").rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0]
    return _AIRFLOW_CHART.fullmatch(last) is not None


def is_airflow_release(props: dict) -> bool:
    """The official chart by name, or any chart whose values are the Airflow chart's."""
    values = get(props, "values")
    return is_airflow_chart(get(props, "chart")) or (
        isinstance(values, dict) and sum(key in values for key in AIRFLOW_VALUE_KEYS) >= 2
    )


# --- every Helm release -------------------------------------------------------------------------------------------


def check_pinned(props: dict, _cfg: dict) -> Iterator[str]:
    version = get(props, "version")
    if not is_unknown(version) and not (isinstance(version, str) and _EXACT_SEMVER.fullmatch(version.strip())):
        state = "not set" if version is MISSING else repr(version)
        yield f"chart version is {state}: pin an exact version such as '1.2.3' (no range, no 'latest')"
    locations = {"chart": get(props, "chart"), "repositoryOpts.repo": get(props, "repositoryOpts", "repo")}
    for label, location in locations.items():
        if (
            isinstance(location, str)
            and not is_unknown(location)
            and "://" in location
            and not norm(location).startswith(_SECURE_TRANSPORTS)
        ):
            yield f"{label} {location!r} is fetched over an insecure transport: use https:// or oci://"


# --- the Airflow release ------------------------------------------------------------------------------------------


def _executor_members(executor: Any) -> list[str]:
    """Class names of an executor setting: a name, a comma list, a list, or 'alias:module.Class' entries."""
    items = executor if isinstance(executor, list) else str(executor).split(",")
    return [str(item).strip().rsplit(":", 1)[-1].rsplit(".", 1)[-1] for item in items if str(item).strip()]


def _check_executor(values: dict, cfg: dict) -> Iterator[str]:
    executor = get(values, "executor")
    if is_unknown(executor):
        return
    members = [] if executor is MISSING else _executor_members(executor)
    rejected = [member for member in members if member not in cfg["allowedExecutors"]]
    if not members or rejected:
        state = "not set (the chart defaults to CeleryExecutor)" if executor is MISSING else repr(executor)
        yield f"executor is {state}: use {' or '.join(cfg['allowedExecutors'])}"


def _leaves(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in known_items(node):
            yield from _leaves(value, f"{path}[{index}]")
    elif not is_unknown(node):
        yield path, node


def _check_secrets(values: dict) -> Iterator[str]:
    for key, secret_name_key in SECRET_VALUES.items():
        value = get(values, key)
        if value is not MISSING and value != "":
            yield f"values.{key} is set: store it in a Kubernetes Secret and set values.{secret_name_key}"
    if get(values, "data", "metadataSecretName") is MISSING:
        yield (
            "values.data.metadataSecretName is not set, so the chart renders the metadata database credentials "
            "from values (default user/password postgres): name a Kubernetes Secret holding the connection"
        )
    for path, value in _leaves(values):
        if not isinstance(value, str) or not value:
            continue
        if norm(path.rsplit(".", 1)[-1]) in PASSWORD_KEYS:
            yield f"values.{path} holds a password in plain text: reference a Kubernetes Secret instead"
        elif _URL_PASSWORD.search(value):
            yield f"values.{path} is a connection string with a password: reference a Kubernetes Secret instead"


def _check_airflow_release(props: dict, cfg: dict) -> Iterator[str]:
    if not is_airflow_release(props):
        return
    values = get(props, "values")
    if is_unknown(values):
        return
    values = {} if values is MISSING else values
    yield from _check_executor(values, cfg)
    yield from _check_secrets(values)
    yield from airflow_values.config_secrets(values)
    yield from airflow_values.env_secrets(values)
    yield from airflow_values.extra_secrets(values)
    yield from airflow_values.rbac_findings(values)
    yield from require(
        get(values, "migrateDatabaseJob", "useHelmHooks"),
        "values.migrateDatabaseJob.useHelmHooks",
        is_false,
        "false (as a post-install hook the migration waits for pods that wait for it; the chart defaults to true)",
    )
    if is_true(get(values, "multiNamespaceMode")):
        yield (
            "values.multiNamespaceMode is true: the chart then grants pod launching and pods/exec through "
            "ClusterRoles and ClusterRoleBindings (cluster-wide), rendered in the cluster where no policy sees "
            "them: keep it false"
        )
    if is_true(cfg["forbidCreateUserJob"]):
        yield from require(
            get(values, "createUserJob", "enabled"),
            "values.createUserJob.enabled",
            is_false,
            "false (the chart's default admin user must not exist on this stack)",
        )


chart_pinned = ResourceValidationPolicy(
    name="helm-chart-pinned",
    description="Helm releases must pin an exact chart version and fetch charts over https or oci.",
    validate=resource_validator(dict.fromkeys(HELM_TYPES, check_pinned)),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation_steps="Set version to an exact chart version (e.g. '1.2.3') and repositoryOpts.repo to an "
    "https:// or oci:// URL.",
)

airflow_release_hardening = ResourceValidationPolicy(
    name="airflow-release-hardening",
    description="The Airflow Helm release must use a Kubernetes executor, keep secrets out of values, run the "
    "migration job without Helm hooks, stay single-namespace and (where configured) create no "
    "default user.",
    validate=resource_validator(dict.fromkeys(HELM_TYPES, _check_airflow_release), CONFIG),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=CONFIG,
    severity=Severity.HIGH,
    remediation_steps="Set executor='KubernetesExecutor'; replace fernetKey/webserverSecretKey/apiSecretKey/"
    "jwtSecret and connection passwords by their *SecretName values; set "
    "migrateDatabaseJob.useHelmHooks=false, multiNamespaceMode=false and, on prod, "
    "createUserJob.enabled=false.",
)

POLICIES = [chart_pinned, airflow_release_hardening]
