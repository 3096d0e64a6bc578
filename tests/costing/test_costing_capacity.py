"""Capacity arithmetic: AKS's documented reservations give each VM size's allocatable, and task pods per node."""

from __future__ import annotations

import pytest

from costing.capacity import (
    PodSize,
    Resources,
    allocatable,
    kube_reserved_cpu,
    kube_reserved_memory,
    kubernetes_minor,
    parse_cpu,
    parse_memory,
    pods_per_node,
)
from facts.vm_sizes import VM_SHAPES, VmShape


@pytest.mark.parametrize(
    ("cores", "millicores"), [(1, 60), (2, 100), (4, 140), (8, 180), (16, 260), (32, 420), (64, 740)]
)
def test_cpu_reservation_matches_the_documented_table(cores, millicores):
    assert kube_reserved_cpu(cores) == millicores


def test_cpu_reservation_between_and_beyond_the_table_follows_its_slope():
    assert kube_reserved_cpu(6) == 160
    assert kube_reserved_cpu(96) == 740 + 32 * 10


def test_memory_reservation_1_29_uses_the_lesser_of_pods_formula_and_a_quarter():
    assert kube_reserved_memory(8192, 30, 29) == 650  # AKS docs' example: 20 x 30 + 50
    assert kube_reserved_memory(8192, 110, 33) == 2048  # 20 x 110 + 50 = 2250 > 25 % of 8 GiB
    assert kube_reserved_memory(16384, 110, 33) == 2250


def test_memory_reservation_before_1_29_is_regressive():
    # 25 % of 4 GiB + 20 % of 4 GiB + 10 % of 8 GiB = 1 + 0.8 + 0.8 GiB
    assert kube_reserved_memory(16384, 110, 28) == round(2.6 * 1024)


def test_allocatable_of_a_d4ads_v5_on_1_33():
    node = allocatable(VM_SHAPES["Standard_D4ads_v5"], max_pods=110, kubernetes_minor=33)
    assert node == Resources(cpu_millicores=4000 - 140, memory_mib=16384 - 2250 - 100, pods=110)


def test_allocatable_matches_the_docs_example_of_an_8_gb_node_with_30_pods():
    node = allocatable(VmShape(vcpus=2, memory_gib=8), max_pods=30, kubernetes_minor=29)
    assert node.memory_mib == 8192 - 650 - 100


def test_pods_per_node_is_bounded_by_cpu_memory_and_pod_slots():
    node = allocatable(VM_SHAPES["Standard_D4ads_v5"], max_pods=110, kubernetes_minor=33)
    overhead = Resources(400, 700, 8)
    assert pods_per_node(node, overhead, PodSize(500, 1024)) == 6  # (3860 - 400) // 500
    assert pods_per_node(node, overhead, PodSize(100, 4096)) == 3  # (14034 - 700) // 4096
    assert pods_per_node(node, Resources(0, 0, 100), PodSize(10, 10)) == 10  # 110 - 100 slots
    assert pods_per_node(node, Resources(5000, 0, 0), PodSize(10, 10)) == 0


@pytest.mark.parametrize(("text", "millicores"), [("500m", 500), ("1", 1000), ("1.5", 1500), (2, 2000), ("0.25", 250)])
def test_cpu_quantities(text, millicores):
    assert parse_cpu(text) == millicores


@pytest.mark.parametrize(("text", "mib"), [("1Gi", 1024), ("512Mi", 512), ("1G", 954), (2**30, 1024), ("1536Ki", 2)])
def test_memory_quantities(text, mib):
    assert parse_memory(text) == mib


@pytest.mark.parametrize("text", ["1 core", "500x", "-1", ""])
def test_bad_quantities_are_rejected(text):
    with pytest.raises(ValueError, match="is not a Kubernetes"):
        parse_cpu(text)


def test_kubernetes_minor_falls_back_when_unknown():
    assert kubernetes_minor("1.33", 29) == 33
    assert kubernetes_minor("1.28.5", 29) == 28
    assert kubernetes_minor(None, 29) == 29
