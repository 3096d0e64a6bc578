"""Airflow itself: the official chart released with Helm, running every task as its own pod (KubernetesExecutor).

The release has an explicit name and namespace (no autonaming suffix): the chart derives service account names from
them and the federated identity credentials must match those names exactly. Pulumi waits for the release (jobs
included), and the release depends on everything it reads (namespace, Secrets, identities, database, the platform
DAGs' ConfigMap), so a first `pulumi up` succeeds in one pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as kubernetes
from pulumi import Input, Output, ResourceOptions

from components.airflow import platform_dags
from components.airflow.chart_config import removed_defaults_yaml
from components.airflow.concurrency import capacity_plan
from components.airflow.values import ValuesInputs, airflow_values, git_credentials

CHART = "airflow"
CHART_REPOSITORY = "https://airflow.apache.org"


@dataclass(frozen=True)
class AirflowArgs:
    values: ValuesInputs
    """Everything the chart values are built from (config, pools, identities, logs, vault): `components.airflow.values`."""
    namespace: Input[str]
    """The namespace's name as an Output of the Namespace resource, so the release waits for it."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What the release reads at install time: chart Secrets, federated credentials, role assignments, database."""


class Airflow(pulumi.ComponentResource):
    release_name: Output[str | None]
    namespace: Output[str | None]
    release_status: Output[str]

    def __init__(self, name: str, args: AirflowArgs, opts: ResourceOptions | None = None):
        super().__init__("airflow-aks:airflow:Airflow", name, None, opts)
        config = args.values.config
        depends_on = list(args.depends_on)

        credentials = git_credentials(config.release_name, config.git_sync)
        if credentials is not None:
            secret_value = config.git_sync.credential
            # The config refuses ssh or https auth without a credential before any resource exists.
            assert secret_value is not None
            depends_on.append(
                kubernetes.core.v1.Secret(
                    f"{name}-git-credentials",
                    metadata=kubernetes.meta.v1.ObjectMetaArgs(name=credentials.secret_name, namespace=args.namespace),
                    type="Opaque",
                    string_data=Output.secret(
                        credentials.string_data(config.git_sync.username, secret_value.get_secret_value())
                    ),
                    opts=ResourceOptions(parent=self),
                )
            )

        # The platform's own DAGs (smoke test, liveness), their own bundle whatever the team's DAG source is.
        depends_on.append(platform_dags.config_map(f"{name}-platform-dags", config.release_name, args.namespace, self))

        for reason in capacity_plan(config, args.values.pools, args.values.capacity).uncounted:
            pulumi.log.warn(
                f"{reason}, so its task slots are not counted in Airflow's parallelism and default_pool; add the size "
                "to facts/vm_sizes.py VM_SHAPES or pin airflow.concurrency",
                resource=self,
            )
        values = airflow_values(args.values)
        release = kubernetes.helm.v3.Release(
            f"{name}-release",
            kubernetes.helm.v3.ReleaseArgs(
                name=config.release_name,
                chart=CHART,
                version=config.chart_version,
                repository_opts=kubernetes.helm.v3.RepositoryOptsArgs(repo=CHART_REPOSITORY),
                namespace=args.namespace,
                create_namespace=False,
                values=values,
                value_yaml_files=[pulumi.StringAsset(removed_defaults_yaml())],
                skip_await=False,
                wait_for_jobs=True,
                atomic=True,
                cleanup_on_fail=True,
                timeout=config.release_timeout_seconds,
                max_history=10,
            ),
            # Once named like the component itself; the alias keeps the deployed release.
            opts=ResourceOptions(parent=self, depends_on=depends_on, aliases=[pulumi.Alias(name=name)]),
        )

        self.release_name = release.name
        self.namespace = release.namespace
        self.release_status = release.status.apply(lambda status: status.status)
        self.register_outputs(
            {"releaseName": self.release_name, "namespace": self.namespace, "releaseStatus": self.release_status}
        )
