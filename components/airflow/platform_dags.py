"""The platform's own DAGs (every `dags/*.py`: the smoke test, the liveness check, ...) delivered to every deployment.

Whatever the team's DAG source is (git-sync, a custom image, nothing yet), these files reach Airflow as a DAG bundle of
their own (Airflow 3 `[dag_processor] dag_bundle_config_list`): a ConfigMap holding the files, mounted read-only into
the DAG processor (which parses bundles) and into every task pod (which runs a task from its bundle), beside the
chart's `dags-folder` bundle of the team's DAGs. A changed file reaches running pods without a restart: the kubelet
swaps the mounted ConfigMap in place and the DAG processor re-lists the folder.

`values()` is the pure Helm values fragment; `config_map()` creates the ConfigMap it mounts (in the Airflow component).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as kubernetes

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"
BUNDLE_NAME = "airflow-aks-platform"
MOUNT_PATH = "/opt/airflow/platform-dags"
VOLUME_NAME = "platform-dags"
LOCAL_BUNDLE = "airflow.dag_processing.bundles.local.LocalDagBundle"
TEAM_BUNDLE = {"name": "dags-folder", "classpath": LOCAL_BUNDLE, "kwargs": {}}
"""The chart's default bundle: the team's DAGs in `[core] dags_folder` (the git-sync checkout or the image's)."""

IGNORE_FILE = ".airflowignore"
IGNORE_RULES = "# the ConfigMap volume's own ..data link and ..<timestamp> folder: the same files again\n..*\n"
"""Airflow walks bundle folders following links and stops at a folder seen twice; the kubelet's atomic-writer
layout (`..data` -> `..<timestamp>/`) is exactly that, so both are ignored (glob syntax, Airflow 3's default)."""

CONFIG_MAP_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
CONFIG_MAP_LIMIT = 1024 * 1024
"""A ConfigMap's data may not exceed 1 MiB (Kubernetes API validation)."""


def config_map_name(release_name: str) -> str:
    return f"{release_name}-platform-dags"


def dag_files(directory: Path = DAGS_DIR) -> dict[str, str]:
    """The ConfigMap data: every top-level `*.py` in `directory` and the ignore file; ValueError if it cannot fit."""
    files = {path.name: path.read_text() for path in sorted(directory.glob("*.py"))}
    if not files:
        raise ValueError(f"no platform DAG (*.py) in {directory}")
    for name in files:
        if not CONFIG_MAP_KEY.fullmatch(name):
            raise ValueError(f"platform DAG file name {name!r} is not a valid ConfigMap key ([-._a-zA-Z0-9]+)")
    files[IGNORE_FILE] = IGNORE_RULES
    size = sum(len(name.encode()) + len(text.encode()) for name, text in files.items())
    if size > CONFIG_MAP_LIMIT:
        raise ValueError(f"platform DAGs in {directory} are {size} bytes; a ConfigMap holds at most {CONFIG_MAP_LIMIT}")
    return files


def bundle() -> dict[str, Any]:
    """The platform bundle's entry in `dag_bundle_config_list`."""
    return {"name": BUNDLE_NAME, "classpath": LOCAL_BUNDLE, "kwargs": {"path": MOUNT_PATH}}


def values(release_name: str) -> dict[str, Any]:
    """Chart values that add the platform bundle and mount its ConfigMap where the bundle says it is."""
    volumes = [{"name": VOLUME_NAME, "configMap": {"name": config_map_name(release_name)}}]
    mounts = [{"name": VOLUME_NAME, "mountPath": MOUNT_PATH, "readOnly": True}]
    return {
        "dagProcessor": {
            "dagBundleConfigList": [TEAM_BUNDLE, bundle()],
            "extraVolumes": volumes,
            "extraVolumeMounts": mounts,
        },
        "workers": {"kubernetes": {"extraVolumes": volumes, "extraVolumeMounts": mounts}},
    }


def config_map(
    name: str, release_name: str, namespace: pulumi.Input[str], parent: pulumi.Resource, directory: Path = DAGS_DIR
) -> kubernetes.core.v1.ConfigMap:
    """The ConfigMap `values()` mounts, a child of `parent` (the Airflow component, whose release reads it)."""
    return kubernetes.core.v1.ConfigMap(
        name,
        metadata=kubernetes.meta.v1.ObjectMetaArgs(
            name=config_map_name(release_name),
            namespace=namespace,
            labels={"app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": release_name},
        ),
        data=dag_files(directory),
        opts=pulumi.ResourceOptions(parent=parent),
    )
