"""The values of the official Airflow chart, built by one pure function from typed config and other components' outputs.

`airflow_values()` never calls Pulumi: Outputs (identity client ids, the vault URI, ...) are placed as they are at the
leaves, so the structure of the values is known in a first `pulumi preview` and the function is tested with plain
strings. Secrets never appear here: the chart is pointed at Kubernetes Secrets by name.

Where things come from (one source of truth each):
- pool labels and taints: `components.cluster.node_pools` (the cluster component applies the same ones to the pools);
- service account names, the client-id annotation and the workload identity pod label:
  `facts.workload_identity.bindings()` (the federated credentials are generated from the same map);
- Secret names: `components.airflow.chart_secrets`;
- images (repositories through the stack's registry, tags, digests): `components.airflow.images`;
- remote logging and the Key Vault secrets backend: `components.airflow.remote_logging` and `components.airflow.secrets`, from
  the log container and vault the other components created.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi import Input

from components.airflow import chart_secrets, platform_dags, remote_logging
from components.airflow.auth import EntraApp, auth_values
from components.airflow.concurrency import ClusterCapacity, capacity_plan, migrate_job_args
from components.airflow.images import deep_merge, image_values
from components.airflow.secrets import rollout_annotations, secrets_backend_config
from components.cluster.node_pools import Placements, PoolPlacement, core_of
from components.data.storage import TaskLogs
from components.monitoring import statsd
from facts.network import AZURE_LOAD_BALANCER_PROBE_SOURCE, PRIVATE_RANGES
from facts.workload_identity import CLIENT_ID_ANNOTATION, USE_LABEL, ServiceAccountBinding, bindings
from stackconfig.airflow import AirflowConfig, GitSyncConfig, ServiceConfig
from stackconfig.secrets import SecretsConfig

EXECUTOR = "KubernetesExecutor"
SAFE_TO_EVICT_ANNOTATION = "cluster-autoscaler.kubernetes.io/safe-to-evict"
"""Set to "false" on task pods by the chart's `workers.kubernetes.safeToEvict: false`: the autoscaler never drains a
running task."""
INTERNAL_LOAD_BALANCER_ANNOTATION = "service.beta.kubernetes.io/azure-load-balancer-internal"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
ZONE_TOPOLOGY_KEY = "topology.kubernetes.io/zone"
HOSTNAME_TOPOLOGY_KEY = "kubernetes.io/hostname"

SERVICE_NODE_SELECTOR_ENV = "AIRFLOW_AKS_SERVICE_NODE_SELECTOR"
SERVICE_TOLERATIONS_ENV = "AIRFLOW_AKS_SERVICE_TOLERATIONS"
"""Where Airflow's services run, as JSON in every Airflow container, for platform DAGs that must not keep a task
node alive (dags/airflow_aks_liveness.py reads them when it is parsed)."""

MIN_MIGRATIONS_WAIT_SECONDS = 900
"""Shortest wait of the services' wait-for-migrations init containers: a migration on a small database is slow."""

# Chart values key -> the `component` label the chart puts on that service's pods (used by topology spread).
SERVICE_POD_COMPONENT = {
    "scheduler": "scheduler",
    "apiServer": "api-server",
    "dagProcessor": "dag-processor",
    "triggerer": "triggerer",
}


@dataclass(frozen=True)
class GitCredentials:
    """The Kubernetes Secret git-sync reads: its name, the chart value that names it, and the keys it must hold."""

    secret_name: str
    values_key: str  # dags.gitSync.<values_key>
    data_keys: tuple[str, ...]

    def string_data(self, username: str, credential: Input[str]) -> dict[str, Input[str]]:
        """Secret data: the SSH key under `gitSshKey`, or user/token under git-sync v3 and v4 variable names."""
        if self.values_key == "sshKeySecret":
            return {"gitSshKey": credential}
        return {key: username if key.endswith("USERNAME") else credential for key in self.data_keys}


