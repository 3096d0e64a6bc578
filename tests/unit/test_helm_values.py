"""The chart values: table-driven over dev, prod and edge configs, checked against the chart's own schema and keys."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess

import pytest
from support import chart_schema
from support.config import settings

from components.airflow import chart_secrets
from components.airflow.auth import EntraApp
from components.airflow.remote_logging import connection_env_name, wasb_connection
from components.airflow.values import (
    AZURE_LOAD_BALANCER_PROBE_SOURCE,
    EXECUTOR,
    INTERNAL_LOAD_BALANCER_ANNOTATION,
    PRIVATE_RANGES,
    ValuesInputs,
    airflow_values,
    git_credentials,
    release_pods,
)
from components.cluster.node_pools import POOL_LABEL, core_placement, placements
from components.data.storage import TaskLogs
from facts.airflow_release import AIRFLOW_VERSION, CHART_RELEASES, CHART_VERSION
from facts.workload_identity import CLIENT_ID_ANNOTATION, IDENTITIES, USE_LABEL, bindings

CLIENT_IDS = {"airflow": "11111111-1111-1111-1111-111111111111", "tasks": "22222222-2222-2222-2222-222222222222"}
DIGEST = "sha256:" + "ab" * 32
SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----"
TOKEN = "ghp_exampletoken0123456789"
SERVICES = ("scheduler", "apiServer", "dagProcessor", "triggerer")


LOGS = TaskLogs(container_name="airflow-logs", blob_endpoint="https://stexample.blob.core.windows.net/")
VAULT_URI = "https://kv-example.vault.azure.net/"


ENTRA_APP = EntraApp("72f988bf-0000-4000-8000-00000000aaaa", "3c1d2e4f-0000-4000-8000-00000000bbbb")


def inputs_for(
    config, client_ids=CLIENT_IDS, secrets: dict | None = None, entra_app: EntraApp | None = None
) -> ValuesInputs:
    """The values' inputs as the program builds them, with plain strings where other components give outputs."""
    if entra_app is None and config.airflow.auth.entra_sign_in:  # prod signs in with Entra: the app's ids
        entra_app = ENTRA_APP
    return ValuesInputs(
        config=config.airflow,
        pools=placements(config.cluster),
        client_ids=client_ids,
        task_logs=LOGS,
        vault_uri=VAULT_URI,
        secrets=config.secrets.model_copy(update=secrets or {}),
        entra_app=entra_app,
    )


def values_for(
    stack: str, airflow: dict | None = None, cluster: dict | None = None, secrets: dict | None = None
) -> dict:
    return airflow_values(inputs_for(settings(stack, airflow, cluster).config, secrets=secrets))


CASES = {
    "dev": dict(stack="dev"),
    "prod": dict(stack="prod"),
    "spot": dict(stack="dev", cluster={"spotPool": {"enabled": True}}),
    "gpu": dict(stack="prod", cluster={"gpuPool": {"enabled": True}}),
    "shared-system-pool": dict(stack="dev", cluster={"dedicatedSystemPool": False}),
    "zonal-prod": dict(stack="prod", cluster={"corePool": {"zones": ["1", "2", "3"]}}),
    "https-git-sync": dict(
        stack="dev",
        airflow={
            "gitSync": {
                "enabled": True,
                "repo": "https://github.com/example/dags.git",
                "auth": "https",
                "credential": TOKEN,
                "subPath": "dags",
                "ref": "release",
                "period": "30s",
            }
        },
    ),
    "ssh-git-sync": dict(
        stack="prod",
        airflow={
            "gitSync": {
                "enabled": True,
                "repo": "git@github.com:example/dags.git",
                "auth": "ssh",
                "credential": SSH_KEY,
                "knownHosts": "github.com ssh-ed25519 AAAAC3Nza",
            }
        },
    ),
    "custom-image": dict(
        stack="prod",
        airflow={
            "image": {
                "repository": "contoso.azurecr.io/airflow",
                "tag": f"{AIRFLOW_VERSION}-contoso.4",
                "digest": DIGEST,
            }
        },
    ),
    "internal-load-balancer": dict(
        stack="dev", airflow={"ui": {"access": "internalLoadBalancer", "allowedCidrs": ["10.0.0.0/8"]}}
    ),
    "ingress": dict(
        stack="prod",
        airflow={"ui": {"access": "ingress", "host": "airflow.internal.example.com", "tlsSecretName": "airflow-tls"}},
    ),
}


