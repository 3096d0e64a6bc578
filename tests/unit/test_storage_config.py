"""Task-log storage settings: what each stack gets and how bad settings are reported."""

from __future__ import annotations

import pytest
from support.config import PROJECT, parse, problems, stack_file

from stackconfig import parse_stack_config


def storage(stack: str):
    return parse_stack_config(PROJECT, stack, stack_file(stack)).config.storage


def test_dev_is_locally_redundant_and_prod_zone_redundant_and_private():
    dev, prod = storage("dev"), storage("prod")
    assert (dev.replication, prod.replication) == ("LRS", "ZRS")
    assert (dev.private_endpoint, prod.private_endpoint) == (False, True)
    assert prod.logs_delete_after_days > dev.logs_delete_after_days


def test_public_addresses_and_ranges_are_accepted():
    settings = parse({"storage": {"allowedIpRanges": ["198.51.100.7", "20.50.0.0/16"]}})
    assert settings.config.storage.allowed_ip_ranges == ["198.51.100.7", "20.50.0.0/16"]


@pytest.mark.parametrize(
    ("storage", "expected"),
    [
        (
            {"allowedIpRanges": ["10.1.0.0/16"]},
            "airflow-aks:storage.allowedIpRanges[0]: '10.1.0.0/16' is a private range",
        ),
        (
            {"allowedIpRanges": ["198.51.100.7/32"]},
            "airflow-aks:storage.allowedIpRanges: '198.51.100.7/32': Azure rejects /31 and /32",
        ),
        (
            {"allowedIpRanges": ["0.0.0.0/0"]},
            "airflow-aks:storage.allowedIpRanges[0]: '0.0.0.0/0' opens the account to the whole internet",
        ),
        (
            {"allowedIpRanges": ["2001:db8::/32"]},
            "airflow-aks:storage.allowedIpRanges[0]: '2001:db8::/32' is not an IPv4 address or CIDR",
        ),
        (
            {"allowedIpRanges": ["somewhere"]},
            "airflow-aks:storage.allowedIpRanges[0]: 'somewhere' is not an IPv4 address or CIDR",
        ),
        ({"replication": "RAGRS"}, "airflow-aks:storage.replication: must be 'LRS', 'ZRS', 'GRS' or 'GZRS'"),
        ({"softDeleteDays": 0}, "airflow-aks:storage.softDeleteDays: Input should be greater than or equal to 1"),
        (
            {"logsCoolAfterDays": 60, "logsDeleteAfterDays": 60},
            "airflow-aks:storage.logsDeleteAfterDays: 60 must be greater than logsCoolAfterDays 60",
        ),
    ],
)
def test_bad_storage_settings_name_the_key_and_what_is_allowed(storage, expected):
    found = problems({"storage": storage})
    assert any(p.startswith(expected) for p in found), found
