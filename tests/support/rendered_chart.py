"""The official Airflow chart rendered with `helm template` for a stack, exactly as the program's Release asks for it.

The Release's inputs (values and value files) come from the project's offline preview with known outputs, the
chart is the official `airflow-<version>.tgz` (../shared/airflow-chart/<version>/, or $AIRFLOW_CHART_DIR, checksum
checked), and helm is the pinned one `scripts/install_helm.py` puts in .tools/bin. Where helm or the chart is missing,
tests skip and say how to get it, except under CI=true, where that is a failure.

Also builds what Kubernetes adds around the rendered pods that the chart does not render: the Kubernetes Secrets the
program writes (with values shaped like the generated ones) and the variables the workload identity webhook injects.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import install_helm  # noqa: E402

from components.airflow import platform_dags  # noqa: E402
from facts import airflow_release  # noqa: E402
from offline import run_preview  # noqa: E402
from support import chart_schema, previews  # noqa: E402

RELEASE = "kubernetes:helm.sh/v3:Release"
AIRFLOW_CONTAINER = "base"
"""The chart names the Airflow container of the task pod template `base` (the KubernetesExecutor requires it)."""
WEBHOOK_TOKEN_PATH = "/var/run/secrets/azure/tokens/azure-identity-token"
AUTHORITY_HOST = "https://login.microsoftonline.com/"
TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def _missing(message: str):
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def helm() -> Path:
    if not install_helm.installed():
        _missing(
            f"helm {install_helm.HELM_VERSION} is not in {install_helm.HELM}; run `python scripts/install_helm.py`"
        )
    return install_helm.HELM


def chart_archive() -> Path:
    """The chart to render: $AIRFLOW_CHART_DIR (an unpacked chart) or the official .tgz, its sha256 checked."""
    directory = chart_schema.chart_dir()
    if os.environ.get("AIRFLOW_CHART_DIR"):
        return directory
    archive = directory / f"airflow-{chart_schema.CHART_VERSION}.tgz"
    checksum = directory / f"{archive.name}.sha256"
    if not archive.is_file():
        _missing(f"the Airflow chart {archive} is missing (set AIRFLOW_CHART_DIR)")
    if checksum.is_file():
        expected = checksum.read_text().split()[0]
        actual = hashlib.sha256(archive.read_bytes()).hexdigest()
        assert actual == expected, f"{archive} sha256 {actual} is not the published {expected}"
    pinned = airflow_release.CHART_RELEASES[chart_schema.CHART_VERSION].sha256
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == pinned, f"{archive} is not the index's {pinned}"
    return archive


@dataclass(frozen=True)
class Rendered:
    stack: str
    release_name: str
    namespace: str
    values: dict[str, Any]
    objects: tuple[dict[str, Any], ...]
    platform_dags: dict[str, str]
    """The platform DAG ConfigMap's data, as the program creates it."""

    def find(self, kind: str, component: str | None = None) -> list[dict[str, Any]]:
        return [
            o
            for o in self.objects
            if o["kind"] == kind
            and (component is None or o["metadata"].get("labels", {}).get("component") == component)
        ]

    def config_map(self) -> dict[str, str]:
        (config,) = [o for o in self.find("ConfigMap") if "airflow.cfg" in o.get("data", {})]
        return config["data"]

    def airflow_cfg(self) -> str:
        return self.config_map()["airflow.cfg"]

    def pod_template(self) -> dict[str, Any]:
        return yaml.safe_load(self.config_map()["pod_template_file.yaml"])

    def deployment(self, component: str) -> dict[str, Any]:
        (deployment,) = self.find("Deployment", component)
        return deployment


@cache
def _release(stack: str, config_json: str | None) -> tuple[str, str, str, str, str]:
    """The stack's Release: the shared plan of the stack file, or a plan of its own with `config_json` laid over."""
    if config_json:
        result = run_preview(str(ROOT), stack, preview=False, config=json.loads(config_json), policy_pack=False)
    else:
        result = previews.project_preview(stack, policy=False)
    release = result.one(RELEASE)
    dags_name = platform_dags.config_map_name(release.inputs["name"])
    (config_map,) = [
        c for c in result.find("kubernetes:core/v1:ConfigMap") if c.inputs["metadata"]["name"] == dags_name
    ]
    files = release.inputs.get("valueYamlFiles") or []
    value_files = [f["text"] for f in files]
    return (
        release.inputs["name"],
        release.inputs["namespace"],
        json.dumps(release.inputs["values"]),
        json.dumps(value_files),
        json.dumps(config_map.inputs["data"]),
    )


