"""Airflow settings: the chart release, images, service sizing, task pods, DAG delivery and UI access."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator

from facts.airflow_release import AIRFLOW_VERSION, CHART, CHART_VERSION, airflow_problem, chart_problem

from .auth import AuthConfig
from .base import ConfigSection, matching
from .concurrency import ConcurrencyConfig
from .types import Cidr, KubernetesName, KubernetesSubdomain
from .warm import WarmCapacityConfig

DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
GO_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$")
QUANTITY = re.compile(r"^([0-9]+(\.[0-9]+)?)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$")
HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

ImageDigest = Annotated[str, matching(DIGEST, "an image digest (sha256: followed by 64 lowercase hex digits)")]
GoDuration = Annotated[str, matching(GO_DURATION, "a Go duration (e.g. 30s, 5m, 1m30s)")]
HostName = Annotated[str, matching(HOSTNAME, "a DNS host name (e.g. airflow.internal.example.com)")]
AirflowVersion = Annotated[
    str, matching(re.compile(r"^3\.[0-9]+\.[0-9]+$"), "an Airflow 3 release version (e.g. 3.3.2)")
]
ChartVersion = Annotated[str, matching(re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$"), "a chart version (e.g. 1.22.0)")]
RELEASE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$")
ReleaseName = Annotated[
    str, matching(RELEASE_NAME, "a Helm release name (lowercase letters, digits and '-', at most 53)")
]
_UNITS = {
    "m": Decimal("0.001"),
    "k": Decimal(10**3),
    "M": Decimal(10**6),
    "G": Decimal(10**9),
    "T": Decimal(10**12),
    "Ki": Decimal(2**10),
    "Mi": Decimal(2**20),
    "Gi": Decimal(2**30),
    "Ti": Decimal(2**40),
}


def quantity(text: str) -> Decimal:
    """The value of a Kubernetes quantity such as `500m` or `2Gi`, so requests can be compared with limits."""
    match = QUANTITY.fullmatch(text)
    if match is None:
        raise ValueError(f"'{text}' is not a Kubernetes quantity (e.g. 500m, 1, 512Mi, 2Gi)")
    return Decimal(match.group(1)) * _UNITS.get(match.group(3) or "", Decimal(1))


class ImageConfig(ConfigSection):
    """The Airflow image every Airflow pod and task pod runs."""

    repository: str = Field(
        "apache/airflow",
        description="Image repository, e.g. myregistry.azurecr.io/airflow. A custom image must contain "
        "apache-airflow-providers-microsoft-azure (remote logging and the Key Vault backend need it; the official "
        "image has it).",
    )
    tag: str = Field(AIRFLOW_VERSION, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", description="Image tag.")
    digest: ImageDigest | None = Field(
        None, description="sha256:<64 hex> digest; pins the image (tag kept for readability)."
    )
    airflow_version: AirflowVersion = Field(
        AIRFLOW_VERSION,
        description="Airflow version inside the image (the chart adapts to it); the chart version decides which are "
        "allowed (facts/airflow_release.py).",
    )
    pull_policy: Literal["IfNotPresent", "Always"] = Field("IfNotPresent", description="Image pull policy.")

    @property
    def reference_tag(self) -> str:
        """The tag part of an image reference: `tag@digest` when pinned, which Kubernetes resolves by digest."""
        return f"{self.tag}@{self.digest}" if self.digest else self.tag


class ChartImageConfig(ConfigSection):
    """An image the chart runs beside Airflow (StatsD exporter, git-sync): upstream repository, tag and digest."""

    repository: str = Field(description="Upstream repository, e.g. quay.io/prometheus/statsd-exporter.")
    tag: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", description="Image tag.")
    digest: ImageDigest | None = Field(
        None, description="sha256:<64 hex> digest; pins the image (tag kept for readability)."
    )

    @property
    def reference_tag(self) -> str:
        """`tag@digest` when pinned: the chart has no digest value for these images, Kubernetes resolves by digest."""
        return f"{self.tag}@{self.digest}" if self.digest else self.tag


class ChartImagesConfig(ConfigSection):
    """The chart's own images besides Airflow's; defaults are those of the default chart's values.yaml."""

    statsd: ChartImageConfig = Field(
        default_factory=lambda: ChartImageConfig(repository="quay.io/prometheus/statsd-exporter", tag=CHART.statsd_tag)
    )
    git_sync: ChartImageConfig = Field(
        default_factory=lambda: ChartImageConfig(repository="registry.k8s.io/git-sync/git-sync", tag=CHART.git_sync_tag)
    )


