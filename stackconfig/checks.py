"""Cross-field rules that pydantic field types cannot express (min <= max, CIDR overlap, ...).

A section overrides `problems()` and yields `(relative_path, message)`; the loader walks the parsed tree and prefixes
each path with the section's own key, so every message names the exact setting.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

Problem = tuple[tuple[str | int, ...], str]


def walk_problems(model: BaseModel, prefix: tuple[str | int, ...] = ()) -> Iterator[Problem]:
    """Yield every problem of `model` and of the models nested in it, paths in camelCase as the user writes them."""
    own = getattr(model, "problems", None)
    if callable(own):
        for path, message in own():
            yield prefix + tuple(path), message
    for name, field in type(model).model_fields.items():
        key = field.alias or name
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from walk_problems(value, (*prefix, key))
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from walk_problems(item, (*prefix, key, index))
        elif isinstance(value, dict):
            for item_key, item in value.items():
                if isinstance(item, BaseModel):
                    yield from walk_problems(item, (*prefix, key, str(item_key)))
