"""Chart defaults that do not belong in an Airflow 3.1 airflow.cfg, removed so `airflow config lint` is clean.

The chart's values.yaml puts `[webserver] enable_proxy_fix` (Airflow 2; in 3.x it is `[fab] enable_proxy_fix`, which
the chart sets too) and `[scheduler] standalone_dag_processor` (removed in 3.0: the DAG processor always runs on its
own) into airflow.cfg, and `[elasticsearch_configs]` holds client arguments Airflow does not know. Helm deletes a default whose user value is null, but Pulumi's Python SDK drops null map values
before they reach the provider (pulumi/pulumi#12178), so the nulls travel in a values file (`valueYamlFiles`), which
the provider passes to Helm as it is (pulumi/pulumi-kubernetes#4293).
"""

from __future__ import annotations

from typing import Any

import yaml

REMOVED_DEFAULTS: dict[str, Any] = {
    "config": {
        "webserver": {"enable_proxy_fix": None},
        "scheduler": {"standalone_dag_processor": None},
        # Elasticsearch client kwargs (max_retries, timeout, retry_timeout) that are no Airflow option; task logs go
        # to Blob storage, so the section has nothing to configure.
        "elasticsearch_configs": None,
    }
}


def removed_defaults_yaml() -> str:
    """The values file that deletes `REMOVED_DEFAULTS` (`key: null`)."""
    return yaml.safe_dump(REMOVED_DEFAULTS, sort_keys=True)