@pytest.fixture(params=sorted(CASES), scope="module")
def case(request):
    spec = dict(CASES[request.param])
    return request.param, spec, values_for(**spec)


def test_values_pass_the_chart_schema(case):
    name, _, values = case
    assert chart_schema.schema_errors(values) == [], name


def test_every_key_set_exists_in_the_chart(case):
    name, _, values = case
    assert chart_schema.unknown_keys(values) == [], name


def test_a_misspelt_key_is_caught_even_where_the_schema_is_open():
    values = values_for("dev")
    values["scheduler"]["serviceAccount"]["annotation"] = {CLIENT_ID_ANNOTATION: "x"}
    values["apiServer"]["podDisruptionBudget"]["confg"] = {}
    assert chart_schema.unknown_keys(values) == [
        "scheduler.serviceAccount.annotation",
        "apiServer.podDisruptionBudget.confg",
    ]


def test_a_value_of_the_wrong_type_fails_the_schema():
    values = values_for("dev")
    values["scheduler"]["replicas"] = "two"
    assert any(error.startswith("scheduler.replicas:") for error in chart_schema.schema_errors(values))


def test_kubernetes_executor_without_bundled_services(case):
    _, _, values = case
    assert values["executor"] == EXECUTOR == values["config"]["core"]["executor"]
    assert values["postgresql"]["enabled"] is False
    assert values["pgbouncer"]["enabled"] is False
    assert values["redis"]["enabled"] is False
    assert values["networkPolicies"]["enabled"] is True


# The chart's NetworkPolicies whose peers come from values (`<key>.networkPolicy.ingress.from`), and whether the
# chart renders them for these values: the webserver's exists for Airflow 2 only, Flower's for Celery only.
VALUES_PEERED_POLICIES = {
    "apiServer": lambda values: values["airflowVersion"].startswith("3."),
    "webserver": lambda values: values["airflowVersion"].startswith("2."),
    "flower": lambda values: "Celery" in values["executor"],
}


def test_the_chart_has_no_other_network_policy_peered_from_values():
    declared = {
        key
        for key, section in chart_schema.schema()["properties"].items()
        if "networkPolicy" in section.get("properties", {})
    }
    assert declared == set(VALUES_PEERED_POLICIES)


def test_every_rendered_network_policy_admits_its_clients(case):
    """A rendered policy with an empty `from` selects the pods and admits no traffic at all (Cilium enforces it)."""
    name, _, values = case
    assert values["networkPolicies"]["enabled"] is True
    rendered = [key for key, renders in VALUES_PEERED_POLICIES.items() if renders(values)]
    assert rendered == ["apiServer"], name
    for key in rendered:
        assert values[key]["networkPolicy"]["ingress"]["from"], f"{name}: {key}"


def test_task_pods_and_every_other_release_pod_reach_the_api_server(case):
    """Task pods call the Task Execution API; the chart labels them (pod template) like every component."""
    name, spec, values = case
    release = settings(spec["stack"], spec.get("airflow")).config.airflow.release_name
    peers = values["apiServer"]["networkPolicy"]["ingress"]["from"]
    assert (
        peers[0] == release_pods(release) == {"podSelector": {"matchLabels": {"tier": "airflow", "release": release}}}
    ), name


