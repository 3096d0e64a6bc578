"""Managed Prometheus, the scrape, the rule groups, the metric alerts and the action group in each stack's plan."""

from __future__ import annotations

import yaml
from support import ROOT

from components.monitoring.rules import SCRAPE_JOB, RuleScope, alert_rules
from components.monitoring.statsd import override_mappings
from offline import run_preview
from stackconfig.database import max_user_connections

WORKSPACE = "azure-native:monitor:AzureMonitorWorkspace"
RULE_GROUP = "azure-native:alertsmanagement:PrometheusRuleGroup"
METRIC_ALERT = "azure-native:monitor:MetricAlert"
ACTION_GROUP = "azure-native:monitor:ActionGroup"


def test_the_cluster_sends_prometheus_metrics_to_the_workspace(result, preview):
    cluster = result.one("azure-native:containerservice:ManagedCluster")
    assert cluster.inputs["azureMonitorProfile"] == {"metrics": {"enabled": True}}
    workspace = result.one(WORKSPACE)
    endpoint = result.one("azure-native:monitor:DataCollectionEndpoint")
    assert endpoint.inputs["kind"] == "Linux"
    rule = result.one("azure-native:monitor:DataCollectionRule", "metrics-collection").inputs
    assert rule["dataSources"]["prometheusForwarder"][0]["streams"] == ["Microsoft-PrometheusMetrics"]
    destination = rule["destinations"]["monitoringAccounts"][0]
    assert rule["dataFlows"] == [{"streams": ["Microsoft-PrometheusMetrics"], "destinations": [destination["name"]]}]
    association = result.one("azure-native:monitor:DataCollectionRuleAssociation", "metrics-association").inputs
    if preview:
        assert str(destination["accountResourceId"]) == "[unknown]"
        assert str(association["resourceUri"]) == "[unknown]"
    else:
        assert destination["accountResourceId"] == workspace.id
        assert rule["dataCollectionEndpointId"] == endpoint.id
        assert association["resourceUri"] == cluster.id
        assert (
            association["dataCollectionRuleId"]
            == result.one("azure-native:monitor:DataCollectionRule", "metrics-collection").id
        )


def test_the_statsd_exporter_is_scraped_and_admits_the_scraper(result, stack):
    config_map = result.one("kubernetes:core/v1:ConfigMap", "metrics-scrape-config").inputs
    assert config_map["metadata"] == {"name": "ama-metrics-prometheus-config", "namespace": "kube-system"}
    (job,) = yaml.safe_load(config_map["data"]["prometheus-config"])["scrape_configs"]
    assert job["job_name"] == SCRAPE_JOB
    assert job["scrape_interval"] == {"dev": "60s", "prod": "30s"}[stack]
    assert job["kubernetes_sd_configs"] == [{"role": "endpoints", "namespaces": {"names": ["airflow"]}}]
    assert job["relabel_configs"][0]["regex"] == "statsd;airflow;statsd-scrape"
    values = result.one("kubernetes:helm.sh/v3:Release").inputs["values"]["statsd"]
    assert values["overrideMappings"] == override_mappings()
    assert {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
        "podSelector": {"matchLabels": {"rsName": "ama-metrics"}},
    } in values["extraNetworkPolicies"]


def test_rule_groups_cover_every_airflow_alert_on_this_cluster(result, stack, preview):
    groups = {g.name: g.inputs for g in result.find(RULE_GROUP)}
    assert set(groups) == {"metrics-recording-rules", "metrics-alert-rules"}
    alerts = groups["metrics-alert-rules"]
    assert [r["alert"] for r in alerts["rules"]] == [a.alert for a in alert_rules(RuleScope("airflow"))]
    for rule in alerts["rules"]:
        assert rule["severity"] in range(0, 5) and rule["for"].startswith("PT")
        assert rule["annotations"]["runbook_url"].startswith("docs/monitoring.md#")
    assert all("record" in r for r in groups["metrics-recording-rules"]["rules"])
    workspace = result.one(WORKSPACE)
    cluster = result.one("azure-native:containerservice:ManagedCluster")
    for group in groups.values():
        assert group["interval"] == "PT1M"
        if not preview:
            assert group["scopes"] == [workspace.id]
            assert group["clusterName"] == cluster.inputs["resourceName"]
    if stack == "prod":
        action_group = result.one(ACTION_GROUP)
        for rule in alerts["rules"]:
            if not preview:
                assert rule["actions"] == [{"actionGroupId": action_group.id}]
    else:
        assert result.find(ACTION_GROUP) == []
        assert all("actions" not in rule for rule in alerts["rules"])


