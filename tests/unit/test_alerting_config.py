"""Metrics and alerting settings: defaults per stack, and bad receivers named before anything is registered."""

from __future__ import annotations

import json

import pytest

from stackconfig import ConfigError, parse_stack_config

BASE = {"owner": "data-platform", "costCenter": "cc-1", "cluster": {"authorizedIpRanges": ["203.0.113.0/24"]}}


def parse(monitoring: dict):
    settings = {**BASE, "monitoring": monitoring}
    return parse_stack_config(
        "airflow-aks", "dev", {k: v if isinstance(v, str) else json.dumps(v) for k, v in settings.items()}
    )


def test_defaults_are_cheap_prometheus_on_at_a_coarse_interval_no_receivers_no_grafana():
    monitoring = parse({}).config.monitoring
    assert monitoring.prometheus.enabled and monitoring.prometheus.scrape_interval_seconds == 60
    assert monitoring.alerts.enabled and not monitoring.alerts.has_receivers
    assert not monitoring.grafana.enabled


@pytest.mark.parametrize(
    ("monitoring", "expected"),
    [
        (
            {"alerts": {"emailReceivers": ["on-call"]}},
            "airflow-aks:monitoring.alerts.emailReceivers[0]: 'on-call' is not an e-mail address",
        ),
        (
            {"alerts": {"emailReceivers": ["a@example.com", "a@example.com"]}},
            "airflow-aks:monitoring.alerts.emailReceivers: a@example.com listed more than once",
        ),
        (
            {"alerts": {"webhookUrl": "http://hooks.example.com/x"}},
            "airflow-aks:monitoring.alerts.webhookUrl: must be an https:// URL",
        ),
        (
            {"alerts": {"connectionAlertPercent": 99}},
            "airflow-aks:monitoring.alerts.connectionAlertPercent: Input should be less than or equal to 95",
        ),
        (
            {"prometheus": {"scrapeIntervalSeconds": 5}},
            "airflow-aks:monitoring.prometheus.scrapeIntervalSeconds: Input should be greater than or equal to 15",
        ),
        (
            {"prometheus": {"enabled": False}, "grafana": {"enabled": True}},
            "airflow-aks:monitoring.grafana.enabled: needs monitoring.prometheus.enabled",
        ),
        (
            {"grafana": {"adminObjectIds": ["not-a-guid"]}},
            "airflow-aks:monitoring.grafana.adminObjectIds[0]: 'not-a-guid' is not an Entra ID object id",
        ),
    ],
)
def test_bad_settings_are_named_with_what_is_allowed(monitoring, expected):
    with pytest.raises(ConfigError) as caught:
        parse(monitoring)
    assert any(p.startswith(expected) for p in caught.value.problems), caught.value.problems


def test_the_webhook_url_stays_secret_in_the_parsed_config():
    alerts = parse({"alerts": {"webhookUrl": "https://hooks.example.com/t0ken"}}).config.monitoring.alerts
    assert alerts.has_receivers and "t0ken" not in repr(alerts)
