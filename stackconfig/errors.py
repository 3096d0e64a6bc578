"""Turn pydantic validation errors into messages a Pulumi user can act on.

Every message names the full config key as the user writes it (`airflow-aks:cluster.taskPool.maxCount`), says what
is allowed, and suggests the closest valid key for a typo. All problems are reported together.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pulumi
from pydantic import BaseModel, ValidationError


class ConfigError(pulumi.RunError):
    """The stack configuration is invalid; `problems` holds one line per offending setting."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        count = len(self.problems)
        header = f"invalid stack configuration ({count} problem{'s' if count != 1 else ''}):"
        return "\n".join([header, *(f"  - {p}" for p in self.problems)])


def config_key(namespace: str, path: Iterable[str | int]) -> str:
    """Render a location the way `pulumi config set --path` spells it: `ns:a.b[0].c`."""
    rendered = ""
    for part in path:
        if isinstance(part, int):
            rendered += f"[{part}]"
        else:
            rendered += f".{part}" if rendered else part
    return f"{namespace}:{rendered}"


def _allowed_keys(model: type[BaseModel], path: Sequence[str | int]) -> list[str]:
    """The camelCase keys accepted at `path` (a path into nested models), for did-you-mean hints."""
    current: type[BaseModel] | None = model
    for part in path:
        if current is None or isinstance(part, int):
            continue
        field = next((f for name, f in current.model_fields.items() if part in (name, f.alias)), None)
        if field is None:
            return []
        current = _model_of(field.annotation)
    if current is None:
        return []
    return sorted(f.alias or name for name, f in current.model_fields.items())


def _model_of(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _describe(error: Mapping[str, Any], model: type[BaseModel]) -> tuple[tuple, str]:
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        parent, unknown = loc[:-1], str(loc[-1])
        allowed = _allowed_keys(model, parent)
        hint = difflib.get_close_matches(unknown, allowed, n=1)
        message = "unknown setting"
        if hint:
            message += f"; did you mean '{hint[0]}'?"
        elif allowed:
            message += f"; allowed here: {', '.join(allowed)}"
        return loc, message
    if kind == "missing":
        return loc, "is required but not set"
    message = error["msg"]
    # pydantic prefixes custom errors with "Value error, "; the key already says where.
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    if kind in {"literal_error", "enum"}:
        message = f"must be {message.removeprefix('Input should be ')}"
    elif kind.endswith("_type") or kind.endswith("_parsing"):
        message = f"{message} (got {error.get('input')!r})"
    return loc, message


def problems_from(exc: ValidationError, model: type[BaseModel], namespace: str) -> list[str]:
    """One readable line per pydantic error, keys rendered with the config namespace."""
    lines = []
    for error in exc.errors():
        loc, message = _describe(error, model)
        # pydantic appends the validator's name for union members, e.g. ('cluster', 'function-after[...]'); drop it.
        clean = [p for p in loc if isinstance(p, int) or not str(p).startswith(("function-", "tagged-union"))]
        lines.append(f"{config_key(namespace, clean)}: {message}" if clean else f"{namespace}: {message}")
    return lines