def test_metric_alerts_watch_the_database_nodes_and_key_vault(result, stack, preview):
    alerts = {a.inputs["criteria"]["allOf"][0]["metricName"]: a.inputs for a in result.find(METRIC_ALERT)}
    assert set(alerts) == {
        "cpu_percent",
        "storage_percent",
        "active_connections",
        "kube_node_status_condition",
        "Availability",
    }
    sku = {"dev": "Standard_B1ms", "prod": "Standard_D2ds_v5"}[stack]
    assert alerts["active_connections"]["criteria"]["allOf"][0]["threshold"] == int(max_user_connections(sku) * 0.8)
    targets = {
        "cpu_percent": "azure-native:dbforpostgresql:Server",
        "kube_node_status_condition": "azure-native:containerservice:ManagedCluster",
        "Availability": "azure-native:keyvault:Vault",
    }
    for metric, type_ in targets.items():
        if not preview:
            assert alerts[metric]["scopes"] == [result.one(type_).id]
    if stack == "prod":
        assert result.one(ACTION_GROUP).inputs["emailReceivers"] == [
            {"name": "email-0", "emailAddress": "data-platform-oncall@example.com", "useCommonAlertSchema": True}
        ]
        assert all(a.get("actions") for a in alerts.values())


def test_prometheus_off_removes_the_workspace_the_add_on_and_the_rule_groups():
    result = run_preview(ROOT, "dev", policy_pack=False, config={"monitoring": {"prometheus": {"enabled": False}}})
    assert result.find(WORKSPACE) == [] and result.find(RULE_GROUP) == []
    assert result.find("kubernetes:core/v1:ConfigMap", "metrics-scrape-config") == []
    cluster = result.one("azure-native:containerservice:ManagedCluster")
    assert cluster.inputs["azureMonitorProfile"] == {"metrics": {"enabled": False}}
    assert len(result.find(METRIC_ALERT)) == 5, "platform metric alerts do not need Prometheus"


def test_a_webhook_receiver_alone_makes_an_action_group_and_stays_secret():
    result = run_preview(
        ROOT,
        "dev",
        policy_pack=False,
        secret_config={"monitoring": {"alerts": {"webhookUrl": "https://hooks.example.com/alert/s3cr3t"}}},
    )
    group = result.one(ACTION_GROUP)
    assert group.inputs["webhookReceivers"][0]["serviceUri"] == "https://hooks.example.com/alert/s3cr3t"
    assert "s3cr3t" not in str(group.masked_inputs()), "the webhook URL carries a token: it stays a secret"
    assert group.inputs["emailReceivers"] == []


def test_grafana_reads_the_workspace_with_its_own_identity():
    result = run_preview(ROOT, "dev", policy_pack=False, config={"monitoring": {"grafana": {"enabled": True}}})
    grafana = result.one("azure-native:dashboard:Grafana")
    assert grafana.inputs["identity"] == {"type": "SystemAssigned"}
    integration = grafana.inputs["properties"]["grafanaIntegrations"]["azureMonitorWorkspaceIntegrations"][0]
    assert integration["azureMonitorWorkspaceResourceId"] == result.one(WORKSPACE).id
    readers = [
        a
        for a in result.find("azure-native:authorization:RoleAssignment")
        if a.inputs["roleDefinitionId"].endswith("/b0d8363b-8ddd-447d-831f-62ca05bff136")
    ]
    assert [a.inputs["scope"] for a in readers] == [result.one(WORKSPACE).id]
    assert readers[0].inputs["principalId"] == grafana.outputs["identity"]["principalId"]