def test_internal_load_balancer_clients_and_probes_reach_the_api_server():
    peers = values_for(**CASES["internal-load-balancer"])["apiServer"]["networkPolicy"]["ingress"]["from"]
    assert peers[1:] == [{"ipBlock": {"cidr": "10.0.0.0/8"}}, {"ipBlock": {"cidr": AZURE_LOAD_BALANCER_PROBE_SOURCE}}]
    unrestricted = values_for("dev", {"ui": {"access": "internalLoadBalancer"}})["apiServer"]["networkPolicy"]
    cidrs = [peer["ipBlock"]["cidr"] for peer in unrestricted["ingress"]["from"][1:]]
    assert cidrs == [*map(str, PRIVATE_RANGES), "168.63.129.16/32"]


def test_the_ingress_controller_namespace_reaches_the_api_server():
    peers = values_for(**CASES["ingress"])["apiServer"]["networkPolicy"]["ingress"]["from"]
    assert peers[1:] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "app-routing-system"}}}]
    custom = values_for(
        "prod",
        {
            "ui": {
                "access": "ingress",
                "host": "airflow.example.com",
                "tlsSecretName": "airflow-tls",
                "ingressControllerNamespace": "ingress-nginx",
            }
        },
    )
    selector = custom["apiServer"]["networkPolicy"]["ingress"]["from"][1]["namespaceSelector"]
    assert selector == {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}


def test_port_forward_needs_only_the_release_pods():
    assert values_for("dev")["apiServer"]["networkPolicy"]["ingress"]["from"] == [release_pods("airflow")]


def test_every_component_runs_as_its_workload_identity(case):
    """Service account name, client-id annotation and pod label of each component all come from the one map."""
    _, spec, values = case
    airflow = settings(spec["stack"], spec.get("airflow")).config.airflow
    expected = bindings(airflow.release_name, airflow.namespace)
    assert {b.component for b in expected} == {*SERVICES, "workers"}
    for binding in expected:
        component = values
        for key in binding.values_path:
            component = component[key]
        assert component["serviceAccount"]["name"] == binding.service_account
        assert component["serviceAccount"]["annotations"] == {CLIENT_ID_ANNOTATION: CLIENT_IDS[binding.identity]}
        assert component["labels"][USE_LABEL] == "true"
    assert set(CLIENT_IDS) == set(IDENTITIES)


def test_task_pods_land_on_the_task_pool_and_are_not_evicted_mid_task(case):
    _, spec, values = case
    config = settings(spec["stack"], spec.get("airflow"), spec.get("cluster")).config
    tasks = placements(config.cluster)["tasks"]
    pod_template = values["workers"]["kubernetes"]
    assert pod_template["nodeSelector"] == {POOL_LABEL: "tasks"} == tasks.node_selector()
    assert pod_template["tolerations"] == tasks.tolerations() != []
    assert pod_template["safeToEvict"] is False
    assert pod_template["terminationGracePeriodSeconds"] == config.airflow.task_pods.termination_grace_period_seconds
    resources = pod_template["resources"]
    assert resources == config.airflow.task_pods.resources.kubernetes()
    assert resources["requests"]["cpu"] and resources["limits"]["memory"]


def _deprecated(description: str) -> bool:
    return "deprecated" in description.lower()


def test_no_deprecated_workers_key_is_set(case):
    """Chart 1.22 deprecates every shared Celery/pod-template key for `workers.celery.*` and `workers.kubernetes.*`:
    the task pods' settings all live under `workers.kubernetes`."""
    name, _, values = case
    declared = chart_schema.schema()["properties"]["workers"]["properties"]
    deprecated = {key for key, spec in declared.items() if _deprecated(spec.get("description", ""))}
    assert {"nodeSelector", "tolerations", "serviceAccount", "podAnnotations", "safeToEvict"} <= deprecated
    assert set(values["workers"]) == {"kubernetes"}, name
    assert set(values["workers"]["kubernetes"]) <= set(declared["kubernetes"]["properties"]), name


