"""Shared base for every config section: strict, camelCase on the outside, immutable once parsed.

Pulumi stack files use camelCase keys (`taskPool.maxCount`); Python code uses snake_case attributes. Unknown keys are
errors, so a typo is reported instead of silently falling back to a default.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator
from pydantic.alias_generators import to_camel


def matching(pattern: re.Pattern, what: str) -> AfterValidator:
    """A validator accepting text that fully matches `pattern` (or None, for optional settings left unset) and
    refusing the rest as "'x' is not <what>"."""

    def check(value: str | None) -> str | None:
        if value is not None and not pattern.fullmatch(value):
            raise ValueError(f"'{value}' is not {what}")
        return value

    return AfterValidator(check)


class ConfigSection(BaseModel):
    """Base class of every typed config object."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        validate_default=True,
        str_strip_whitespace=True,
        # Each section's validator is built when it is first used, not at import: a stack is validated as one
        # StackConfig (one validator holding every section). Building all ~40 at import took about 0.2 s of CPU per
        # preview; the one StackConfig needs takes a third of that.
        defer_build=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _overlay_defaults(cls, data: Any) -> Any:
        """A sub-section given in a stack file overlays its default field by field instead of replacing it.

        So `cluster: {taskPool: {maxCount: 20}}` keeps the task pool's default name, VM size and minimum, at any
        depth: a section's default for a nested section wins over that nested section's own defaults.
        """
        if not isinstance(data, dict):
            return data
        merged = dict(data)
        for name, field in cls.model_fields.items():
            key = field.alias or name
            given = data.get(key, data.get(name))
            if field.default_factory is None or not isinstance(given, dict):
                continue
            default = field.get_default(call_default_factory=True, validated_data={})
            if isinstance(default, BaseModel):
                merged.pop(name, None)
                merged[key] = _overlay(default, given)
        return merged


def _overlay(default: BaseModel, given: dict) -> dict:
    """`default` as a dict of its aliases, with `given` laid over it; nested sections merge recursively."""
    result = default.model_dump(by_alias=True)
    for name, field in type(default).model_fields.items():
        key = field.alias or name
        if key not in given and name not in given:
            continue
        value = given.get(key, given.get(name))
        current = getattr(default, name)
        result[key] = _overlay(current, value) if isinstance(current, BaseModel) and isinstance(value, dict) else value
    # keys the model does not know stay, so validation reports them as unknown settings
    result.update({k: v for k, v in given.items() if k not in result and k not in type(default).model_fields})
    return result
