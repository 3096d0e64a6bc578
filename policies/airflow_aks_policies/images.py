"""Images come from the stack's own registry (or an allow-listed one), never straight from a public registry.

A stack policy, because what is allowed depends on other resources of the stack: the registries it creates (their
login server, `<name>.azurecr.io`, is known from the name before Azure computes it) and the registries its nodes
are granted AcrPull on (a shared registry by id). It checks the image repositories of the Airflow chart's values
(where a missing one means the chart's default, on a public registry) and the containers of Kubernetes workloads.
Values not known yet (a first preview) are skipped; they are checked again with known values during `pulumi up`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, Severity, StackValidationArgs, StackValidationPolicy

from facts.images import login_server, registry_host, registry_name_of, split_reference
from facts.roles import BUILTIN_ROLES

from ._props import MISSING, config, get, is_false, is_true, is_unknown, known_items, norm, plain, schema
from .airflow_release import HELM_TYPES, is_airflow_chart

REGISTRY = "azure-native:containerregistry:Registry"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
ACR_PULL = BUILTIN_ROLES["AcrPull"]

CHART_DEFAULT_IMAGES = {
    "statsd": "quay.io/prometheus/statsd-exporter",
    "gitSync": "registry.k8s.io/git-sync/git-sync",
    "redis": "redis",
    "pgbouncer": "apache/airflow",
    "pgbouncerExporter": "apache/airflow",
    "otelCollector": "otel/opentelemetry-collector-contrib",
}
"""Where the chart (1.20-1.22) pulls its other images from when `images.<key>.repository` is not set."""
CHART_DEFAULT_AIRFLOW = "apache/airflow"
AIRFLOW_IMAGE_KEYS = ("airflow", "pod_template", "flower")
"""Images that fall back to `defaultAirflowRepository`."""

_K8S_WORKLOADS = {
    "kubernetes:core/v1:Pod": ("spec",),
    "kubernetes:apps/v1:Deployment": ("spec", "template", "spec"),
    "kubernetes:apps/v1:StatefulSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:DaemonSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:ReplicaSet": ("spec", "template", "spec"),
    "kubernetes:batch/v1:Job": ("spec", "template", "spec"),
    "kubernetes:batch/v1:CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")

CONFIG = schema(
    allowedRegistries={
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Registry hosts allowed besides the stack's own (e.g. a shared myacr.azurecr.io).",
    },
)


def stack_registries(resources: list) -> set[str]:
    """Login servers of the registries the stack creates or its nodes are granted AcrPull on."""
    hosts: set[str] = set()
    for resource in resources:
        props = plain(resource.props)
        if resource.resource_type == REGISTRY:
            for value in (get(props, "loginServer"), get(props, "registryName")):
                if isinstance(value, str) and not is_unknown(value):
                    hosts.add(norm(value) if "." in value else login_server(value))
        elif resource.resource_type == ROLE_ASSIGNMENT:
            role, scope = get(props, "roleDefinitionId"), get(props, "scope")
            if isinstance(role, str) and norm(role).endswith(ACR_PULL) and isinstance(scope, str):
                name = registry_name_of(scope)
                if name:
                    hosts.add(login_server(name))
    return hosts


def _repository(values: dict, key: str) -> Any:
    """The repository the chart renders for `images.<key>`, its default when unset."""
    given = get(values, "images", key, "repository")
    if given is not MISSING:
        return given
    if key in AIRFLOW_IMAGE_KEYS:
        default = get(values, "defaultAirflowRepository")
        return CHART_DEFAULT_AIRFLOW if default is MISSING else default
    return CHART_DEFAULT_IMAGES.get(key, MISSING)


def _rendered_image_keys(values: dict) -> list[str]:
    """The images the chart renders with these values (optional components only when enabled)."""
    keys = ["airflow", "pod_template"]
    if not is_false(get(values, "statsd", "enabled")):
        keys.append("statsd")
    if is_true(get(values, "dags", "gitSync", "enabled")):
        keys.append("gitSync")
    if is_true(get(values, "pgbouncer", "enabled")):
        keys += ["pgbouncer", "pgbouncerExporter"]
    if is_true(get(values, "flower", "enabled")):
        keys.append("flower")
    if is_true(get(values, "redis", "enabled")) and "Celery" in str(get(values, "executor")):
        keys.append("redis")
    given = get(values, "images")
    if isinstance(given, dict):  # set explicitly: checked even if unused, so enabling it later stays safe
        keys += [k for k, v in given.items() if isinstance(v, dict) and "repository" in v and k not in keys]
    return keys


def release_images(values: dict) -> Iterator[tuple[str, str]]:
    """(values path, repository) of every image the Airflow chart pulls."""
    for key in _rendered_image_keys(values):
        repository = _repository(values, key)
        if isinstance(repository, str) and not is_unknown(repository):
            yield f"images.{key}.repository", repository
    default = get(values, "defaultAirflowRepository")
    if isinstance(default, str) and not is_unknown(default):
        yield "defaultAirflowRepository", default
    for section in ("kubernetes_executor", "kubernetes"):
        worker = get(values, "config", section, "worker_container_repository")
        if isinstance(worker, str) and not is_unknown(worker) and "{{" not in worker:
            yield f"config.{section}.worker_container_repository", worker


def workload_images(resource_type: str, props: dict) -> Iterator[tuple[str, str]]:
    """(container path, image) of every container of a Kubernetes workload."""
    spec = get(props, *_K8S_WORKLOADS[resource_type])
    for kind in _CONTAINER_LISTS:
        for index, container in known_items(get(spec, kind)):
            image = get(container, "image")
            if isinstance(container, dict) and isinstance(image, str) and not is_unknown(image):
                yield f"{kind}[{index}].image", image


def _host(reference: str, *, repository: bool) -> str:
    return split_reference(reference)[0] if repository else registry_host(reference)


def validate_images(args: StackValidationArgs, report_violation) -> None:
    cfg = config(args, CONFIG)
    allowed = stack_registries(args.resources) | {norm(host) for host in cfg["allowedRegistries"]}
    wanted = " or ".join(sorted(allowed)) or "a registry of the stack (registry.enabled) or allowedRegistries"
    for resource in args.resources:
        props = plain(resource.props)
        if resource.resource_type in HELM_TYPES and is_airflow_chart(get(props, "chart")):
            values = get(props, "values")
            found = [] if not isinstance(values, dict) else [(p, r, True) for p, r in release_images(values)]
        elif resource.resource_type in _K8S_WORKLOADS:
            found = [(p, i, False) for p, i in workload_images(resource.resource_type, props)]
        else:
            continue
        public = [
            f"{path} {image!r} ({_host(image, repository=repo)})"
            for path, image, repo in found
            if _host(image, repository=repo) not in allowed
        ]
        if public:
            report_violation(
                f"images from registries other than the stack's: {'; '.join(public)}. Pull them through {wanted}.",
                resource.urn,
            )


images_from_stack_registry = StackValidationPolicy(
    name="images-from-stack-registry",
    description="Every image of the Airflow release and of Kubernetes workloads comes from the stack's own registry "
    "(or one it pulls from by AcrPull, or an allow-listed one), never straight from a public registry.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    validate=validate_images,
    config_schema=CONFIG,
    remediation_steps="Set registry.enabled (images are then pulled through it), or point the image repositories at "
    "a registry the nodes have AcrPull on, or list the registry host in allowedRegistries.",
)

POLICIES = [images_from_stack_registry]
