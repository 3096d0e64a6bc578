"""Text rendering of a preview, shaped like `pulumi preview` output."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from .monitor import STACK_TYPE
from .result import PreviewResult


def render(result: PreviewResult) -> str:
    lines = [f"Previewing {result.mode} of stack '{result.stack}' (project '{result.project}', offline)", ""]
    lines.append(f"     {'Type':<60} Name")
    children: dict[str | None, list] = {}
    for record in result.resources:
        children.setdefault(record.parent, []).append(record)

    def walk(parent: str | None, depth: int) -> None:
        for record in children.get(parent, []):
            label = record.type if record.type != STACK_TYPE else STACK_TYPE
            lines.append(f" +   {'  ' * depth + label:<60} {record.name}")
            walk(record.urn, depth + 1)

    walk(None, 0)
    known = {r.urn for r in result.resources}
    orphans = [r for r in result.resources if r.parent is not None and r.parent not in known]
    for record in orphans:
        lines.append(f" +   {record.type:<60} {record.name}")

    lines += ["", "Resources by type:"]
    counts = Counter(r.type for r in result.resources if r.type != STACK_TYPE)
    for type_, count in sorted(counts.items()):
        lines.append(f"    {count:>4} {type_}")
    lines.append(f"    {sum(counts.values()):>4} to create")

    lines += ["", "Outputs:"]
    masked = result.masked_outputs()
    if not masked:
        lines.append("    (none)")
    for name in sorted(masked):
        lines.append(f"    {name}: {_display(masked[name])}")

    if result.notes:
        lines += ["", "Not expanded (no policy saw these objects):"]
        lines += [f"    - {note}" for note in result.notes]

    lines += ["", "Policies:"]
    if result.policy_pack is None:
        lines.append(f"    {result.policy_note}")
    elif not result.violations:
        lines.append(f"    {result.policy_pack}: all policies passed")
    else:
        by_policy: dict[str, list] = {}
        for violation in result.violations:
            by_policy.setdefault(violation.policy, []).append(violation)
        lines.append(f"    {result.policy_pack}:")
        for policy, violations in by_policy.items():
            lines.append(f"      [{violations[0].enforcement_level}] {policy}")
            for violation in violations:
                where = f" ({violation.urn})" if violation.urn else ""
                lines.append(f"        - {violation.message}{where}")
    timing = ", ".join(f"{k} {v:.2f}s" for k, v in result.timing.items())
    lines += ["", f"Duration: {timing}"]
    return "\n".join(lines)


def _display(value: Any) -> str:
    if value == "[unknown]":
        return "output<string>  [unknown]"
    if isinstance(value, str):
        return value if value == "[secret]" else json.dumps(value)
    return json.dumps(value, sort_keys=True)
