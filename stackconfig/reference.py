"""Generate docs/configuration.md from the models, so the config reference cannot drift from the validation.

Run `python -m stackconfig.reference > docs/configuration.md` after changing a setting; a test fails until you do.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterator

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from .root import StackConfig

_HEADER = """# Configuration reference

Generated from `stackconfig/` by `python -m stackconfig.reference > docs/configuration.md`; do not edit by hand.

Every setting lives in the `airflow-aks:` namespace. Sections are objects in the stack file, for example:

```yaml
config:
  airflow-aks:cluster:
    taskPool:
      maxCount: 20
```

or `pulumi config set --path 'cluster.taskPool.maxCount' 20`. Setting a section in a stack file replaces nothing
else: every field you leave out keeps the default listed here. Unknown keys are errors.

| key | type | default | constraints | description |
|---|---|---|---|---|
"""


def _type_name(annotation: object) -> str:
    """A readable type: `list[str]`, `str or None`, `Literal['a', 'b']`; validators (Annotated metadata) left out."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin in (typing.Union, types.UnionType):
        return " or ".join("None" if arg is type(None) else _type_name(arg) for arg in args)
    if origin is typing.Literal:
        return f"Literal[{', '.join(repr(arg) for arg in args)}]"
    if origin is not None:
        return f"{getattr(origin, '__name__', str(origin))}[{', '.join(_type_name(arg) for arg in args)}]"
    return annotation.__name__ if isinstance(annotation, type) else str(annotation).replace("typing.", "")


def _default(field: FieldInfo, instance: BaseModel | None, name: str) -> str:
    if instance is not None:
        value = getattr(instance, name)
    elif field.default_factory is not None:
        value = field.get_default(call_default_factory=True, validated_data={})
    elif field.default is PydanticUndefined:
        return "required"
    else:
        value = field.default
    if isinstance(value, BaseModel):
        return "(object)"
    return f"`{json.dumps(value)}`" if value is not None else "unset"


def _constraints(field: FieldInfo) -> str:
    parts = []
    for meta in field.metadata:
        for attr, symbol in (
            ("ge", "≥"),
            ("gt", ">"),
            ("le", "≤"),
            ("lt", "<"),
            ("min_length", "min length"),
            ("max_length", "max length"),
            ("pattern", "pattern"),
        ):
            value = getattr(meta, attr, None)
            if value is not None:
                parts.append(f"{symbol} `{value}`" if attr == "pattern" else f"{symbol} {value}")
    return ", ".join(parts)


def _rows(model: type[BaseModel], prefix: str, instance: BaseModel | None = None) -> Iterator[str]:
    """Table rows for `model`'s fields; `instance` is the parent's default for it, whose values are the defaults."""
    nested = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{field.alias or name}"
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            default = (
                getattr(instance, name)
                if instance is not None
                else (
                    field.get_default(call_default_factory=True, validated_data={})
                    if field.default_factory is not None
                    else None
                )
            )
            nested.append((annotation, key + ".", default))
            yield f"| `{key}` | object | (fields below) | | {field.description or ''} |"
            continue
        description = (field.description or "").replace("|", "\\|")
        yield f"| `{key}` | {_type_name(annotation)} | {_default(field, instance, name)} | {_constraints(field)} | {description} |"
        item = typing.get_args(annotation)[0] if typing.get_origin(annotation) is list else None
        if isinstance(item, type) and issubclass(item, BaseModel):
            nested.append((item, key + "[].", None))  # the fields of each list entry
    for annotation, key, default in nested:
        yield from _rows(annotation, key, default)


def render() -> str:
    return _HEADER + "\n".join(_rows(StackConfig, "")) + "\n"


if __name__ == "__main__":
    print(render(), end="")
