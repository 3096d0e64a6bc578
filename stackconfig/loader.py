"""Read the stack's `airflow-aks:*` config once and turn it into a validated `StackSettings`.

`parse_stack_config` is pure (a dict of raw config strings in, settings or `ConfigError` out) so every rule is tested
without Pulumi; `load_stack_config` feeds it through Pulumi's public API (`pulumi.Config`, and the `PULUMI_CONFIG`
environment the language host gives the program). Nothing here registers a resource, so a bad
setting stops `pulumi up` before anything changes.
"""

from __future__ import annotations

import json
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import pulumi
from pydantic import BaseModel, ValidationError

from facts.naming import Naming, tags

from .checks import walk_problems
from .errors import ConfigError, config_key, problems_from
from .root import ENVIRONMENT, StackConfig


@dataclass(frozen=True)
class StackSettings:
    """The parsed configuration plus what Pulumi knows about the stack."""

    project: str
    stack: str
    config: StackConfig

    @property
    def environment(self) -> str:
        return self.config.environment or self.stack

    @cached_property
    def naming(self) -> Naming:
        return Naming(prefix=self.config.name_prefix, environment=self.environment, location=self.config.location)

    @cached_property
    def tags(self) -> dict[str, str]:
        return tags(
            project=self.project,
            stack=self.stack,
            environment=self.environment,
            owner=self.config.owner,
            cost_center=self.config.cost_center,
            extra=self.config.tags,
        )


def _is_text(annotation: object) -> bool:
    """True for `str` and `str | None`: such values arrive as plain strings and are never JSON-decoded."""
    if annotation is str:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return all(arg in (str, type(None)) for arg in typing.get_args(annotation))
    return False


def _decode(raw: Mapping[str, str]) -> dict[str, object]:
    """Pulumi hands every value over as a string; structured values and numbers arrive JSON-encoded."""
    by_alias = {(field.alias or name): field for name, field in StackConfig.model_fields.items()}
    decoded: dict[str, object] = {}
    for key, value in raw.items():
        field = by_alias.get(key)
        if (field is not None and _is_text(field.annotation)) or not isinstance(value, str):
            decoded[key] = value
            continue
        try:
            decoded[key] = json.loads(value)
        except json.JSONDecodeError:
            decoded[key] = value
    return decoded


def _section_problems(project: str, decoded: Mapping[str, object], broken: set) -> list[str]:
    """Cross-field problems of the sections that did parse, so one typo elsewhere does not hide them."""
    found = []
    for name, field in StackConfig.model_fields.items():
        key = field.alias or name
        model = field.annotation
        if key in broken or key not in decoded or not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        section = model.model_validate(decoded[key])
        found += [f"{config_key(project, (key, *path))}: {message}" for path, message in walk_problems(section)]
    return found


def parse_stack_config(project: str, stack: str, raw: Mapping[str, str]) -> StackSettings:
    """Validate `raw` (keys without the `project:` namespace) and report every problem at once."""
    decoded = _decode(raw)
    try:
        config = StackConfig.model_validate(decoded)
    except ValidationError as exc:
        broken = {error["loc"][0] for error in exc.errors() if error["loc"]}
        raise ConfigError(
            problems_from(exc, StackConfig, project) + _section_problems(project, decoded, broken)
        ) from None
    settings = StackSettings(project=project, stack=stack, config=config)
    problems = [f"{config_key(project, path)}: {message}" for path, message in walk_problems(config)]
    if config.environment is None and not ENVIRONMENT.fullmatch(stack):
        problems.append(
            f"{project}:environment: the stack name '{stack}' cannot be used in resource names "
            "(2-6 lowercase letters and digits); set environment explicitly"
        )
    else:
        problems += [f"{project}:namePrefix: {p}" for p in settings.naming.problems()]
    if problems:
        raise ConfigError(problems)
    return settings


CONFIG_ENVIRONMENT = "PULUMI_CONFIG"
"""Where the Python language host hands a program all of its stack's config: a JSON object of "namespace:key" to
the value as text (pulumi/pulumi sdk/python/cmd/pulumi-language-python/main.go sets it for the program's process;
the SDK's exec shim sdk/python/cmd/pulumi-language-python-exec reads it into `pulumi.Config`)."""


def _configured_keys(project: str) -> set[str]:
    """Every key the stack sets in the project's namespace, without the namespace.

    `pulumi.Config` answers for a key the program names; to report a key it does not know (a typo: "did you
    mean ...?") the loader needs the list of keys set, which only the language host's `PULUMI_CONFIG` gives.
    """
    text = os.environ.get(CONFIG_ENVIRONMENT) or "{}"
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        document = None
    if not isinstance(document, dict):
        raise ConfigError([f"{CONFIG_ENVIRONMENT} (set by the Pulumi language host) is not a JSON object"])
    prefix = f"{project}:"
    return {key[len(prefix) :] for key in document if key.startswith(prefix)}


def load_stack_config() -> StackSettings:
    """Parse the running stack's configuration: every key the program knows, read through `pulumi.Config`, and
    every other key the stack sets in the project namespace, so a misspelt one is reported, not ignored."""
    project, stack = pulumi.get_project(), pulumi.get_stack()
    config = pulumi.Config(project)
    known = {field.alias or name for name, field in StackConfig.model_fields.items()}
    raw = {key: value for key in sorted(known | _configured_keys(project)) if (value := config.get(key)) is not None}
    return parse_stack_config(project, stack, raw)
