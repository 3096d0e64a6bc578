"""What a preview produced: the recorded resources, stack outputs and policy violations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .monitor import ResourceRecord
from .values import mask


@dataclass(frozen=True)
class Violation:
    policy: str
    enforcement_level: str  # "advisory" | "mandatory"
    urn: str | None
    message: str

    def to_json(self) -> dict:
        return {
            "policy": self.policy,
            "enforcementLevel": self.enforcement_level,
            "urn": self.urn,
            "message": self.message,
        }


@dataclass
class PreviewResult:
    project: str
    stack: str
    mode: str  # "up" | "preview"
    resources: list[ResourceRecord]
    outputs: dict[str, Any]
    secret_outputs: set[str]
    violations: list[Violation] = field(default_factory=list)
    policy_pack: str | None = None
    policy_note: str = ""
    notes: list[str] = field(default_factory=list)
    timing: dict[str, float] = field(default_factory=dict)
    config: dict[str, str] = field(default_factory=dict)
    """The stack configuration the program saw (full keys; secret values are placeholders)."""
    reports: dict[str, Any] = field(default_factory=dict)
    """What the project's declared reports made of this preview, by report name (see `offline.reports`)."""

    @property
    def mandatory_violations(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement_level == "mandatory"]

    def find(self, type_: str, name: str | None = None) -> list[ResourceRecord]:
        return [r for r in self.resources if r.type == type_ and (name is None or r.name == name)]

    def one(self, type_: str, name: str | None = None) -> ResourceRecord:
        found = self.find(type_, name)
        if len(found) != 1:
            label = f"{type_} named {name!r}" if name is not None else type_
            raise AssertionError(f"expected exactly one {label}, found {len(found)}")
        return found[0]

    def by_urn(self, urn: str) -> ResourceRecord:
        for record in self.resources:
            if record.urn == urn:
                return record
        raise KeyError(urn)

    def masked_outputs(self) -> dict[str, Any]:
        return {
            name: "[secret]" if name in self.secret_outputs else mask(value, set())
            for name, value in self.outputs.items()
        }

    def to_json(self) -> dict:
        return {
            "project": self.project,
            "stack": self.stack,
            "mode": self.mode,
            "resources": [r.to_json() for r in self.resources],
            "outputs": self.masked_outputs(),
            "policy": {"pack": self.policy_pack, "violations": [v.to_json() for v in self.violations]},
            "notExpanded": list(self.notes),
            **{name: report.to_json() for name, report in self.reports.items()},
            "timing": dict(self.timing),
        }
