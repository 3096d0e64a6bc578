"""What the Kubernetes provider does with YAML and charts, so the engine records the objects a real run registers.

pulumi_kubernetes has two shapes (read in the installed SDK):

* ``kubernetes:yaml:ConfigGroup`` / ``ConfigFile`` (v1) expand *client side*: the SDK sends each YAML text to the
  provider's ``kubernetes:yaml:decode`` invoke and registers one resource per object itself. The engine answers
  that invoke with :func:`decode`.
* ``kubernetes:yaml/v2:ConfigGroup`` / ``ConfigFile`` and ``kubernetes:helm.sh/v4:Chart`` are *remote components*
  (``remote=True``): the provider's Construct parses (or, for a chart, renders with Helm) and registers the
  children under the component. :func:`construct` does the same for YAML: objects from ``objs``, ``yaml`` and
  ``files`` (globs allowed), ``List`` kinds flattened, named ``<prefix>-<namespace>/<name>`` with the prefix
  defaulting to the component's name, ``v1/Secret`` data secret (pulumi-kubernetes
  provider/pkg/provider/yaml/v2/yaml.go). A chart is rendered with ``helm template`` when a ``helm`` executable
  is on PATH; otherwise (or when the values are unknown at preview) :class:`NotExpanded` says so, and the CLI shows
  it, because the objects of an unrendered chart are invisible to any policy.
"""

from __future__ import annotations

import glob
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

from .values import UNKNOWN

YAML_V2 = ("kubernetes:yaml/v2:ConfigGroup", "kubernetes:yaml/v2:ConfigFile")
CHART_V4 = "kubernetes:helm.sh/v4:Chart"
REMOTE_TYPES = (*YAML_V2, CHART_V4)


class NotExpanded(Exception):
    """A component whose children the engine cannot produce; the message says why."""


def decode(text: str) -> list[dict]:
    """The objects of a multi-document YAML (or JSON) text, empty documents skipped, like the provider's decoder."""
    return [doc for doc in yaml.safe_load_all(text) if doc]


def type_token(api_version: str, kind: str) -> str:
    """The Pulumi type of a Kubernetes object: ``kubernetes:<group|core>/<version>:<Kind>``."""
    group, _, version = api_version.rpartition("/")
    return f"kubernetes:{group or 'core'}/{version}:{kind}"


def _flatten(objects: list[Any]) -> list[dict]:
    flat: list[dict] = []
    for obj in objects:
        if not isinstance(obj, dict) or not obj:
            continue
        if not obj.get("kind") or not obj.get("apiVersion"):
            raise ValueError(f"Kubernetes resources require a kind and apiVersion: {json.dumps(obj)[:100]}")
        if isinstance(obj.get("items"), list):  # unstructured.IsList: v1/List, RoleList, ...
            flat += _flatten(obj["items"])
        else:
            flat.append(obj)
    return flat


def children(objects: list[Any], prefix: str) -> list[tuple[str, str, dict, set[str]]]:
    """(type, resource name, object, secret paths) for each object, named as the provider names them."""
    result = []
    for obj in _flatten(objects):
        metadata = obj.get("metadata") or {}
        if not metadata.get("name"):
            raise ValueError(f"YAML object does not have a .metadata.name: {json.dumps(obj)[:100]}")
        name = metadata["name"] if not metadata.get("namespace") else f"{metadata['namespace']}/{metadata['name']}"
        if prefix:
            name = f"{prefix}-{name}"
        secrets = (
            {key for key in ("data", "stringData") if key in obj}
            if (obj["apiVersion"], obj["kind"]) == ("v1", "Secret")
            else set()
        )
        result.append((type_token(obj["apiVersion"], obj["kind"]), name, obj, secrets))
    return result


def _contains_unknown(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_unknown(v) for v in value)
    return value == UNKNOWN


def _yaml_objects(inputs: dict) -> list[Any]:
    objects = list(inputs.get("objs") or [])
    texts = [inputs["yaml"]] if isinstance(inputs.get("yaml"), str) else []
    files = inputs.get("files") or ([inputs["file"]] if inputs.get("file") else [])
    for pattern in files:
        matched = sorted(glob.glob(pattern)) if any(c in pattern for c in "*?[") else [pattern]
        for path in matched:
            texts.append(Path(path).read_text(encoding="utf-8"))
    for text in texts:
        objects += decode(text)
    return objects


def _render_chart(name: str, inputs: dict) -> list[Any]:
    helm = shutil.which("helm")
    if helm is None:
        raise NotExpanded(
            "its templates are rendered by Helm inside the Kubernetes provider and no `helm` "
            "executable is on PATH, so no policy sees its objects here (the real CLI renders it "
            "at preview)"
        )
    release = inputs.get("name") or name
    command = [
        helm,
        "template",
        str(release),
        str(inputs["chart"]),
        "--namespace",
        str(inputs.get("namespace") or "default"),
    ]
    if inputs.get("version"):
        command += ["--version", str(inputs["version"])]
    repo = (inputs.get("repositoryOpts") or {}).get("repo")
    if repo:
        command += ["--repo", str(repo)]
    if not inputs.get("skipCrds"):
        command += ["--include-crds"]
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as values:
        json.dump(inputs.get("values") or {}, values)
    try:
        completed = subprocess.run(
            [*command, "--values", values.name], capture_output=True, text=True, timeout=300, check=False
        )
    finally:
        Path(values.name).unlink(missing_ok=True)
    if completed.returncode != 0:
        error = completed.stderr.strip()[:500]
        if repo or "://" in str(inputs["chart"]):
            # A remote chart Helm could not fetch (no network here, or the repository refused): the provider would
            # render it, the engine cannot, so it says what no policy saw instead of failing or passing quietly.
            raise NotExpanded(
                f"Helm could not fetch the chart from its repository ({error}), so no policy sees its objects "
                "here (the real CLI renders it at preview)"
            )
        raise ValueError(f"helm template failed: {error}")
    return decode(completed.stdout)


def construct(type_: str, name: str, inputs: dict) -> list[tuple[str, str, dict, set[str]]]:
    """The children the provider's Construct registers for a remote component of ``type_``."""
    if _contains_unknown(inputs):
        raise NotExpanded(
            "some of its inputs are unknown until other resources exist, so the provider expands it only at `pulumi up`"
        )
    prefix = inputs.get("resourcePrefix")
    prefix = name if prefix is None else prefix
    if type_ == CHART_V4:
        return children(_render_chart(name, inputs), prefix)
    return children(_yaml_objects(inputs), prefix)