class ResourcesConfig(ConfigSection):
    """Requests and limits of one container. No CPU limit by default: throttling hurts more than it protects."""

    cpu_request: str = Field("250m", description="CPU request (Kubernetes quantity).")
    memory_request: str = Field("512Mi", description="Memory request.")
    cpu_limit: str | None = Field(None, description="CPU limit; unset for none.")
    memory_limit: str = Field("2Gi", description="Memory limit (always set: an unbounded pod can starve a node).")

    @field_validator("cpu_request", "memory_request", "cpu_limit", "memory_limit")
    @classmethod
    def _quantity(cls, value: str | None) -> str | None:
        if value is not None:
            quantity(value)
        return value

    def problems(self):
        if quantity(self.memory_request) > quantity(self.memory_limit):
            yield ("memoryRequest",), f"{self.memory_request} is greater than memoryLimit {self.memory_limit}"
        if self.cpu_limit is not None and quantity(self.cpu_request) > quantity(self.cpu_limit):
            yield ("cpuRequest",), f"{self.cpu_request} is greater than cpuLimit {self.cpu_limit}"

    def kubernetes(self) -> dict[str, dict[str, str]]:
        """The `resources` object of a container spec."""
        limits = {"memory": self.memory_limit} | ({"cpu": self.cpu_limit} if self.cpu_limit else {})
        return {"requests": {"cpu": self.cpu_request, "memory": self.memory_request}, "limits": limits}


class ServiceConfig(ConfigSection):
    """One of Airflow's long-running services (scheduler, API server, DAG processor, triggerer)."""

    replicas: int = Field(1, ge=1, le=10, description="Pods of this service.")
    pod_disruption_budget: bool = Field(False, description="Keep at most one pod down during node drains.")
    resources: ResourcesConfig = Field(default_factory=ResourcesConfig)


class TaskPodsConfig(ConfigSection):
    """The KubernetesExecutor's pod template: one pod per task instance."""

    resources: ResourcesConfig = Field(
        default_factory=lambda: ResourcesConfig(cpu_request="500m", memory_request="1Gi", memory_limit="2Gi"),
        description="Default requests/limits of a task pod; a task may override them with executor_config.",
    )
    termination_grace_period_seconds: int = Field(
        600, ge=0, le=3600, description="Time a task gets to finish after SIGTERM (node drain, deletion)."
    )


class GitSyncConfig(ConfigSection):
    """DAG delivery from a Git repository: a merge to `ref` reaches every Airflow pod within `period`."""

    enabled: bool = Field(False, description="Sync DAGs from Git; false means DAGs are baked into the image.")
    repo: str | None = Field(None, description="Clone URL: git@host:org/repo.git (ssh) or https://host/org/repo.git.")
    ref: str = Field("main", min_length=1, description="Branch, tag or commit to check out.")
    sub_path: str = Field("", description="Folder of the DAGs inside the repository ('' for the root).")
    period: GoDuration = Field("60s", description="Time between syncs (Go duration, e.g. 30s, 5m).")
    depth: int = Field(1, ge=1, le=1000, description="Clone depth.")
    auth: Literal["none", "ssh", "https"] = Field(
        "none",
        description="ssh: `credential` is a deploy key; https: `credential` is a token; none: a public repository.",
    )
    credential: SecretStr | None = Field(
        None,
        description="SSH private key or HTTPS token; set it as a secret: "
        "`pulumi config set --secret --path airflow.gitSync.credential`. Written only into a Kubernetes Secret.",
    )
    username: str = Field("git", min_length=1, description="HTTPS user name sent with the token.")
    known_hosts: str | None = Field(None, description="known_hosts lines of the Git server (required for ssh).")

    def problems(self):
        if not self.enabled:
            return
        if not self.repo:
            yield ("repo",), "is required when gitSync.enabled is true"
            return
        ssh_url = self.repo.startswith(("git@", "ssh://"))
        if self.auth == "ssh" and not ssh_url:
            yield ("repo",), f"'{self.repo}' is not an ssh URL (git@host:org/repo.git) but auth is ssh"
        if self.auth != "ssh" and not self.repo.startswith("https://"):
            yield ("repo",), f"'{self.repo}' must be an https:// URL unless auth is ssh"
        if self.auth != "none" and self.credential is None:
            yield ("credential",), f"is required with auth {self.auth}; set it with pulumi config set --secret"
        if self.auth == "ssh" and not self.known_hosts:
            yield ("knownHosts",), "is required with auth ssh (host key checking stays on)"


class UiConfig(ConfigSection):
    """How people reach the Airflow UI and REST API. Never a public endpoint."""

    access: Literal["portForward", "internalLoadBalancer", "ingress"] = Field(
        "portForward",
        description="portForward: kubectl port-forward only; internalLoadBalancer: a private IP in the VNet; "
        "ingress: an internal ingress controller (host required).",
    )
    host: HostName | None = Field(None, description="Host name of the ingress (access ingress).")
    ingress_class_name: str = Field(
        "webapprouting.kubernetes.azure.com", min_length=1, description="Ingress class of an internal controller."
    )
    ingress_controller_namespace: KubernetesName = Field(
        "app-routing-system",
        description="Namespace of the ingress controller's pods (access ingress): the API server's network policy "
        "admits them. Default: the AKS application routing add-on's.",
    )
    tls_secret_name: KubernetesSubdomain | None = Field(None, description="TLS Secret of the ingress host.")
    allowed_cidrs: list[Cidr] = Field(
        default_factory=list,
        description="Source ranges allowed to the internal load balancer, by its rules and the API server's network "
        "policy ([] = any private (RFC 1918) address: the VNet and networks connected to it).",
    )

    def problems(self):
        if self.access == "ingress" and not self.host:
            yield ("host",), "is required when access is ingress"

    @property
    def base_url(self) -> str | None:
        """The URL people open ([api] base_url), https with a TLS Secret; None without a host name (port-forward,
        internal load balancer)."""
        if self.access != "ingress" or not self.host:
            return None
        return f"{'https' if self.tls_secret_name else 'http'}://{self.host}/"