def test_no_pod_gets_service_link_variables(case):
    _, _, values = case
    assert values["enableServiceLinks"] is False


def test_the_metadata_database_is_cleaned_with_the_stacks_retention(case):
    _, spec, values = case
    config = settings(spec["stack"], spec.get("airflow"), spec.get("cluster")).config
    cleanup = values["databaseCleanup"]
    assert cleanup["enabled"] is True and cleanup["skipArchive"] is True
    assert cleanup["retentionDays"] == config.airflow.database_cleanup.retention_days
    assert set(cleanup) <= set(chart_schema.defaults()["databaseCleanup"])


def test_spot_and_gpu_pools_are_opt_in_per_task(case):
    """No default placement targets spot or GPU nodes; a task asks for them with pod_override (docs/airflow.md)."""
    _, _, values = case
    text = json.dumps(values)
    assert '"spot"' not in text and '"gpu"' not in text and "nvidia.com/gpu" not in text


def test_services_run_on_the_core_placement(case):
    _, spec, values = case
    cluster = settings(spec["stack"], cluster=spec.get("cluster")).config.cluster
    core = core_placement(cluster)
    for key in SERVICES:
        assert values[key]["nodeSelector"] == core.node_selector()
        assert values[key]["tolerations"] == core.tolerations()
    assert values["nodeSelector"] == core.node_selector()  # jobs and other chart pods


def test_hooks_are_off_for_every_hooked_job(case):
    """Pulumi waits for the release; Helm hooks would hide the jobs from that wait. Find hooked jobs in the chart."""
    _, _, values = case
    hooked = [
        key
        for key, section in chart_schema.defaults().items()
        if isinstance(section, dict) and "useHelmHooks" in section
    ]
    assert sorted(hooked) == ["createUserJob", "migrateDatabaseJob"]
    for key in hooked:
        assert values[key]["useHelmHooks"] is False
        assert values[key]["applyCustomEnv"] is False


ROTATION = {"airflow-aks/secret-versions": "fernet=1,api=1,jwt=1,db=2"}
ANNOTATED_PODS = ("scheduler", "apiServer", "dagProcessor", "triggerer", "workers.kubernetes")


def test_jobs_outlive_the_release_wait(case):
    """Helm's wait (Pulumi's Release, atomic) fails with 'not found' if a Job's TTL deletes it before the wait ends."""
    name, spec, values = case
    timeout = settings(spec["stack"], spec.get("airflow")).config.airflow.release_timeout_seconds
    for key in ("migrateDatabaseJob", "createUserJob"):
        assert values[key]["ttlSecondsAfterFinished"] >= timeout, f"{name}: {key}"


@pytest.mark.parametrize("timeout", [300, 1200, 3600])
def test_services_wait_for_migrations_as_long_as_the_release_waits(timeout):
    values = values_for("dev", {"releaseTimeoutSeconds": timeout})
    assert chart_schema.defaults()["images"]["migrationsWaitTimeout"] == 60
    assert values["images"]["migrationsWaitTimeout"] == max(timeout, 900)
    assert values["migrateDatabaseJob"]["ttlSecondsAfterFinished"] == timeout


def test_rotation_restarts_the_services_and_never_touches_the_immutable_jobs():
    """A Job's pod template is immutable: `airflowPodAnnotations` reaches the Jobs too, so a rotation failed the upgrade."""
    values = values_for("prod", secrets={"database_password_version": 2})
    for key in ANNOTATED_PODS:
        pods = values
        for part in key.split("."):
            pods = pods[part]
        assert pods["podAnnotations"] == ROTATION, key
    assert "airflowPodAnnotations" not in values
    for job in ("migrateDatabaseJob", "createUserJob", "databaseCleanup"):
        assert "annotations" not in values[job] and "podAnnotations" not in values[job]
    top_level = {key.split(".")[0] for key in ANNOTATED_PODS}
    assert ROTATION["airflow-aks/secret-versions"] not in json.dumps(
        {k: v for k, v in values.items() if k not in top_level}
    )