def git_credentials(release_name: str, git_sync: GitSyncConfig) -> GitCredentials | None:
    """What git-sync needs for the configured authentication; None for a public repository or baked-in DAGs."""
    if not git_sync.enabled or git_sync.auth == "none":
        return None
    name = f"{release_name}-git-credentials"
    if git_sync.auth == "ssh":
        return GitCredentials(name, "sshKeySecret", ("gitSshKey",))
    # The chart maps both the git-sync v3 and v4 variable names from the Secret; every key must exist.
    return GitCredentials(
        name, "credentialsSecret", ("GIT_SYNC_USERNAME", "GIT_SYNC_PASSWORD", "GITSYNC_USERNAME", "GITSYNC_PASSWORD")
    )


@dataclass(frozen=True)
class ValuesInputs:
    """Everything the chart values depend on, built once from config and the other components' outputs.

    Leaves typed `Input[str]` may be Pulumi Outputs; they are placed as they are, so the values' structure is known
    on a first preview.
    """

    config: AirflowConfig
    pools: Placements
    """Every pool's labels and taints (`Cluster.placements`): services on the core pool, task pods on the task pool."""
    client_ids: Mapping[str, Input[str]]
    """Client id of each workload identity, keyed like `workload_identity.IDENTITIES`."""
    task_logs: TaskLogs
    vault_uri: Input[str]
    """The Key Vault the secrets backend reads connections and variables from."""
    secrets: SecretsConfig
    """Rotation counters: their annotation on the services' and task pods (never the Jobs') restarts them."""
    registry: str | None = None
    """Login server of the stack's registry every image is pulled through (`components.airflow.images`); None: none."""
    entra_app: EntraApp | None = None
    """The app registration of Entra sign-in (auth mode entra; `EntraSignIn.app`)."""
    capacity: ClusterCapacity = field(default_factory=ClusterCapacity)
    """What the capacity model needs besides the pools and the Airflow config (`ClusterCapacity.of(config)`)."""

    def airflow_config(self) -> dict[str, dict[str, Input[str]]]:
        """airflow.cfg sections from other components: remote logging, and the Key Vault secrets backend."""
        return {
            **remote_logging.airflow_config(self.task_logs.container_name),
            "secrets": secrets_backend_config(self.vault_uri),
        }

    def env(self) -> dict[str, Input[str]]:
        """Environment of every Airflow container and task pod: the credential-free task-log connection, and where
        the services run (for platform DAGs that must not keep a task node alive)."""
        return {
            **remote_logging.connection_env(self.task_logs.blob_endpoint),
            **service_placement_env(core_of(self.pools)),
        }

    def pod_annotations(self) -> dict[str, str]:
        return rollout_annotations(self.secrets)


