"""images-from-stack-registry: images of the Airflow release and of Kubernetes workloads come from the stack's own
registry, one its nodes pull from by AcrPull, or an allow-listed host; never straight from a public registry."""

from __future__ import annotations

import json

import pytest
from support import ROOT
from support.policy_harness import PACK_DIR, UNKNOWN, airflow_aks_policies, policy_resource, stack_violations

from offline import run_preview

POLICY = airflow_aks_policies.images.images_from_stack_registry
OWN = "crairflowprod1a2b3c4d"
SERVER = f"{OWN}.azurecr.io"
ACR_PULL = "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d"
SHARED = "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/SharedAcr"


def registry(**props):
    return policy_resource("azure-native:containerregistry:Registry", "registry", {"registryName": OWN, **props})


def release(values, chart="airflow"):
    return policy_resource("kubernetes:helm.sh/v3:Release", "airflow", {"chart": chart, "values": values})


def through(server):
    repository = f"{server}/apache/airflow"
    return {
        "defaultAirflowRepository": repository,
        "images": {
            "airflow": {"repository": repository},
            "pod_template": {"repository": repository},
            "statsd": {"repository": f"{server}/prometheus/statsd-exporter"},
            "gitSync": {"repository": f"{server}/git-sync/git-sync"},
            "migrationsWaitTimeout": 900,
        },
        "dags": {"gitSync": {"enabled": True}},
        "config": {"kubernetes_executor": {"worker_container_repository": repository}},
    }


def messages(resources, config=None):
    return [message for _, message in stack_violations(POLICY, resources, config)]


def test_a_release_that_pulls_everything_through_the_stacks_registry_passes():
    assert messages([registry(), release(through(SERVER))]) == []


def test_the_login_server_output_counts_when_the_name_is_not_known():
    assert messages([registry(registryName=UNKNOWN, loginServer=SERVER), release(through(SERVER))]) == []


def test_a_public_sidecar_image_is_rejected_naming_the_value_and_its_registry():
    values = through(SERVER)
    values["images"]["statsd"]["repository"] = "quay.io/prometheus/statsd-exporter"
    (message,) = messages([registry(), release(values)])
    assert "images.statsd.repository 'quay.io/prometheus/statsd-exporter' (quay.io)" in message
    assert SERVER in message and "apache/airflow" not in message


def test_unset_repositories_are_the_charts_public_defaults():
    (message,) = messages([registry(), release({"executor": "KubernetesExecutor"})])
    assert "images.airflow.repository 'apache/airflow' (docker.io)" in message
    assert "images.statsd.repository 'quay.io/prometheus/statsd-exporter' (quay.io)" in message
    assert "gitSync" not in message, "git-sync is not rendered while dags.gitSync is off"


def test_without_a_registry_in_the_stack_every_public_image_is_reported():
    (message,) = messages([release(through("docker.io"))])
    assert "a registry of the stack (registry.enabled) or allowedRegistries" in message


def test_a_shared_registry_the_nodes_pull_from_is_allowed():
    grant = policy_resource(
        "azure-native:authorization:RoleAssignment",
        "kubelet-acr-pull",
        {"roleDefinitionId": ACR_PULL, "scope": SHARED, "principalId": "p"},
    )
    assert messages([grant, release(through("sharedacr.azurecr.io"))]) == []


def test_a_registry_granted_another_role_is_not_a_pull_source():
    grant = policy_resource(
        "azure-native:authorization:RoleAssignment",
        "push",
        {
            "roleDefinitionId": ACR_PULL.replace(
                "7f951dda-4ed3-4680-a7ca-43fe172d538d", "8311e382-0749-4cb8-b61a-304f252e45ec"
            ),
            "scope": SHARED,
            "principalId": "p",
        },
    )
    assert messages([grant, release(through("sharedacr.azurecr.io"))])


def test_an_allow_listed_host_passes():
    assert messages([release(through("mirror.example.com"))], {"allowedRegistries": ["Mirror.example.com"]}) == []


def test_unknown_values_are_left_for_the_update():
    values = through(SERVER)
    values["images"]["statsd"]["repository"] = UNKNOWN
    assert messages([registry(), release(values)]) == []
    assert messages([registry(), release(UNKNOWN)]) == []


def test_other_charts_are_not_judged_by_the_airflow_chart_defaults():
    assert messages([release({}, chart="ingress-nginx")]) == []


@pytest.mark.parametrize(
    ("type_", "spec"),
    [
        ("kubernetes:apps/v1:Deployment", lambda c: {"spec": {"template": {"spec": c}}}),
        ("kubernetes:batch/v1:CronJob", lambda c: {"spec": {"jobTemplate": {"spec": {"template": {"spec": c}}}}}),
        ("kubernetes:core/v1:Pod", lambda c: {"spec": c}),
    ],
)
def test_workload_containers_from_a_public_registry_are_rejected(type_, spec):
    containers = {
        "initContainers": [{"name": "init", "image": f"{SERVER}/busybox:1.36"}],
        "containers": [{"name": "app", "image": "nginx:1.27@sha256:" + "b" * 64}],
    }
    (message,) = messages([registry(), policy_resource(type_, "w", spec(containers))])
    assert "containers[0].image 'nginx:1.27@sha256:" in message and "(docker.io)" in message
    assert "initContainers" not in message


def test_the_policy_is_mandatory_on_prod_and_advisory_on_dev():
    levels = {
        stack: json.loads((PACK_DIR / "config" / f"{stack}.json").read_text())["images-from-stack-registry"][
            "enforcementLevel"
        ]
        for stack in ("dev", "prod")
    }
    assert levels == {"dev": "advisory", "prod": "mandatory"}


@pytest.mark.parametrize("preview", [False, True], ids=["known", "preview"])
def test_prod_passes_and_rejects_a_public_image(project_preview, preview):
    """The shared prod preview is judged by the pack with policies/config/prod.json, as the variant is."""
    assert not [v for v in project_preview("prod", preview=preview).violations if v.policy == POLICY.name]
    public = run_preview(
        ROOT,
        "prod",
        preview=preview,
        policy_pack=PACK_DIR,
        policy_config=PACK_DIR / "config" / "prod.json",
        config={"airflow": {"image": {"repository": "ghcr.io/someone/airflow"}}},
    )
    (violation,) = [v for v in public.violations if v.policy == POLICY.name]
    assert violation.enforcement_level == "mandatory"
    assert "'ghcr.io/someone/airflow' (ghcr.io)" in violation.message
