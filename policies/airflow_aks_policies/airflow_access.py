"""Who the Airflow release runs as, and who its UI lets in.

* A component with ``serviceAccount.create: false`` runs as an account that already exists (``name``, or the
  namespace's ``default`` when unset: chart _helpers.yaml ``_serviceAccountName``), and the chart binds its
  pod-launching role to it. That account may hold anything (a cluster-admin binding made by hand, a workload
  identity of another team), so one that is not the release's own must be listed (``allowedServiceAccounts``).
* ``SimpleAuthManager`` with ``[core] simple_auth_manager_all_admins`` switches authentication off and makes every
  visitor an admin (Airflow 3.1 config reference: "Whether to disable authentication and allow everyone as admin").
  It is rejected on any stack whose policy config does not say ``sandbox: true``. The chart sets
  ``config.core.auth_manager`` to the FAB auth manager (Airflow's own default is SimpleAuthManager). Settings come
  from ``config`` (airflow.cfg) or ``AIRFLOW__CORE__*`` environment variables.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from ._props import MISSING, get, is_unknown, norm, resource_validator, schema
from .airflow_release import HELM_TYPES, is_airflow_release
from .airflow_values import SERVICE_ACCOUNT_COMPONENTS, env_entries
from .workload_trust import release_service_accounts

SIMPLE_AUTH_MANAGER = "SimpleAuthManager"
TRUE_TEXTS = ("t", "true", "1")
"""What Airflow's ``conf.getboolean`` reads as true."""

CONFIG = schema(
    allowedServiceAccounts={
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "'<namespace>/<name>' of existing service accounts a component of the Airflow release may run "
        "as (serviceAccount.create: false), besides the release's own.",
    },
    sandbox={
        "type": "boolean",
        "default": False,
        "description": "This stack is a sandbox: an auth manager that makes every user an admin is allowed.",
    },
)


def _core_setting(values: dict, key: str) -> Any:
    """``[core] <key>`` as the pods see it: an ``AIRFLOW__CORE__<KEY>`` variable wins over ``config.core``."""
    for _, entry in env_entries(values):
        if str(entry.get("name") or "") == f"AIRFLOW__CORE__{key.upper()}" and "value" in entry:
            return entry.get("value")
    return get(values, "config", "core", key)


def all_admins_auth(values: dict) -> str | None:
    """How the values make every user an admin, or None."""
    manager = _core_setting(values, "auth_manager")
    all_admins = _core_setting(values, "simple_auth_manager_all_admins")
    if is_unknown(manager) or is_unknown(all_admins):
        return None
    if SIMPLE_AUTH_MANAGER in str(manager) and norm(all_admins) in TRUE_TEXTS:
        return (
            f"values set [core] auth_manager to {SIMPLE_AUTH_MANAGER} with simple_auth_manager_all_admins "
            f"{all_admins!r}: authentication is off and every visitor is an Airflow admin"
        )
    return None


def foreign_service_accounts(props: dict, listed: set[str]) -> Iterator[str]:
    values = get(props, "values")
    namespace = get(props, "namespace")
    own = release_service_accounts(props)
    if not isinstance(values, dict) or is_unknown(namespace) or own is None:
        return
    namespace = "default" if namespace is MISSING else str(namespace)
    for component in SERVICE_ACCOUNT_COMPONENTS:
        account = get(values, component, "serviceAccount")
        if get(account, "create") is not False:
            continue  # Helm's `if` reads any non-empty string, "false" included, as true: the chart creates it
        name = get(account, "name")
        if is_unknown(name):
            continue
        name = "default" if name is MISSING or name == "" else str(name)
        if (namespace, name) not in own and f"{namespace}/{name}" not in listed:
            yield (
                f"values.{component}.serviceAccount is an existing account {namespace}/{name} (create: false), not "
                "one the release creates: whatever that account may do, the component (and the pods it launches) "
                "can; let the chart create the account, or list it in allowedServiceAccounts"
            )


def _check_release(props: dict, cfg: dict) -> Iterator[str]:
    values = get(props, "values")
    if not isinstance(values, dict) or not is_airflow_release(props):
        return
    yield from foreign_service_accounts(props, set(cfg["allowedServiceAccounts"]))
    everyone_admin = all_admins_auth(values)
    if everyone_admin and cfg["sandbox"] is not True:
        yield (
            f"{everyone_admin}. Allowed only where the policy config says sandbox: true; use the FAB auth manager "
            "(Entra ID sign-in, airflow.auth) or SimpleAuthManager with named users"
        )


airflow_release_access = ResourceValidationPolicy(
    name="airflow-release-access",
    description="The Airflow release runs its components as its own service accounts (or listed ones), and its "
    "auth manager does not make every user an admin unless the stack is a sandbox.",
    validate=resource_validator(dict.fromkeys(HELM_TYPES, _check_release), CONFIG),
    config_schema=CONFIG,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Let the chart create each component's service account (serviceAccount.create: true) or list "
    "'<namespace>/<name>' in allowedServiceAccounts; drop simple_auth_manager_all_admins (or set sandbox: true "
    "in a sandbox stack's policy config).",
)

POLICIES = [airflow_release_access]