class DatabasePoolConfig(ConfigSection):
    """SQLAlchemy pool of every Airflow process that talks to the metadata database.

    The defaults fit the default Burstable B1ms server (35 user connections, no PgBouncer); Airflow's own defaults
    (5 + 10) suit a General Purpose server behind PgBouncer, as on prod.
    """

    pool_size: int = Field(
        2, ge=1, le=100, description="Connections each process keeps open ([database] sql_alchemy_pool_size)."
    )
    max_overflow: int = Field(
        3,
        ge=0,
        le=100,
        description="Extra connections a process may open under load ([database] sql_alchemy_max_overflow).",
    )

    @property
    def per_process(self) -> int:
        return self.pool_size + self.max_overflow


class DatabaseCleanupConfig(ConfigSection):
    """The chart's `databaseCleanup` CronJob: `airflow db clean` of the metadata database, rows deleted for good.

    Without it the metadata database grows without bound (every DAG run, task instance, log and XCom row stays).
    """

    retention_days: int = Field(
        90,
        ge=7,
        le=3650,
        description="Metadata older than this many days (DAG runs, task instances, XCom, logs, ...) is deleted; "
        "at least 7, so the run history the alerts and a week's investigations read stays.",
    )


class AirflowConfig(ConfigSection):
    namespace: KubernetesName = Field("airflow", description="Kubernetes namespace of Airflow.")
    release_name: ReleaseName = Field(
        "airflow",
        description="Helm release name; service account names (and so federated credentials) derive from it.",
    )
    chart_version: ChartVersion = Field(
        CHART_VERSION,
        description="Version of the official apache-airflow chart; one of those facts/airflow_release.py lists.",
    )
    image: ImageConfig = Field(default_factory=ImageConfig)
    images: ChartImagesConfig = Field(default_factory=ChartImagesConfig)
    scheduler: ServiceConfig = Field(default_factory=ServiceConfig)
    api_server: ServiceConfig = Field(default_factory=ServiceConfig)
    dag_processor: ServiceConfig = Field(default_factory=ServiceConfig)
    triggerer: ServiceConfig = Field(default_factory=ServiceConfig)
    task_pods: TaskPodsConfig = Field(default_factory=TaskPodsConfig)
    concurrency: ConcurrencyConfig = Field(default_factory=ConcurrencyConfig)
    warm_capacity: WarmCapacityConfig = Field(default_factory=WarmCapacityConfig)
    git_sync: GitSyncConfig = Field(default_factory=GitSyncConfig)
    ui: UiConfig = Field(default_factory=UiConfig)
    auth: AuthConfig = Field(default_factory=AuthConfig)
    create_user_job: bool = Field(
        False,
        description="Create the chart's default admin user (admin/admin) once migrations are in. Off by default: "
        "create users yourself (see docs/airflow.md); prod's policy forbids it.",
    )
    database_pool: DatabasePoolConfig = Field(default_factory=DatabasePoolConfig)
    database_cleanup: DatabaseCleanupConfig = Field(default_factory=DatabaseCleanupConfig)
    api_server_workers: int = Field(
        2, ge=1, le=32, description="Worker processes per API server pod ([api] workers); each has its own pool."
    )
    release_timeout_seconds: int = Field(
        1200, ge=300, le=3600, description="How long `pulumi up` waits for migrations and rollouts."
    )

    def problems(self):
        chart = chart_problem(self.chart_version)
        if chart is not None:
            yield ("chartVersion",), chart
        airflow = airflow_problem(self.chart_version, self.image.airflow_version)
        if airflow is not None:
            yield ("image", "airflowVersion"), airflow
        yield from self.auth.airflow_problems(self.ui.access, self.ui.tls_secret_name, self.create_user_job)

    def database_connections(self) -> dict[str, int]:
        """The most connections each component may hold at once: replicas x processes x (pool + overflow)."""
        per_process = self.database_pool.per_process
        return {
            "scheduler": self.scheduler.replicas * per_process,
            "dagProcessor": self.dag_processor.replicas * per_process,
            "triggerer": self.triggerer.replicas * per_process,
            "apiServer": self.api_server.replicas * self.api_server_workers * per_process,
        }
