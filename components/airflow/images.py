"""Every image of the Airflow chart as a values fragment: pulled through the stack's registry, pinned where config
gives a digest. Pure: `components.airflow.values` merges the fragment into the release's values in one line.

The chart renders images from `defaultAirflow*`, `images.*` and the KubernetesExecutor's `[kubernetes_executor]
worker_container_*` (which overrides `images.pod_template`); each is set here so no image falls back to a chart
default on a public registry. Only `images.airflow` has a digest value; the others take `tag@digest`, a valid
reference that Kubernetes resolves by digest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from facts.images import mirrored
from stackconfig.airflow import AirflowConfig, ChartImageConfig

CHART_DEFAULT_REPOSITORIES = {
    "redis": "redis",
    "pgbouncer": "apache/airflow",
    "pgbouncerExporter": "apache/airflow",
    "otelCollector": "otel/opentelemetry-collector-contrib",
}
"""Images of the chart this program never turns on (Redis, PgBouncer, the OpenTelemetry collector of chart 1.22):
pointed at the registry all the same, so enabling one later cannot pull from a public registry; their tags stay the
chart's."""


def upstream_repositories(config: AirflowConfig) -> list[str]:
    """The upstream repositories the release pulls, for the registry's cache rules and imports."""
    return [config.image.repository, config.images.statsd.repository, config.images.git_sync.repository]


def airflow_repository(config: AirflowConfig, registry: str | None) -> str:
    return mirrored(config.image.repository, registry)


def image_values(config: AirflowConfig, registry: str | None) -> dict[str, Any]:
    """The image values of one stack; `registry` is the stack's registry login server, or None for none."""
    image = config.image
    repository = airflow_repository(config, registry)
    images: dict[str, Any] = {
        "airflow": {
            "repository": repository,
            "tag": image.tag,
            "digest": image.digest,
            "pullPolicy": image.pull_policy,
        },
        # The pod template has no digest field; `tag@digest` is a valid reference that resolves by digest.
        "pod_template": {"repository": repository, "tag": image.reference_tag, "pullPolicy": image.pull_policy},
        "flower": {"repository": repository, "tag": image.reference_tag},
        "statsd": _chart_image(config.images.statsd, registry),
        "gitSync": _chart_image(config.images.git_sync, registry),
    }
    if registry is not None:
        images |= {key: {"repository": mirrored(repo, registry)} for key, repo in CHART_DEFAULT_REPOSITORIES.items()}
    return {
        "airflowVersion": image.airflow_version,
        "defaultAirflowRepository": repository,
        "defaultAirflowTag": image.tag,
        "defaultAirflowDigest": image.digest,
        "images": images,
        # The executor's own image setting overrides the pod template's; keep both on the same (pinned) image.
        "config": {
            "kubernetes_executor": {
                "worker_container_repository": repository,
                "worker_container_tag": image.reference_tag,
            }
        },
    }


def _chart_image(image: ChartImageConfig, registry: str | None) -> dict[str, str]:
    return {"repository": mirrored(image.repository, registry), "tag": image.reference_tag}


def deep_merge(base: Mapping[str, Any], fragment: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `fragment` laid over it; mappings present in both merge key by key, other values are replaced."""
    merged = dict(base)
    for key, value in fragment.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = value
    return merged
