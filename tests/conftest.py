"""Shared test helpers. The engine lives in offline/; these only wrap it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from support import previews  # noqa: E402


@pytest.fixture
def project_preview():
    """``project_preview(stack, preview=False, policy=True)``: the project's offline preview, computed once per test
    process (support.previews). Tests must treat the result as read-only (it is shared)."""
    return previews.project_preview


@pytest.fixture
def write_program(tmp_path):
    """Write a throwaway Pulumi program: ``write_program(main_py, project_yaml="", stacks={"dev": "..."})``."""

    def write(main: str, project_yaml: str = "", stacks: dict[str, str] | None = None, name: str = "prog") -> Path:
        directory = tmp_path / name
        directory.mkdir()
        (directory / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n" + textwrap.dedent(project_yaml))
        (directory / "__main__.py").write_text(textwrap.dedent(main))
        for stack, content in (stacks or {"dev": ""}).items():
            (directory / f"Pulumi.{stack}.yaml").write_text(textwrap.dedent(content))
        return directory

    return write


def _airflow_venv():
    sys.path.insert(0, str(ROOT / "scripts"))
    import airflow_venv

    return airflow_venv


def _real_airflow(ensure: Callable[[], Path], command: str) -> Path:
    """The python of the venv `command` makes, created on first use; skips where it cannot be created (no package
    index, no uv), except under CI=true."""
    try:
        return ensure()
    except (subprocess.CalledProcessError, OSError, RuntimeError) as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"cannot create the Airflow venv here ({exc}); run `{command}`")


@pytest.fixture(scope="session")
def airflow_python() -> Path:
    """The interpreter of .venv-airflow (the release the chart deploys). Every test that runs the real Airflow asks
    for this one fixture."""
    return _real_airflow(_airflow_venv().ensure, "python scripts/airflow_venv.py")


@pytest.fixture(scope="session")
def previous_airflow_python() -> Path:
    """The interpreter of the previous release's venv (airflow_venv.PREVIOUS_RELEASE), for the upgrade rehearsal."""
    return _real_airflow(_airflow_venv().ensure_previous, "python scripts/airflow_venv.py previous")