FAKE_AIRFLOW = """#!/bin/sh
echo "$*" >> "$LOG"
[ "$1" != db ] || exit "$MIGRATIONS_STATUS"
"""


def _run_create_user_job(tmp_path, migrations_status: int) -> list[str]:
    """Run the Job's container command with the chart's default args (templates rendered), `airflow` faked."""
    job = values_for("dev", {"createUserJob": True})["createUserJob"]
    args = ["X" if "{{" in arg else arg for arg in chart_schema.defaults()["createUserJob"]["args"]]
    fake = tmp_path / "airflow"
    fake.write_text(FAKE_AIRFLOW)
    fake.chmod(0o755)
    log = tmp_path / "calls"
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin", "LOG": str(log), "MIGRATIONS_STATUS": str(migrations_status)}
    subprocess.run([*job["command"], *args], env=env, check=False, timeout=30)
    return log.read_text().splitlines()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_create_user_job_waits_for_migrations_then_runs_the_charts_args(tmp_path):
    """The chart's create-user Job has no wait-for-migrations init container and raced the migration Job."""
    assert _run_create_user_job(tmp_path, 0) == [
        "db check-migrations --migration-wait-timeout=1200",
        "users create -r X -u X -e X -f X -l X -p X",
    ]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_create_user_job_creates_no_user_before_migrations(tmp_path):
    assert _run_create_user_job(tmp_path, 1) == ["db check-migrations --migration-wait-timeout=1200"]


def test_users_are_created_with_the_fab_auth_manager_the_chart_configures(case):
    """`airflow users create` (docs/airflow.md, the create-user Job) and Entra sign-in exist only with FAB, the
    chart's default, which the values also name so that no other default can slip in."""
    name, _, values = case
    fab = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
    assert chart_schema.defaults()["config"]["core"]["auth_manager"] == fab
    assert values["config"]["core"]["auth_manager"] == fab, name


def test_chart_reads_the_secrets_by_name_only(case):
    name, spec, values = case
    release = settings(spec["stack"]).config.airflow.release_name
    assert values["data"]["metadataSecretName"] == chart_secrets.METADATA_CONNECTION.name(release)
    for secret in (chart_secrets.FERNET_KEY, chart_secrets.API_SECRET_KEY, chart_secrets.JWT_SECRET):
        assert values[secret.values_key] == secret.name(release)
    for key in ("fernetKey", "apiSecretKey", "jwtSecret", "webserverSecretKey"):
        assert key not in values
    assert "metadataConnection" not in values["data"]
    text = json.dumps(values)
    assert TOKEN not in text and "PRIVATE KEY" not in text, name


def test_prod_is_highly_available_and_dev_is_small():
    dev, prod = values_for("dev"), values_for("prod")
    assert (dev["scheduler"]["replicas"], prod["scheduler"]["replicas"]) == (1, 2)
    assert (dev["apiServer"]["replicas"], prod["apiServer"]["replicas"]) == (1, 2)
    for key in ("scheduler", "apiServer"):
        assert prod[key]["podDisruptionBudget"]["enabled"] is True
        assert dev[key]["podDisruptionBudget"]["enabled"] is False
        zone = prod[key]["topologySpreadConstraints"][0]
        assert zone["topologyKey"] == "topology.kubernetes.io/zone"
        assert "topologySpreadConstraints" not in dev[key]
    assert (dev["createUserJob"]["enabled"], prod["createUserJob"]["enabled"]) == (False, False)


def test_zone_spread_is_strict_only_when_the_core_pool_spans_zones():
    unzoned = values_for("prod", cluster={"zones": []})["scheduler"]["topologySpreadConstraints"][0]
    zoned = values_for(**CASES["zonal-prod"])["scheduler"]["topologySpreadConstraints"][0]
    assert (unzoned["whenUnsatisfiable"], zoned["whenUnsatisfiable"]) == ("ScheduleAnyway", "DoNotSchedule")
    assert zoned["labelSelector"]["matchLabels"] == {"tier": "airflow", "component": "scheduler", "release": "airflow"}