def _set_path(values: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        values = values.setdefault(part, {})
    values[leaf] = value


def service_placement_env(core: PoolPlacement) -> dict[str, str]:
    """Where the services run (`core`), as JSON for platform DAGs (SERVICE_NODE_SELECTOR_ENV)."""
    return {
        SERVICE_NODE_SELECTOR_ENV: json.dumps(core.node_selector(), sort_keys=True),
        SERVICE_TOLERATIONS_ENV: json.dumps(core.tolerations(), sort_keys=True),
    }


def _scheduling(placement: PoolPlacement) -> dict[str, Any]:
    return {"nodeSelector": placement.node_selector(), "tolerations": placement.tolerations()}


def _identity(binding: ServiceAccountBinding, client_ids: Mapping[str, Input[str]]) -> dict[str, Any]:
    """Service account (name and client-id annotation) and the pod label that turns on workload identity."""
    return {
        "serviceAccount": {
            "create": True,
            "name": binding.service_account,
            "annotations": {CLIENT_ID_ANNOTATION: client_ids[binding.identity]},
        },
        "labels": {USE_LABEL: "true"},
    }


def _spread(release_name: str, component: str, core: PoolPlacement) -> list[dict[str, Any]]:
    """Spread replicas over zones (strictly when the pool spans zones) and over nodes (best effort)."""
    selector = {"matchLabels": {"tier": "airflow", "component": component, "release": release_name}}
    zonal = len(core.pool.zones or []) >= 2
    return [
        {
            "maxSkew": 1,
            "topologyKey": ZONE_TOPOLOGY_KEY,
            "whenUnsatisfiable": "DoNotSchedule" if zonal else "ScheduleAnyway",
            "labelSelector": selector,
        },
        {
            "maxSkew": 1,
            "topologyKey": HOSTNAME_TOPOLOGY_KEY,
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": selector,
        },
    ]


def _service(key: str, service: ServiceConfig, inputs: ValuesInputs, binding: ServiceAccountBinding) -> dict[str, Any]:
    core = core_of(inputs.pools)
    release = inputs.config.release_name
    values = {
        "replicas": service.replicas,
        "podAnnotations": inputs.pod_annotations(),
        "resources": service.resources.kubernetes(),
        "podDisruptionBudget": {"enabled": service.pod_disruption_budget, "config": {"maxUnavailable": 1}},
        **_scheduling(core),
        **_identity(binding, inputs.client_ids),
    }
    if service.replicas > 1:
        values["topologySpreadConstraints"] = _spread(release, SERVICE_POD_COMPONENT[key], core)
    return values


def _migrations_wait_seconds(config: AirflowConfig) -> int:
    return max(config.release_timeout_seconds, MIN_MIGRATIONS_WAIT_SECONDS)


def _job(config: AirflowConfig) -> dict[str, Any]:
    """Settings shared by the migration and create-user Jobs."""
    return {"useHelmHooks": False, "applyCustomEnv": False, "ttlSecondsAfterFinished": config.release_timeout_seconds}


def _create_user_job(config: AirflowConfig) -> dict[str, Any]:
    """The chart's create-user Job, made to wait for the migration Job: the chart gives it no wait of its own.

    The command runs the chart's own args (`bash -c 'exec airflow users create "$@"' -- -r ...`) once the
    migrations are in, the same check the services' init containers make.
    """
    wait = f'airflow db check-migrations --migration-wait-timeout={_migrations_wait_seconds(config)} && exec "$0" "$@"'
    return {**_job(config), "enabled": config.create_user_job, "command": ["bash", "-c", wait]}


def _database_cleanup(config: AirflowConfig) -> dict[str, Any]:
    """The chart's weekly `airflow db clean` CronJob, rows older than the stack's retention deleted for good.

    `skipArchive`: by default `db clean` moves the rows into `_airflow_deleted__*` archive tables, so the database
    would still grow; nothing here reads the archive. The job's pods run where the services run (the chart's
    top-level nodeSelector/tolerations), never keeping a task node up.
    """
    return {
        "enabled": True,
        "retentionDays": config.database_cleanup.retention_days,
        "skipArchive": True,
        "resources": {"requests": {"cpu": "100m", "memory": "512Mi"}, "limits": {"memory": "1Gi"}},
    }


def _executor_config(config: AirflowConfig) -> dict[str, dict[str, str]]:
    """The executor, and connection pools sized to the database's limit (their sum is checked in stackconfig)."""
    return {
        "core": {"executor": EXECUTOR},
        "database": {
            "sql_alchemy_pool_size": str(config.database_pool.pool_size),
            "sql_alchemy_max_overflow": str(config.database_pool.max_overflow),
        },
        "api": {"workers": str(config.api_server_workers)},
    }


def _dags(release_name: str, git_sync: GitSyncConfig) -> dict[str, Any]:
    if not git_sync.enabled:
        return {"gitSync": {"enabled": False}}
    values: dict[str, Any] = {
        "enabled": True,
        "repo": git_sync.repo,
        "ref": git_sync.ref,
        # The chart also emits the deprecated GIT_SYNC_BRANCH/GIT_SYNC_REV (defaults v2-2-stable/HEAD), and git-sync
        # v4 lets them override --ref (apache/airflow#42918): point them at the same ref.
        "branch": git_sync.ref,
        "rev": "HEAD",
        "subPath": git_sync.sub_path,
        "period": git_sync.period,
        "depth": git_sync.depth,
    }
    credentials = git_credentials(release_name, git_sync)
    if credentials is not None:
        values[credentials.values_key] = credentials.secret_name
    if git_sync.auth == "ssh":
        values["knownHosts"] = git_sync.known_hosts
    return {"gitSync": values}


def _ui(config: AirflowConfig) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """(apiServer service values, ingress values, [api] config) for the configured kind of private access."""
    ui = config.ui
    service: dict[str, Any] = {"type": "ClusterIP"}
    ingress: dict[str, Any] = {"apiServer": {"enabled": False}}
    api: dict[str, str] = {}
    if ui.access == "internalLoadBalancer":
        service = {
            "type": "LoadBalancer",
            "annotations": {INTERNAL_LOAD_BALANCER_ANNOTATION: "true"},
            "loadBalancerSourceRanges": list(ui.allowed_cidrs),
        }
    elif ui.access == "ingress":
        tls = ui.tls_secret_name is not None
        host: dict[str, Any] = {"name": ui.host}
        if tls:
            host["tls"] = {"enabled": True, "secretName": ui.tls_secret_name}
        ingress = {
            "apiServer": {
                "enabled": True,
                "ingressClassName": ui.ingress_class_name,
                "path": "/",
                "pathType": "Prefix",
                "hosts": [host],
            }
        }
        api = {"base_url": str(ui.base_url)}
    return service, ingress, api


def release_pods(release_name: str) -> dict[str, Any]:
    """A NetworkPolicy peer: every pod of the release, task pods included (the chart labels all `tier: airflow`)."""
    return {"podSelector": {"matchLabels": {"tier": "airflow", "release": release_name}}}


def api_server_peers(config: AirflowConfig) -> list[dict[str, Any]]:
    """Who may reach the API server once the chart's NetworkPolicy selects it (an empty list admits no one).

    Task pods call its Task Execution API; people reach it through the configured kind of UI access. Port-forward
    enters the pod's own network namespace and needs no rule.
    """
    ui = config.ui
    peers = [release_pods(config.release_name)]
    if ui.access == "internalLoadBalancer":
        # Without allowedCidrs: any private address, i.e. the VNet and the networks connected to it.
        sources = [*(ui.allowed_cidrs or map(str, PRIVATE_RANGES)), AZURE_LOAD_BALANCER_PROBE_SOURCE]
        peers += [{"ipBlock": {"cidr": cidr}} for cidr in sources]
    elif ui.access == "ingress":
        peers.append({"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: ui.ingress_controller_namespace}}})
    return peers


def scraper_peer() -> dict[str, Any]:
    """A NetworkPolicy peer: the managed Prometheus replica pod in kube-system (namespace AND pod labels)."""
    return {
        "namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: statsd.SCRAPER_NAMESPACE}},
        "podSelector": {"matchLabels": dict(statsd.SCRAPER_POD_LABELS)},
    }


def _statsd() -> dict[str, Any]:
    """The exporter with the program's mapping (`components.monitoring.statsd`), its NetworkPolicy also admitting the managed
    Prometheus scraper (the chart admits only the release's own pods)."""
    return {
        "enabled": True,
        "overrideMappings": statsd.override_mappings(),
        "extraNetworkPolicies": [scraper_peer()],
    }


def _merge_sections(*layers: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for layer in layers:
        for section, settings in layer.items():
            merged.setdefault(section, {}).update(settings)
    return merged


def airflow_values(inputs: ValuesInputs) -> dict[str, Any]:
    """The chart values for one stack. Pure: same inputs, same dict."""
    config = inputs.config
    release = config.release_name
    by_component = {b.component: b for b in bindings(release, config.namespace)}
    tasks = inputs.pools["tasks"]
    api_service, ingress, api_config = _ui(config)
    limits = capacity_plan(config, inputs.pools, inputs.capacity).limits

    values: dict[str, Any] = {
        "executor": EXECUTOR,
        # The services wait for the migration job as long as Pulumi waits for the release (at least 15 minutes): a
        # shorter wait crash-loops them while a long migration runs.
        "images": {"migrationsWaitTimeout": _migrations_wait_seconds(config)},
        # Everything not placed explicitly (migration job, statsd, ...) runs where Airflow's services run.
        **_scheduling(core_of(inputs.pools)),
        "networkPolicies": {"enabled": True},
        # No Docker-link variables (<SERVICE>_PORT=tcp://...) in any pod: nothing reads them, they leak every
        # Service of the namespace into task environments and collide with settings named like them (chart 1.22
        # release notes: the default becomes false in chart 2.0).
        "enableServiceLinks": False,
        "postgresql": {"enabled": False},
        "pgbouncer": {"enabled": False},
        "redis": {"enabled": False},
        "env": [{"name": name, "value": value} for name, value in inputs.env().items()],
        "config": _merge_sections(
            _executor_config(config),
            limits.airflow_config(),
            statsd.airflow_config(),
            {"api": api_config} if api_config else {},
            inputs.airflow_config(),
        ),
        # Pulumi waits for the release's resources, so the jobs are plain resources rather than Helm hooks, kept
        # until that wait is over (Helm's wait fails on a Job deleted under it). Their pod templates carry none of
        # `pod_annotations`: a Job's template is immutable, so a changed annotation would fail the upgrade.
        "migrateDatabaseJob": {**_job(config), "enabled": True, "args": migrate_job_args(limits)},
        "createUserJob": _create_user_job(config),
        "scheduler": _service("scheduler", config.scheduler, inputs, by_component["scheduler"]),
        "apiServer": {
            **_service("apiServer", config.api_server, inputs, by_component["apiServer"]),
            "service": api_service,
            "networkPolicy": {"ingress": {"from": api_server_peers(config)}},
        },
        "dagProcessor": {
            "enabled": True,
            **_service("dagProcessor", config.dag_processor, inputs, by_component["dagProcessor"]),
        },
        # Task logs go to Blob storage, so the triggerer needs no volume and runs as a Deployment.
        "triggerer": {
            **_service("triggerer", config.triggerer, inputs, by_component["triggerer"]),
            "persistence": {"enabled": False},
        },
        # The KubernetesExecutor's pod template (one pod per task): chart 1.22 reads every pod setting from
        # `workers.kubernetes.*` first and deprecates the shared `workers.*` keys (values.yaml), so none is set.
        "workers": {
            "kubernetes": {
                **_identity(by_component["workers"], inputs.client_ids),
                "nodeSelector": tasks.node_selector(),
                "tolerations": tasks.tolerations(),
                "podAnnotations": inputs.pod_annotations(),
                "safeToEvict": False,
                "terminationGracePeriodSeconds": config.task_pods.termination_grace_period_seconds,
                "resources": config.task_pods.resources.kubernetes(),
            },
        },
        "databaseCleanup": _database_cleanup(config),
        "dags": _dags(release, config.git_sync),
        "statsd": _statsd(),
        "ingress": ingress,
    }
    for secret in chart_secrets.ALL:
        if secret.values_key is not None:
            _set_path(values, secret.values_key, secret.name(release))
    delivered = {**chart_secrets.env_values(release), **platform_dags.values(release)}
    values = deep_merge(deep_merge(values, image_values(config, inputs.registry)), delivered)
    return deep_merge(values, auth_values(config, inputs.entra_app))
