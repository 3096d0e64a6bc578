"""GPU tasks that run: a GPU-enabled stack installs the NVIDIA device plugin on exactly the GPU pool, the pool's VM
size suits its node OS, and the documented per-task override yields a valid pod that lands on the pool."""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache

import kubernetes_validate
import pytest
import yaml
from support import ROOT

from components.cluster.gpu import DEVICE_PLUGIN_IMAGE, GPU_RESOURCE
from offline import run_preview
from stackconfig import ConfigError, parse_stack_config

PROJECT = "airflow-aks"
DAEMONSET = "kubernetes:apps/v1:DaemonSet"
AGENT_POOL = "azure-native:containerservice:AgentPool"
RELEASE = "kubernetes:helm.sh/v3:Release"
TAINT = re.compile(r"^([^=:]+)=([^:]*):(\w+)$")


def cluster_section(stack: str, **gpu) -> dict:
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    section = dict(document.get(f"{PROJECT}:cluster", {}))
    section["gpuPool"] = {"enabled": True, **gpu}
    return section


def parse_dev(cluster: dict):
    """dev's stack file with its cluster section replaced, parsed as the program parses it."""
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    raw = {
        key.split(":", 1)[1]: value if isinstance(value, str) else json.dumps(value) for key, value in document.items()
    }
    return parse_stack_config(PROJECT, "dev", {**raw, "cluster": json.dumps(cluster)})


@cache
def gpu_plan(stack: str, preview: bool, os_sku: str = "AzureLinux", vm_size: str = "Standard_NC4as_T4_v3"):
    cluster = cluster_section(stack, osSku=os_sku, vmSize=vm_size)
    if vm_size not in ("Standard_NC4as_T4_v3", "Standard_NC8as_T4_v3"):
        cluster["gpuPool"]["osDiskType"] = "Managed"
    return run_preview(ROOT, stack, preview=preview, config={"cluster": cluster}, policy_pack=False)


def gpu_pool(result):
    [pool] = [p for p in result.find(AGENT_POOL) if p.inputs.get("nodeLabels", {}).get("airflow-aks/pool") == "gpu"]
    return pool


def tolerated(taints: list[str], tolerations: list[dict]) -> bool:
    """Every NoSchedule/NoExecute taint has a toleration (Equal on key and value, or Exists on the key)."""
    for taint in taints:
        key, value, effect = TAINT.fullmatch(taint).groups()
        if not any(
            t.get("key") == key
            and t.get("effect") in (None, effect)
            and (t.get("operator") == "Exists" or t.get("value") == value)
            for t in tolerations
        ):
            return False
    return True


@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize("preview", [False, True], ids=["up", "preview"])
def test_a_gpu_stack_installs_the_device_plugin_on_the_gpu_pool(stack, preview):
    result = gpu_plan(stack, preview)
    pool = gpu_pool(result)
    [daemonset] = result.find(DAEMONSET)
    spec = daemonset.inputs["spec"]["template"]["spec"]
    assert spec["nodeSelector"].items() <= pool.inputs["nodeLabels"].items()
    assert tolerated(pool.inputs["nodeTaints"], spec["tolerations"])
    [container] = spec["containers"]
    assert container["image"] == DEVICE_PLUGIN_IMAGE and re.search(r"@sha256:[0-9a-f]{64}$", container["image"])
    assert {
        "hostPath": {"path": "/var/lib/kubelet/device-plugins", "type": "Directory"},
        "name": "kubelet-device-plugins-dir",
    } in spec["volumes"]
    assert daemonset.inputs["metadata"]["namespace"] == "kube-system"
    assert pool.inputs["gpuProfile"] == {"driver": "Install"}
    kubernetes_validate.validate(dict(daemonset.inputs), desired_version="1.33", strict=True)
    assert result.reports["cost"].burst_gpu_task_pods == 2  # one task per T4 on each of maxCount 2 nodes


def test_without_a_gpu_pool_there_is_no_device_plugin(project_preview):
    assert project_preview("prod").find(DAEMONSET) == []


def test_a_grid_size_is_refused_on_azure_linux_and_runs_on_ubuntu():
    with pytest.raises(ConfigError) as caught:
        parse_dev(cluster_section("dev", vmSize="Standard_NV36ads_A10_v5", osDiskType="Managed"))
    assert any(
        p.startswith(
            "airflow-aks:cluster.gpuPool.osSku: AzureLinux nodes cannot run Standard_NV36ads_A10_v5: "
            "it needs NVIDIA's GRID driver, which AKS installs on Ubuntu only"
        )
        for p in caught.value.problems
    )
    pool = gpu_pool(gpu_plan("dev", False, os_sku="Ubuntu", vm_size="Standard_NV36ads_A10_v5"))
    assert pool.inputs["osSKU"] == "Ubuntu"


def test_a_size_without_a_gpu_is_refused_for_the_gpu_pool():
    with pytest.raises(ConfigError) as caught:
        parse_dev(cluster_section("dev", vmSize="Standard_D4ads_v5"))
    assert any(
        p.startswith("airflow-aks:cluster.gpuPool.vmSize: Standard_D4ads_v5 is not a known NVIDIA GPU size")
        for p in caught.value.problems
    )


def task_pod_template(values: dict) -> dict:
    """The task pod the chart's pod template describes, from the release's `workers` values (the parts that decide
    where it runs and what it asks for)."""
    workers = values["workers"]["kubernetes"]
    image = values["images"]["pod_template"]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "task", "namespace": "airflow", "labels": dict(workers["labels"])},
        "spec": {
            "serviceAccountName": workers["serviceAccount"]["name"],
            "restartPolicy": "Never",
            "nodeSelector": dict(workers["nodeSelector"]),
            "tolerations": list(workers["tolerations"]),
            "containers": [
                {
                    "name": "base",
                    "image": f"{image['repository']}:{image['tag']}",
                    "resources": workers["resources"],
                }
            ],
        },
    }


def test_the_documented_gpu_override_gives_a_valid_pod_on_the_gpu_pool(airflow_python, tmp_path):
    result = gpu_plan("prod", False)
    [release] = result.find(RELEASE)
    snippet = next(
        block
        for block in re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "airflow.md").read_text(), re.S)
        if "ON_GPU" in block
    )
    request, answer = tmp_path / "in.json", tmp_path / "out.json"
    request.write_text(
        json.dumps({"base": task_pod_template(release.inputs["values"]), "snippet": snippet, "name": "ON_GPU"})
    )
    run = subprocess.run(
        [
            str(airflow_python),
            "-W",
            "ignore",
            str(ROOT / "tests" / "support" / "pod_override_probe.py"),
            str(request),
            str(answer),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    pod = json.loads(answer.read_text())
    kubernetes_validate.validate(pod, desired_version="1.33", strict=True)
    pool = gpu_pool(result)
    assert pod["spec"]["nodeSelector"].items() <= pool.inputs["nodeLabels"].items()
    assert tolerated(pool.inputs["nodeTaints"], pod["spec"]["tolerations"])
    [container] = pod["spec"]["containers"]
    assert container["resources"]["limits"][GPU_RESOURCE] == "1"
    template = release.inputs["values"]["images"]["pod_template"]
    assert container["image"] == f"{template['repository']}:{template['tag']}"  # the override keeps the task image


def test_the_policy_pack_finds_the_gpu_pool_served_by_the_plugin():
    result = run_preview(ROOT, "prod", config={"cluster": cluster_section("prod")})
    assert not [v for v in result.violations if v.policy in ("gpu-device-plugin", "airflow-concurrency")]
    assert result.reports["cost"].concurrent_tasks == result.reports["cost"].task_slots == 240 + 2