def test_images_default_to_the_official_airflow_of_the_pinned_release():
    values = values_for("dev")
    assert values["defaultAirflowRepository"] == "apache/airflow"
    assert values["airflowVersion"] == values["defaultAirflowTag"] == AIRFLOW_VERSION
    assert chart_schema.defaults()["airflowVersion"] == CHART_RELEASES[CHART_VERSION].app_version


def test_a_custom_image_is_pinned_by_digest_everywhere_including_task_pods():
    values = values_for(**CASES["custom-image"])
    assert values["images"]["airflow"] == {
        "repository": "contoso.azurecr.io/airflow",
        "tag": f"{AIRFLOW_VERSION}-contoso.4",
        "digest": DIGEST,
        "pullPolicy": "IfNotPresent",
    }
    assert values["defaultAirflowDigest"] == DIGEST
    pinned = f"{AIRFLOW_VERSION}-contoso.4@{DIGEST}"
    assert values["images"]["pod_template"]["tag"] == pinned
    executor = values["config"]["kubernetes_executor"]
    assert (executor["worker_container_repository"], executor["worker_container_tag"]) == (
        "contoso.azurecr.io/airflow",
        pinned,
    )


def test_dags_are_baked_into_the_image_unless_git_sync_is_on():
    assert values_for("dev")["dags"] == {"gitSync": {"enabled": False}}


def test_https_git_sync_reads_a_token_secret():
    git = values_for(**CASES["https-git-sync"])["dags"]["gitSync"]
    assert git == {
        "enabled": True,
        "repo": "https://github.com/example/dags.git",
        "ref": "release",
        "branch": "release",
        "rev": "HEAD",
        "subPath": "dags",
        "period": "30s",
        "depth": 1,
        "credentialsSecret": "airflow-git-credentials",
    }


@pytest.mark.parametrize("name", ["https-git-sync", "ssh-git-sync"])
def test_the_deprecated_branch_and_rev_cannot_override_the_ref(name):
    """git-sync v4 reads GIT_SYNC_BRANCH/GIT_SYNC_REV, which the chart always emits (default v2-2-stable/HEAD)."""
    git = values_for(**CASES[name])["dags"]["gitSync"]
    assert chart_schema.defaults()["dags"]["gitSync"]["branch"] == "v2-2-stable"
    assert (git["branch"], git["rev"]) == (git["ref"], "HEAD")


def test_ssh_git_sync_checks_host_keys_and_reads_the_key_secret():
    git = values_for(**CASES["ssh-git-sync"])["dags"]["gitSync"]
    assert git["sshKeySecret"] == "airflow-git-credentials"
    assert git["knownHosts"] == "github.com ssh-ed25519 AAAAC3Nza"
    assert "credentialsSecret" not in git


@pytest.mark.parametrize(
    ("auth", "values_key", "expected"),
    [
        ("ssh", "sshKeySecret", {"gitSshKey": "CRED"}),
        (
            "https",
            "credentialsSecret",
            {
                "GIT_SYNC_USERNAME": "bot",
                "GITSYNC_USERNAME": "bot",
                "GIT_SYNC_PASSWORD": "CRED",
                "GITSYNC_PASSWORD": "CRED",
            },
        ),
    ],
)
def test_git_credentials_secret_holds_every_key_the_chart_reads(auth, values_key, expected):
    repo = "git@github.com:o/r.git" if auth == "ssh" else "https://github.com/o/r.git"
    config = settings(
        "dev",
        {
            "gitSync": {
                "enabled": True,
                "repo": repo,
                "auth": auth,
                "credential": "CRED",
                "username": "bot",
                "knownHosts": "h k",
            }
        },
    ).config.airflow
    credentials = git_credentials(config.release_name, config.git_sync)
    assert credentials.values_key == values_key
    assert credentials.string_data("bot", "CRED") == expected
    assert set(expected) == set(credentials.data_keys)


