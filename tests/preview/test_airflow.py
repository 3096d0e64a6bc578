"""The Airflow component under the offline engine, in both modes and for both stacks.

The program below wires the component to real (mocked) resources the way `__main__.py` does — a Kubernetes
provider, the namespace, the two workload identities — with the project's own stack files, so the Release is checked
as the engine would register it: values against the chart schema (unknowns replaced by placeholders), identity on
every component, no secret in plain text, and the dependencies a one-pass `pulumi up` needs.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from support import ROOT, chart_schema

import offline
from facts.airflow_release import CHART_VERSION
from facts.workload_identity import CLIENT_ID_ANNOTATION, USE_LABEL

RELEASE = "kubernetes:helm.sh/v3:Release"
TOKEN = "ghp_offline_test_token_0123456789"
PLACEHOLDER = "00000000-0000-0000-0000-000000000000"

PROGRAM = textwrap.dedent(
    f"""
    import sys
    sys.path.insert(0, {str(ROOT)!r})

    import pulumi
    import pulumi_kubernetes as kubernetes
    from pulumi_azure_native import managedidentity

    from components.airflow.release import Airflow, AirflowArgs
    from components.airflow.auth import EntraApp
    from components.airflow.values import ValuesInputs
    from components.cluster.node_pools import placements
    from components.data.storage import TaskLogs
    from facts.workload_identity import IDENTITIES
    from stackconfig import load_stack_config

    settings = load_stack_config()
    airflow = settings.config.airflow
    provider = kubernetes.Provider("aks", kubeconfig="apiVersion: v1\\nkind: Config\\n")
    namespace = kubernetes.core.v1.Namespace(
        "airflow-namespace",
        metadata=kubernetes.meta.v1.ObjectMetaArgs(name=airflow.namespace),
        opts=pulumi.ResourceOptions(provider=provider),
    )
    identities = {{
        key: managedidentity.UserAssignedIdentity(f"id-{{key}}", resource_group_name="rg-test", location="westeurope")
        for key in IDENTITIES
    }}
    component = Airflow(
        "airflow",
        AirflowArgs(
            ValuesInputs(
                config=airflow,
                pools=placements(settings.config.cluster),
                client_ids={{key: identity.client_id for key, identity in identities.items()}},
                task_logs=TaskLogs("airflow-logs", "https://stexample.blob.core.windows.net/"),
                vault_uri="https://kv-example.vault.azure.net/",
                secrets=settings.config.secrets,
                entra_app=EntraApp("{PLACEHOLDER}", "{PLACEHOLDER}") if airflow.auth.entra_sign_in else None,
            ),
            namespace=namespace.metadata.name,
            depends_on=list(identities.values()),
        ),
        opts=pulumi.ResourceOptions(provider=provider),
    )
    pulumi.export("releaseStatus", component.release_status)
    """
)


@pytest.fixture(scope="module")
def program(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("airflow-program")
    # Only the project name matters here; the stack files are the project's own.
    (directory / "Pulumi.yaml").write_text("name: airflow-aks\nruntime: python\n")
    for stack in ("dev", "prod"):
        (directory / f"Pulumi.{stack}.yaml").write_text((ROOT / f"Pulumi.{stack}.yaml").read_text())
    (directory / "__main__.py").write_text(PROGRAM)
    return directory


def placeholders(node):
    """Unknown leaves (first preview) replaced by a string, as the schema check needs concrete values."""
    if isinstance(node, dict):
        return {key: placeholders(value) for key, value in node.items()}
    if isinstance(node, list):
        return [placeholders(value) for value in node]
    return PLACEHOLDER if node is offline.UNKNOWN else node


@pytest.fixture(
    scope="module",
    params=[("dev", False), ("dev", True), ("prod", False), ("prod", True)],
    ids=["dev-up", "dev-preview", "prod-up", "prod-preview"],
)
def run(request, program):
    stack, preview = request.param
    return stack, preview, offline.run_preview(program, stack, preview=preview, policy_pack=False)


def test_release_is_the_pinned_chart_with_explicit_name_and_namespace(run):
    _, _, result = run
    release = result.one(RELEASE)
    assert release.inputs["chart"] == "airflow"
    assert release.inputs["version"] == CHART_VERSION
    assert release.inputs["repositoryOpts"] == {"repo": "https://airflow.apache.org"}
    assert (release.inputs["name"], release.inputs["namespace"]) == ("airflow", "airflow")
    assert release.inputs["skipAwait"] is False and release.inputs["waitForJobs"] is True
    # A failed install or upgrade rolls back instead of leaving a half-applied release behind.
    assert release.inputs["atomic"] is True and release.inputs["cleanupOnFail"] is True
    assert release.inputs["createNamespace"] is False


def test_release_belongs_to_the_component_and_uses_the_cluster_provider(run):
    _, _, result = run
    component = result.one("airflow-aks:airflow:Airflow")
    release = result.one(RELEASE)
    assert release.parent == component.urn
    assert release.provider is not None and "pulumi:providers:kubernetes::aks" in release.provider


def test_release_waits_for_namespace_and_identities(run):
    _, _, result = run
    depends = set(result.one(RELEASE).depends_on)
    namespace = result.one("kubernetes:core/v1:Namespace").urn
    identities = {r.urn for r in result.find("azure-native:managedidentity:UserAssignedIdentity")}
    assert identities <= depends
    assert namespace in depends or namespace in result.one(RELEASE).property_dependencies.get("namespace", [])


def test_values_pass_the_chart_schema_in_both_modes(run):
    _, _, result = run
    values = placeholders(result.one(RELEASE).inputs["values"])
    assert chart_schema.schema_errors(values) == []
    assert chart_schema.unknown_keys(values) == []


def test_every_component_and_task_pods_carry_their_workload_identity(run):
    _, preview, result = run
    values = result.one(RELEASE).inputs["values"]
    client_ids = {
        r.name: r.outputs.get("clientId") for r in result.find("azure-native:managedidentity:UserAssignedIdentity")
    }
    expected = {
        "scheduler": "id-airflow",
        "apiServer": "id-airflow",
        "dagProcessor": "id-airflow",
        "triggerer": "id-tasks",
        "workers": "id-tasks",
    }
    for component, identity in expected.items():
        # Task pods' service account and labels live under `workers.kubernetes` (chart 1.22).
        pods = values["workers"]["kubernetes"] if component == "workers" else values[component]
        annotation = pods["serviceAccount"]["annotations"][CLIENT_ID_ANNOTATION]
        assert pods["labels"][USE_LABEL] == "true"
        if preview:
            assert annotation is offline.UNKNOWN
        else:
            assert annotation == client_ids[identity] and len(annotation) == 36


def test_stacks_differ_as_intended(run):
    stack, _, result = run
    values = result.one(RELEASE).inputs["values"]
    replicas = (values["scheduler"]["replicas"], values["apiServer"]["replicas"], values["createUserJob"]["enabled"])
    assert replicas == {"dev": (1, 1, False), "prod": (2, 2, False)}[stack]


@pytest.mark.parametrize("preview", [False, True], ids=["up", "preview"])
def test_git_credential_is_a_secret_only_in_its_kubernetes_secret(program, preview):
    airflow = {
        "gitSync": {
            "enabled": True,
            "repo": "https://github.com/contoso/dags.git",
            "auth": "https",
            "credential": TOKEN,
        }
    }
    result = offline.run_preview(program, "dev", preview=preview, policy_pack=False, secret_config={"airflow": airflow})
    secret = result.one("kubernetes:core/v1:Secret")
    assert "stringData" in secret.secret_paths
    assert secret.inputs["metadata"]["name"] == "airflow-git-credentials"
    assert "pulumi:providers:kubernetes::aks" in secret.provider
    release = result.one(RELEASE)
    assert secret.urn in release.depends_on
    assert release.inputs["values"]["dags"]["gitSync"]["credentialsSecret"] == "airflow-git-credentials"
    assert TOKEN not in json.dumps(result.to_json())
    assert TOKEN not in json.dumps(release.inputs, default=repr)
    if not preview:
        assert secret.inputs["stringData"]["GITSYNC_PASSWORD"] == TOKEN


@pytest.mark.parametrize("mode", [False, True], ids=["known", "preview"])
@pytest.mark.parametrize(
    ("airflow", "setting", "allowed"),
    [
        ({"chartVersion": "1.21.0"}, "airflow.chartVersion", "allowed: 1.22.0"),
        ({"image": {"airflowVersion": "3.1.8"}}, "airflow.image.airflowVersion", "allowed >= 3.2.2 and < 3.4.0"),
    ],
)
def test_a_release_the_program_does_not_render_stops_the_preview_before_any_resource(mode, airflow, setting, allowed):
    with pytest.raises(offline.OfflineError) as caught:
        offline.run_preview(ROOT, "prod", preview=mode, config={"airflow": airflow}, policy_pack=False)
    message = str(caught.value)
    assert message.startswith("invalid stack configuration") and "Traceback" not in message
    assert f"airflow-aks:{setting}: " in message and allowed in message
