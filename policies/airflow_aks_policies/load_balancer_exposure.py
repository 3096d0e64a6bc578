"""Kubernetes Services that AKS would put on a public load balancer, open to the internet.

On AKS a ``Service`` of type ``LoadBalancer`` gets a public IP on the cluster's load balancer unless it carries
``service.beta.kubernetes.io/azure-load-balancer-internal: "true"`` ("Use an internal load balancer with AKS",
learn.microsoft.com/azure/aks/internal-lb). A public one admits every address unless its sources are restricted:
``spec.loadBalancerSourceRanges``, or the annotations ``service.beta.kubernetes.io/load-balancer-source-ranges``,
``service.beta.kubernetes.io/azure-allowed-ip-ranges`` or ``service.beta.kubernetes.io/azure-allowed-service-tags``
(AKS writes them into the node security group; "Restrict ingress traffic", learn.microsoft.com/azure/aks/
load-balancer-standard#restrict-inbound-traffic-to-specific-ip-ranges). Ranges that cover a large share of the
internet count as open (network_security_groups.open_public_ranges). The Airflow chart renders such Services from
``apiServer.service`` (``webserver`` and ``flower`` likewise), so the release's values are judged the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from ._props import MISSING, get, is_unknown, known_items, norm, resource_validator
from .airflow_release import HELM_TYPES, is_airflow_release
from .network_security_groups import open_public_ranges

SERVICE_TYPES = ("kubernetes:core/v1:Service", "kubernetes:core/v1:ServicePatch")
SERVICE_LIST = "kubernetes:core/v1:ServiceList"
INTERNAL_ANNOTATION = "service.beta.kubernetes.io/azure-load-balancer-internal"
RANGE_ANNOTATIONS = (
    "service.beta.kubernetes.io/load-balancer-source-ranges",
    "service.beta.kubernetes.io/azure-allowed-ip-ranges",
)
SERVICE_TAG_ANNOTATION = "service.beta.kubernetes.io/azure-allowed-service-tags"
OPEN_SERVICE_TAGS = frozenset({"internet", "*"})
AIRFLOW_SERVICES = ("apiServer", "webserver", "flower")
"""Airflow chart components whose ``service`` may be a LoadBalancer (chart 1.20.0 values.schema.json)."""


def _annotation_list(value: Any) -> list[str] | None:
    if not isinstance(value, str) or is_unknown(value):
        return None
    return [item.strip() for item in re.split(r"[,\s]+", value) if item.strip()]


def public_load_balancer(where: str, service_type: Any, annotations: Any, ranges: Any) -> Iterator[str]:
    """Why a Service with these settings is reachable from the internet (nothing when it is not, or unknown)."""
    if is_unknown(service_type) or norm(service_type) != "loadbalancer":
        return
    annotations = annotations if isinstance(annotations, dict) else {}
    internal = annotations.get(INTERNAL_ANNOTATION)
    if is_unknown(internal) or is_unknown(ranges) or norm(internal) == "true":
        return
    sources: list[str] = [str(item) for _, item in known_items(ranges)] if isinstance(ranges, list) else []
    for key in RANGE_ANNOTATIONS:
        listed = _annotation_list(annotations.get(key))
        sources += listed or []
    tags = _annotation_list(annotations.get(SERVICE_TAG_ANNOTATION)) or []
    open_tags = [tag for tag in tags if norm(tag) in OPEN_SERVICE_TAGS]
    reasons = open_public_ranges(sources)
    if (sources or tags) and not reasons and not open_tags:
        return
    state = (
        f"its source ranges do not restrict ({'; '.join(reasons + [f'service tag {t!r}' for t in open_tags])})"
        if reasons or open_tags
        else "it has no loadBalancerSourceRanges"
    )
    yield (
        f"{where}type LoadBalancer gets a public IP on AKS and {state}: annotate it "
        f"{INTERNAL_ANNOTATION}: 'true' (a private IP in the VNet), or list the clients' CIDRs in "
        "loadBalancerSourceRanges, or use ClusterIP behind an ingress"
    )


def _check_service(props: dict, _cfg: dict, where: str = "") -> Iterator[str]:
    yield from public_load_balancer(
        f"{where}spec.",
        get(props, "spec", "type"),
        get(props, "metadata", "annotations"),
        get(props, "spec", "loadBalancerSourceRanges"),
    )


def _check_service_list(props: dict, cfg: dict) -> Iterator[str]:
    for index, item in known_items(get(props, "items")):
        if isinstance(item, dict):
            yield from _check_service(item, cfg, f"items[{index}].")


def _check_release(props: dict, _cfg: dict) -> Iterator[str]:
    values = get(props, "values")
    if not isinstance(values, dict) or not is_airflow_release(props):
        return
    for component in AIRFLOW_SERVICES:
        service = get(values, component, "service")
        if service is MISSING or not isinstance(service, dict):
            continue
        yield from public_load_balancer(
            f"values.{component}.service.",
            get(service, "type"),
            get(service, "annotations"),
            get(service, "loadBalancerSourceRanges"),
        )


no_public_load_balancer = ResourceValidationPolicy(
    name="k8s-no-public-load-balancer",
    description="Kubernetes Services of type LoadBalancer (and the Airflow release's apiServer/webserver/flower "
    "services) are internal (azure-load-balancer-internal) or restricted to specific source ranges, never a "
    "public IP open to the internet.",
    validate=resource_validator(
        {
            **dict.fromkeys(SERVICE_TYPES, _check_service),
            SERVICE_LIST: _check_service_list,
            **dict.fromkeys(HELM_TYPES, _check_release),
        }
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Annotate the Service service.beta.kubernetes.io/azure-load-balancer-internal: 'true', or set "
    "loadBalancerSourceRanges to the clients' CIDRs, or keep it ClusterIP behind an ingress; for Airflow set "
    "airflow.ui.access (internalLoadBalancer or ingress).",
)

POLICIES = [no_public_load_balancer]
