"""ruff (lint and format), mypy and the import-linter layer contracts pass on the whole tree (configured in pyproject.toml).

Run by `make test`, so CI fails on a lint error, a type error or an import that breaks the layers.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT

BIN = Path(sys.executable).parent


def run(tool: str, *args: str) -> subprocess.CompletedProcess:
    executable = BIN / tool
    if not executable.exists() and shutil.which(tool) is None:
        pytest.fail(f"{tool} is not installed; `make test` installs requirements-dev.txt")
    return subprocess.run(
        [str(executable) if executable.exists() else tool, *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_ruff_finds_nothing():
    result = run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout[-4000:]


def test_the_tree_is_formatted():
    result = run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout[-4000:]


def test_mypy_finds_nothing():
    result = run("mypy")
    assert result.returncode == 0, result.stdout[-4000:]


def test_the_layers_hold():
    """__main__ > components | reports > stackconfig > costing > facts; offline imports nothing of the project."""
    result = run("lint-imports")
    assert result.returncode == 0, result.stdout[-4000:]
    assert "0 broken" in result.stdout
