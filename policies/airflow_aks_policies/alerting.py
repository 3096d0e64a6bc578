"""Alerting: the stack has the Airflow Prometheus alert rule group and an action group that notifies someone.

This is the product's requirement, not a security control: advisory by default, mandatory where the stack's policy
config says so (prod). A dev stack may run without receivers; a prod stack whose scheduler stops must page someone.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, Severity, StackValidationArgs, StackValidationPolicy

from ._props import get, is_unknown, known_items, plain, schema
from .airflow_release import HELM_TYPES, is_airflow_release

RULE_GROUP = "azure-native:alertsmanagement:PrometheusRuleGroup"
ACTION_GROUP = "azure-native:monitor:ActionGroup"
RECEIVER_KINDS = (
    "emailReceivers",
    "webhookReceivers",
    "smsReceivers",
    "voiceReceivers",
    "azureAppPushReceivers",
    "logicAppReceivers",
    "azureFunctionReceivers",
    "automationRunbookReceivers",
    "armRoleReceivers",
    "eventHubReceivers",
    "itsmReceivers",
    "incidentReceivers",
)
DEFAULT_REQUIRED_ALERTS = ["AirflowSchedulerHeartbeatStopped", "AirflowLivenessDagNotSucceeding"]


def receiver_count(props: dict) -> int:
    return sum(len(list(known_items(get(props, kind)))) for kind in RECEIVER_KINDS)


def runs_airflow(resources: list[tuple[str, dict]]) -> bool:
    """Only a stack that releases the Airflow chart has Airflow to alert on."""
    return any(type_ in HELM_TYPES and is_airflow_release(props) for type_, props in resources)


def alerting_problems(resources: list[tuple[str, dict]], required_alerts: list[str]) -> Iterator[str]:
    groups = [props for type_, props in resources if type_ == RULE_GROUP]
    alerts = {
        get(rule, "alert"): rule
        for group in groups
        if get(group, "enabled") is not False
        for _, rule in known_items(get(group, "rules"))
        if isinstance(get(rule, "alert"), str)
    }
    missing = [name for name in required_alerts if name not in alerts]
    if missing:
        yield (
            f"no enabled Prometheus rule group has the Airflow alert(s) {', '.join(missing)}: enable "
            "monitoring.prometheus and monitoring.alerts"
        )
    action_groups = [
        props for type_, props in resources if type_ == ACTION_GROUP and get(props, "enabled") is not False
    ]
    if not any(receiver_count(props) for props in action_groups):
        yield (
            "no action group with at least one receiver: alerts notify no one; set "
            "monitoring.alerts.emailReceivers (or webhookUrl)"
        )
        return
    silent = [
        name
        for name in required_alerts
        if name in alerts
        and not is_unknown(get(alerts[name], "actions"))
        and not list(known_items(get(alerts[name], "actions")))
    ]
    if silent:
        yield f"the alert(s) {', '.join(silent)} notify no action group"


def validate_alerting(args: StackValidationArgs, report_violation) -> None:
    required = list(args.get_config().get("requiredAlerts", DEFAULT_REQUIRED_ALERTS))
    resources = [(r.resource_type, plain(r.props)) for r in args.resources]
    if not runs_airflow(resources):
        return
    for message in alerting_problems(resources, required):
        report_violation(message)


airflow_alerting = StackValidationPolicy(
    name="airflow-alerting",
    description="A stack that releases the Airflow chart has the Airflow Prometheus alert rule group and an action group with at least one "
    "receiver that the alerts notify (advisory by default; mandatory where the stack config says so, as on prod).",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.HIGH,
    validate=validate_alerting,
    config_schema=schema(
        requiredAlerts={
            "type": "array",
            "items": {"type": "string"},
            "default": DEFAULT_REQUIRED_ALERTS,
            "description": "Alert rule names that must exist in an enabled Prometheus rule group.",
        },
    ),
    remediation_steps="Keep monitoring.prometheus.enabled and monitoring.alerts.enabled true and set "
    "monitoring.alerts.emailReceivers.",
)

POLICIES = [airflow_alerting]
