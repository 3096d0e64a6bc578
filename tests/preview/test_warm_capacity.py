"""Warm capacity: placeholder pods the size of a task, on the task pool, below every task's priority, and priced."""

from __future__ import annotations

import re
from functools import cache

import kubernetes_validate
import pytest
import yaml
from support import ROOT

from costing import load_price_table
from offline import run_preview

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
PRIORITY_CLASS = "kubernetes:scheduling.k8s.io/v1:PriorityClass"
AGENT_POOL = "azure-native:containerservice:AgentPool"
RELEASE = "kubernetes:helm.sh/v3:Release"
TAINT = re.compile(r"^([^=:]+)=([^:]*):(\w+)$")


@cache
def warm_plan(stack: str, preview: bool, slots: int):
    airflow = dict(yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"].get("airflow-aks:airflow", {}))
    airflow["warmCapacity"] = {"taskSlots": slots}
    return run_preview(ROOT, stack, preview=preview, config={"airflow": airflow}, policy_pack=False)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_off_by_default(project_preview, stack):
    result = project_preview(stack)
    assert result.find(DEPLOYMENT) == [] and result.find(PRIORITY_CLASS) == []
    assert not [line for line in result.reports["cost"].lines if "kept warm" in line.item]


@pytest.mark.parametrize("preview", [False, True], ids=["up", "preview"])
def test_placeholders_sit_on_the_task_pool_below_every_task_and_are_priced(preview):
    result = warm_plan("prod", preview, 6)
    [priority] = result.find(PRIORITY_CLASS)
    [deployment] = result.find(DEPLOYMENT)
    assert priority.inputs["value"] < 0 and priority.inputs["preemptionPolicy"] == "Never"
    assert priority.inputs["globalDefault"] is False
    spec = deployment.inputs["spec"]["template"]["spec"]
    assert spec["priorityClassName"] == priority.inputs["metadata"]["name"]
    assert deployment.inputs["spec"]["replicas"] == 6
    [pool] = [p for p in result.find(AGENT_POOL) if p.inputs["nodeLabels"].get("airflow-aks/pool") == "tasks"]
    assert spec["nodeSelector"].items() <= pool.inputs["nodeLabels"].items()
    for taint in pool.inputs["nodeTaints"]:
        key, value, effect = TAINT.fullmatch(taint).groups()
        assert {"key": key, "operator": "Equal", "value": value, "effect": effect} in spec["tolerations"]
    [release] = result.find(RELEASE)
    task = release.inputs["values"]["workers"]["kubernetes"]["resources"]
    [container] = spec["containers"]
    assert container["resources"]["requests"] == task["requests"]
    assert re.search(r"@sha256:[0-9a-f]{64}$", container["image"])
    [pull] = spec["initContainers"]  # the task image is on the warm node before the first task lands there
    image = release.inputs["values"]["images"]["pod_template"]
    assert pull["image"] == f"{image['repository']}:{image['tag']}" and pull["command"] == ["true"]
    for record in (priority, deployment):
        kubernetes_validate.validate(dict(record.inputs), desired_version="1.33", strict=True)
    # 6 placeholders of 500m / 1Gi fill one D4ads_v5 (6 task pods per node) above the pool's minimum of 0
    [line] = [line for line in result.reports["cost"].lines if line.item == "tasks pool, kept warm"]
    price = load_price_table().lookup("westeurope", f"vm/{pool.inputs['vmSize']}").amount
    assert line.idle_monthly == pytest.approx(price * result.reports["cost"].hours_per_month)
    assert line.detail == "1 x Standard_D4ads_v5 for 6 placeholder pods" and line.stoppable
    first = result.reports["cost"].first_task  # a kept node runs the first task after idle at once
    assert (first.pool, first.nodes_started, first.minutes_until_running, first.cost) == ("tasks", 0, 0, 0)


def test_more_placeholders_hold_more_nodes():
    line = next(
        line for line in warm_plan("prod", False, 13).reports["cost"].lines if line.item == "tasks pool, kept warm"
    )
    assert line.detail.startswith("3 x ")