@cache
def render(stack: str, config_json: str | None = None) -> Rendered:
    """`helm template` of the stack's Release (its value files first, then its values, as the provider merges them);
    `config_json`: stack settings laid over the stack file's (run_preview's `config`), as JSON."""
    binary, archive = helm(), chart_archive()
    name, namespace, values_json, value_files_json, dags_json = _release(stack, config_json)
    with tempfile.TemporaryDirectory() as scratch:
        arguments = []
        for index, text in enumerate(json.loads(value_files_json)):
            path = Path(scratch) / f"file-{index}.yaml"
            path.write_text(text)
            arguments += ["-f", str(path)]
        values_path = Path(scratch) / "values.json"
        values_path.write_text(values_json)
        run = subprocess.run(
            [str(binary), "template", name, str(archive), "--namespace", namespace, *arguments, "-f", str(values_path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode == 0, run.stderr
    objects = tuple(o for o in yaml.safe_load_all(run.stdout) if o)
    return Rendered(stack, name, namespace, json.loads(values_json), objects, json.loads(dags_json))


def fernet_secret() -> str:
    """A `new,previous` Fernet key pair as `components.airflow.secrets` makes it: each key its `fernet_key` of the
    standard base64 of 32 random bytes, as pulumi-random's RandomBytes gives them."""
    from components.airflow.secrets import fernet_key

    return ",".join(fernet_key(base64.b64encode(os.urandom(32)).decode()) for _ in range(2))


def secret_data(rendered: Rendered, metadata_uri: str, async_uri: str) -> dict[tuple[str, str], str]:
    """(Secret name, key) -> value for every Secret the program writes, keyed like the chart reads them."""
    from components.airflow import chart_secrets

    values = {
        chart_secrets.METADATA_CONNECTION: metadata_uri,
        chart_secrets.METADATA_ASYNC_CONNECTION: async_uri,
        chart_secrets.FERNET_KEY: fernet_secret(),
        chart_secrets.API_SECRET_KEY: secrets.token_urlsafe(48),
        chart_secrets.JWT_SECRET: secrets.token_urlsafe(48),
    }
    assert set(values) == set(chart_secrets.ALL), "a chart Secret has no test value"
    return {(secret.name(rendered.release_name), secret.data_key): value for secret, value in values.items()}


def container_env(
    container: dict[str, Any], secrets_by_key: dict[tuple[str, str], str], client_id: str | None, token_file: str
) -> dict[str, str]:
    """The container's environment as the kubelet resolves it, plus what the workload identity webhook injects."""
    env: dict[str, str] = {}
    for entry in container.get("env", []):
        if "value" in entry:
            env[entry["name"]] = str(entry["value"])
        elif "secretKeyRef" in entry.get("valueFrom", {}):
            ref = entry["valueFrom"]["secretKeyRef"]
            key = (ref["name"], ref["key"])
            if key not in secrets_by_key:
                raise AssertionError(f"{entry['name']} reads Secret {key}, which the program does not write")
            env[entry["name"]] = secrets_by_key[key]
    if client_id is not None:
        # azure-workload-identity's mutating webhook, for pods labelled azure.workload.identity/use=true.
        env |= {
            "AZURE_CLIENT_ID": client_id,
            "AZURE_TENANT_ID": TENANT_ID,
            "AZURE_FEDERATED_TOKEN_FILE": token_file,
            "AZURE_AUTHORITY_HOST": AUTHORITY_HOST,
        }
    return env


def lay_out_airflow_home(rendered: Rendered, pod_spec: dict[str, Any], container: dict[str, Any], home: Path) -> str:
    """Lays out in `home` what the container's volume mounts put under its AIRFLOW_HOME (airflow.cfg, the local
    settings, webserver_config.py...): each ConfigMap key mounted by subPath as a file, each emptyDir as a directory.
    AIRFLOW_HOME inside those files becomes `home` too, so nothing is written outside it. Returns the rendered
    AIRFLOW_HOME; a mount this does not model is an error, not a file silently missing."""
    (airflow_home,) = [e["value"] for e in container.get("env", []) if e["name"] == "AIRFLOW_HOME"]
    volumes = {volume["name"]: volume for volume in pod_spec.get("volumes", [])}
    config_maps = {o["metadata"]["name"]: o.get("data", {}) for o in rendered.find("ConfigMap")}
    for mount in container.get("volumeMounts", []):
        path, volume = mount["mountPath"], volumes[mount["name"]]
        if not f"{path}/".startswith(f"{airflow_home}/"):
            raise AssertionError(f"{container['name']} mounts {path}, outside AIRFLOW_HOME {airflow_home}")
        local = home / path.removeprefix(airflow_home).lstrip("/")
        if "emptyDir" in volume:
            local.mkdir(parents=True, exist_ok=True)
        elif "configMap" in volume and "subPath" in mount:
            local.parent.mkdir(parents=True, exist_ok=True)
            text = config_maps[volume["configMap"]["name"]][mount["subPath"]]
            local.write_text(text.replace(airflow_home, str(home)))
        else:
            raise AssertionError(f"{container['name']} mounts volume {volume} at {path}: not modelled here")
    return airflow_home


def pod_identity(rendered: Rendered, pod_spec: dict[str, Any], pod_labels: dict[str, str]) -> str | None:
    """The client id the webhook injects: the pod's service account's annotation, if the pod opts in."""
    from facts.workload_identity import CLIENT_ID_ANNOTATION, USE_LABEL

    if pod_labels.get(USE_LABEL) != "true":
        return None
    name = pod_spec.get("serviceAccountName")
    accounts = [a for a in rendered.find("ServiceAccount") if a["metadata"]["name"] == name]
    assert accounts, f"pod service account {name} is not rendered"
    return accounts[0]["metadata"].get("annotations", {}).get(CLIENT_ID_ANNOTATION)
