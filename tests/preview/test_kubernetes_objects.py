"""Every Kubernetes object the program creates (besides the Helm release) is valid for the cluster's version,
checked with kubernetes-validate's strict schemas: no misspelt field survives to `kubectl apply` time."""

from __future__ import annotations

import kubernetes_validate
import pytest
from support import STACKS

from stackconfig import parse_stack_config

NOT_MANIFESTS = ("kubernetes:helm.sh/", "pulumi:providers:")


def manifests(result):
    """The object each Kubernetes resource would apply, with secret values as the program set them."""
    for record in result.resources:
        if record.type.startswith("kubernetes:") and not record.type.startswith(NOT_MANIFESTS):
            yield record, dict(record.inputs)


@pytest.mark.parametrize("stack", STACKS)
def test_every_kubernetes_object_passes_the_strict_schema_of_the_cluster_version(project_preview, stack):
    result = project_preview(stack)
    prefix = f"{result.project}:"
    raw = {key[len(prefix) :]: value for key, value in result.config.items() if key.startswith(prefix)}
    version = parse_stack_config(result.project, stack, raw).config.cluster.kubernetes_version
    checked = 0
    for record, manifest in manifests(result):
        try:
            kubernetes_validate.validate(manifest, desired_version=version, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{record.type} {record.name}: {error.message} at {list(error.path)}")
        checked += 1
    assert checked >= 5  # the namespace and the four Secrets the chart reads


def test_a_misspelt_field_is_caught():
    bad = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}, "stringDat": {"a": "b"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, desired_version="1.33", strict=True)
