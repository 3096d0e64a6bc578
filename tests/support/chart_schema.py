"""The Airflow chart's own contract, for tests: its values schema and its default values.yaml.

Read from `../shared/airflow-chart/<version>/` (beside the project) or from the directory in `AIRFLOW_CHART_DIR`;
never copied into the repository. Where they are absent, tests skip and say so, except under CI (`CI=true`), where
a missing chart is a failure: CI must never pass by checking nothing.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from facts import airflow_release

ROOT = Path(__file__).resolve().parents[2]
CHART_VERSION = airflow_release.CHART_VERSION


def chart_dir() -> Path:
    configured = os.environ.get("AIRFLOW_CHART_DIR")
    return Path(configured) if configured else ROOT.parent / "shared" / "airflow-chart" / CHART_VERSION


def require_chart() -> Path:
    """The chart directory, or skip (fail under CI) with where it was looked for."""
    directory = chart_dir()
    if not (directory / "values.schema.json").is_file() or not (directory / "values.yaml").is_file():
        message = f"Airflow chart {CHART_VERSION} schema/values not found in {directory} (set AIRFLOW_CHART_DIR)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return directory


@cache
def _load(directory: Path) -> tuple[dict, dict]:
    schema = json.loads((directory / "values.schema.json").read_text())
    defaults = yaml.safe_load((directory / "values.yaml").read_text())
    return schema, defaults


def schema() -> dict:
    return _load(require_chart())[0]


def defaults() -> dict:
    return _load(require_chart())[1]


def schema_errors(values: dict) -> list[str]:
    """Every place `values` breaks the chart's JSON schema, as `path: message`."""
    validator = jsonschema.Draft7Validator(schema())
    return [
        f"{'.'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
        for error in sorted(validator.iter_errors(values), key=lambda e: list(map(str, e.absolute_path)))
    ]


def _resolve(node: dict, root: dict) -> dict:
    while "$ref" in node:
        target: Any = root
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def unknown_keys(values: Any, *, node: dict | None = None, default: Any = None, path: str = "") -> list[str]:
    """Key paths in `values` that neither the schema nor values.yaml declares.

    The schema leaves some objects open (`additionalProperties: true`) although the chart reads only known keys, so
    a typo there (e.g. `scheduler.serviceAccount.annotation`) passes the schema; this walk catches it. Maps that are
    open by design (labels, annotations, nodeSelector, airflow.cfg sections) have no declared properties and are
    not walked.
    """
    root = schema()
    if node is None:
        node, default = root, defaults()
    node = _resolve(node, root)
    found: list[str] = []
    if isinstance(values, dict):
        declared = node.get("properties")
        if declared is None:
            return found
        known_defaults = default if isinstance(default, dict) else {}
        for key, value in values.items():
            where = f"{path}.{key}" if path else key
            if key not in declared and key not in known_defaults:
                found.append(where)
                continue
            found += unknown_keys(value, node=declared.get(key, {}), default=known_defaults.get(key), path=where)
    elif isinstance(values, list) and isinstance(node.get("items"), dict):
        for index, item in enumerate(values):
            found += unknown_keys(item, node=node["items"], path=f"{path}[{index}]")
    return found