def test_public_git_repositories_and_baked_dags_need_no_credentials():
    public = settings("dev", {"gitSync": {"enabled": True, "repo": "https://github.com/o/r.git"}}).config.airflow
    assert git_credentials(public.release_name, public.git_sync) is None
    assert (
        "credentialsSecret"
        not in values_for("dev", {"gitSync": {"enabled": True, "repo": "https://github.com/o/r.git"}})["dags"][
            "gitSync"
        ]
    )


def test_ui_is_private_by_default_and_never_public():
    dev = values_for("dev")
    assert dev["apiServer"]["service"] == {"type": "ClusterIP"}
    assert dev["ingress"]["apiServer"]["enabled"] is False
    internal = values_for(**CASES["internal-load-balancer"])["apiServer"]["service"]
    assert internal["type"] == "LoadBalancer"
    assert internal["annotations"] == {INTERNAL_LOAD_BALANCER_ANNOTATION: "true"}
    assert internal["loadBalancerSourceRanges"] == ["10.0.0.0/8"]


def test_ingress_uses_the_configured_host_class_and_tls():
    values = values_for(**CASES["ingress"])
    ingress = values["ingress"]["apiServer"]
    assert ingress["enabled"] is True
    assert ingress["ingressClassName"] == "webapprouting.kubernetes.azure.com"
    assert ingress["hosts"] == [
        {"name": "airflow.internal.example.com", "tls": {"enabled": True, "secretName": "airflow-tls"}}
    ]
    assert values["config"]["api"]["base_url"] == "https://airflow.internal.example.com/"


def test_remote_logging_and_secrets_backend_merge_into_airflow_cfg_without_losing_executor_settings():
    values = values_for("dev")
    assert values["config"]["logging"]["remote_logging"] == "True"
    assert values["config"]["azure_remote_logging"] == {"remote_wasb_log_container": "airflow-logs"}
    assert values["config"]["secrets"]["backend"].endswith("AzureKeyVaultBackend")
    assert json.loads(values["config"]["secrets"]["backend_kwargs"])["vault_url"] == VAULT_URI
    assert values["config"]["core"]["executor"] == EXECUTOR
    assert {"name": connection_env_name(), "value": wasb_connection(LOGS.blob_endpoint)} in values["env"]


def test_outputs_stay_at_the_leaves():
    """Structure must not depend on values unknown in preview: an opaque object placed as client id stays a leaf."""
    marker = object()
    config = settings("prod").config
    values = airflow_values(
        inputs_for(config, client_ids={"airflow": marker, "tasks": marker}, entra_app=EntraApp(marker, marker))
    )  # type: ignore[arg-type]
    assert values["workers"]["kubernetes"]["serviceAccount"]["annotations"][CLIENT_ID_ANNOTATION] is marker
    plain = airflow_values(inputs_for(config))

    def shape(node):
        if isinstance(node, dict):
            return {k: shape(v) for k, v in node.items()}
        if isinstance(node, list):
            return [shape(v) for v in node]
        return None

    assert shape(values) == shape(plain)


def test_the_values_function_is_pure():
    first = values_for("prod")
    assert copy.deepcopy(first) == values_for("prod")


def test_connection_pools_and_api_workers_reach_airflow_cfg():
    values = values_for("dev")
    assert values["config"]["database"] == {"sql_alchemy_pool_size": "2", "sql_alchemy_max_overflow": "3"}
    assert values["config"]["api"]["workers"] == "2"
    prod = values_for("prod")
    assert prod["config"]["database"] == {"sql_alchemy_pool_size": "5", "sql_alchemy_max_overflow": "10"}
    assert prod["config"]["api"]["workers"] == "4"
