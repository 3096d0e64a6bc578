"""Reports a project adds to its offline preview: declared in its `pyproject.toml`, computed from the preview.

The engine knows no project; a project that wants more than resources and policy results (a cost estimate, say)
names report modules in its `pyproject.toml`:

    [tool.offline.reports]
    cost = "reports.cost"

Each module, imported with the project's own modules, provides `build(result) -> report` (the report has
`to_json()`), `render(report) -> str` for the text under `python -m offline preview`, and optionally
`compare({stack: report}) -> str` for `python -m offline <report> --stack a --stack b`.
"""

from __future__ import annotations

import importlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from .errors import OfflineError
from .modules import program_imports
from .result import PreviewResult

BUILTIN_COMMANDS = ("preview",)


@dataclass(frozen=True)
class ReportSpec:
    name: str
    module: str


def declared_reports(directory: str | Path) -> list[ReportSpec]:
    """The reports a project's pyproject.toml declares under [tool.offline.reports] (none without the file)."""
    path = Path(directory) / "pyproject.toml"
    if not path.is_file():
        return []
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise OfflineError(f"{path}: {exc}") from None
    table = document.get("tool", {}).get("offline", {}).get("reports", {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise OfflineError(f"{path}: [tool.offline.reports] must map report names to module names")
    clashes = sorted(set(table) & set(BUILTIN_COMMANDS))
    if clashes:
        raise OfflineError(f"{path}: report names {clashes} clash with the engine's own commands")
    return [ReportSpec(name, module) for name, module in table.items()]


def _load(directory: Path, spec: ReportSpec) -> ModuleType:
    with program_imports(directory):
        try:
            module = importlib.import_module(spec.module)
        except ImportError as exc:
            raise OfflineError(f"report '{spec.name}': cannot import {spec.module}: {exc}") from None
    missing = [name for name in ("build", "render") if not callable(getattr(module, name, None))]
    if missing:
        raise OfflineError(f"report '{spec.name}': module {spec.module} has no {' or '.join(missing)}()")
    return module


@dataclass(frozen=True)
class Report:
    """A declared report's module, bound to the project it belongs to."""

    spec: ReportSpec
    module: ModuleType

    def build(self, result: PreviewResult) -> Any:
        return self.module.build(result)

    def render(self, report: Any) -> str:
        return self.module.render(report)

    def compare(self, reports: dict[str, Any]) -> str:
        compare = getattr(self.module, "compare", None)
        if not callable(compare):
            raise OfflineError(f"report '{self.spec.name}' ({self.spec.module}) cannot compare stacks: no compare()")
        return compare(reports)


def load_reports(directory: str | Path) -> list[Report]:
    directory = Path(directory).resolve()
    return [Report(spec, _load(directory, spec)) for spec in declared_reports(directory)]
