"""Run a CrossGuard (pulumi_policy) Python pack in-process against the recorded resources.

The pack's ``__main__.py`` is executed unmodified while ``pulumi_policy.PolicyPack`` is replaced by a recorder, so
no gRPC analyzer is served. Policies then get the same arguments the real analyzer builds: resource policies see
each custom resource's inputs (secrets unwrapped, unknowns raising ``UnknownValueError`` when read), stack policies
see every resource's outputs with parents and (property) dependencies linked. Enforcement levels and policy config
merge like the CLI's ``--policy-pack-config``: schema defaults, then the pack's ``initial_config``, then the file.
"""

from __future__ import annotations

import asyncio
import json
import re
import runpy
from collections.abc import Iterable
from dataclasses import dataclass
from inspect import isawaitable
from pathlib import Path
from typing import Any, ClassVar

import jsonschema
import pulumi_policy
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from .errors import OfflineError
from .modules import program_imports
from .monitor import ResourceRecord
from .result import Violation
from .values import to_wire

_LEVELS = {level.value: level for level in EnforcementLevel}


@dataclass
class LoadedPack:
    name: str
    policies: list[Policy]
    enforcement_level: EnforcementLevel
    initial_config: dict[str, Any]


class _PackRecorder:
    """Stands in for ``pulumi_policy.PolicyPack``: keeps what the pack declares instead of serving it."""

    captured: ClassVar[list[LoadedPack]] = []

    def __init__(
        self,
        name: str,
        policies: list[Policy],
        enforcement_level: EnforcementLevel | None = None,
        initial_config: dict[str, Any] | None = None,
        **_metadata: Any,
    ) -> None:
        if not policies or not all(isinstance(p, Policy) for p in policies):
            raise TypeError("Expected policies to be a non-empty list of Policy")
        _PackRecorder.captured.append(
            LoadedPack(name, list(policies), enforcement_level or EnforcementLevel.ADVISORY, dict(initial_config or {}))
        )


def load_pack(directory: str | Path) -> LoadedPack:
    directory = Path(directory).resolve()
    main = directory / "__main__.py"
    if not main.is_file():
        raise OfflineError(f"policy pack {directory} has no __main__.py")
    original = pulumi_policy.PolicyPack
    _PackRecorder.captured = []
    pulumi_policy.PolicyPack = _PackRecorder  # type: ignore[misc,assignment]
    pulumi_policy.policy.PolicyPack = _PackRecorder  # type: ignore[misc,assignment]
    try:
        with program_imports(directory):
            runpy.run_path(str(main), run_name="__main__")
    except OfflineError:
        raise
    except Exception as exc:
        raise OfflineError(f"policy pack {directory.name}: {type(exc).__name__}: {exc}", has_traceback=True) from exc
    finally:
        pulumi_policy.PolicyPack = original  # type: ignore[misc]
        pulumi_policy.policy.PolicyPack = original  # type: ignore[misc]
    if len(_PackRecorder.captured) != 1:
        found = len(_PackRecorder.captured)
        raise OfflineError(f"policy pack {directory.name}: expected one PolicyPack, found {found}")
    return _PackRecorder.captured[0]


def read_policy_config(source: dict | str | Path | None) -> dict[str, Any]:
    if source is None:
        return {}
    if isinstance(source, dict):
        return source
    path = Path(source)
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise OfflineError(f"policy pack config {path}: {exc}") from None
    if not isinstance(loaded, dict):
        raise OfflineError(f"policy pack config {path}: expected a JSON object")
    return loaded


@dataclass
class _PolicySettings:
    level: EnforcementLevel
    config: dict[str, Any]


def _level(value: Any, where: str) -> EnforcementLevel:
    if isinstance(value, EnforcementLevel):
        return value
    if value not in _LEVELS:
        raise OfflineError(f"{where}: enforcement level {value!r} is not one of {sorted(_LEVELS)}")
    return _LEVELS[value]


def resolve_settings(pack: LoadedPack, config: dict[str, Any]) -> dict[str, _PolicySettings]:
    """Per-policy enforcement level and config, merged and validated like the CLI does."""
    names = {p.name for p in pack.policies}
    unknown = set(config) - names - {"all"}
    if unknown:
        raise OfflineError(f"policy pack config names unknown policies {sorted(unknown)}; known: {sorted(names)}")
    all_level = _level(config["all"], "policy pack config 'all'") if "all" in config else None
    settings = {}
    for policy in pack.policies:
        level = policy.enforcement_level or pack.enforcement_level
        knobs: dict[str, Any] = {}
        schema = policy.config_schema
        for prop, spec in ((schema.properties or {}) if schema else {}).items():
            if isinstance(spec, dict) and "default" in spec:
                knobs[prop] = spec["default"]
        if all_level is not None:
            level = all_level
        layers = (("initial_config", pack.initial_config.get(policy.name)), ("config", config.get(policy.name)))
        for source, entry in layers:
            if entry is None:
                continue
            where = f"policy '{policy.name}' ({source})"
            if isinstance(entry, (str, EnforcementLevel)):
                level = _level(entry, where)
                continue
            if not isinstance(entry, dict):
                raise OfflineError(f"{where}: expected an enforcement level or an object")
            for key, value in entry.items():
                if key == "enforcementLevel":
                    level = _level(value, where)
                else:
                    knobs[key] = value
        if schema is not None:
            json_schema = {"type": "object", "properties": schema.properties or {}, "required": schema.required or []}
            try:
                jsonschema.validate(knobs, json_schema)
            except jsonschema.ValidationError as exc:
                raise OfflineError(f"invalid config for policy '{policy.name}': {exc.message}") from None
        settings[policy.name] = _PolicySettings(level, knobs)
    return settings


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|m|s|ms)")


def _seconds(duration: str) -> float:
    factor = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    return sum(float(n) * factor[unit] for n, unit in _DURATION.findall(duration or ""))


def _options(record: ResourceRecord) -> PolicyResourceOptions:
    timeouts = record.custom_timeouts
    return PolicyResourceOptions(
        protect=record.protect,
        ignore_changes=list(record.ignore_changes),
        delete_before_replace=record.delete_before_replace,
        aliases=[a for a in record.aliases if isinstance(a, str)],
        custom_timeouts=PolicyCustomTimeouts(
            *(_seconds(timeouts.get(kind, "")) for kind in ("create", "update", "delete"))
        ),
        additional_secret_outputs=list(record.additional_secret_outputs),
        parent=record.parent,
    )


class PolicyRunner:
    def __init__(self, pack: LoadedPack, config: dict[str, Any], records: list[ResourceRecord]) -> None:
        self.pack = pack
        self.settings = resolve_settings(pack, config)
        self.records = records
        self.by_urn = {r.urn: r for r in records}
        self.violations: list[Violation] = []
        self._wire: dict[tuple[str, bool], Any] = {}

    def _props(self, record: ResourceRecord, *, outputs: bool = False) -> Any:
        """A record's inputs (or, with ``outputs``, what stack policies see of it) as the analyzer receives them,
        secrets and unknowns kept.

        Like the engine, which sends each resource once, the wire form is encoded once per record; like
        pulumi_policy's analyzer, which deserializes it again for every policy, each policy gets its own copy, so none
        sees what another changed.
        """
        key = (record.urn, outputs)
        if key not in self._wire:
            values, secret_paths = _stack_view(record) if outputs else (record.inputs, record.secret_paths)
            self._wire[key] = to_wire(values, secret_paths)
        return unknown_checking_proxy(deserialize_properties(self._wire[key]))

    def run(self) -> list[Violation]:
        for policy in self.pack.policies:
            setting = self.settings[policy.name]
            if setting.level == EnforcementLevel.DISABLED:
                continue
            if isinstance(policy, ResourceValidationPolicy) and policy.has_validation():
                for record in self.records:
                    if record.custom:
                        self._validate_resource(policy, setting, record)
            elif isinstance(policy, StackValidationPolicy):
                self._validate_stack(policy, setting)
        return self.violations

    def _reporter(self, policy: Policy, setting: _PolicySettings, fixed_urn: str | None, stack: bool):
        level = "advisory" if setting.level == EnforcementLevel.ADVISORY else "mandatory"

        def report_violation(message: str, urn: str | None = None) -> None:
            target = urn if stack else fixed_urn
            if stack and target is not None and target not in self.by_urn:
                target = None
            self.violations.append(Violation(policy.name, level, target, message or policy.description))

        return report_violation

    def _provider(self, record: ResourceRecord) -> PolicyProviderResource | None:
        if not record.provider:
            return None
        provider = self.by_urn.get(record.provider.rsplit("::", 1)[0])
        if provider is None:
            return None
        props = self._props(provider)
        return PolicyProviderResource(provider.type, props, provider.urn, provider.name)

    def _call(
        self, policy: ResourceValidationPolicy | StackValidationPolicy, args: Any, report: Any, urn: str | None
    ) -> None:
        try:
            result = policy.validate(args, report)
            if isawaitable(result):
                loop = asyncio.new_event_loop()
                try:
                    loop.run_until_complete(result)
                finally:
                    loop.close()
        except UnknownValueError as exc:
            self.violations.append(
                Violation(
                    policy.name,
                    "advisory",
                    None,
                    f"can't run policy '{policy.name}' from policy pack '{self.pack.name}' during preview: "
                    f"{exc.message}",
                )
            )
        except _NotApplicableError:
            pass
        except Exception as exc:
            where = f" on {urn}" if urn else ""
            raise OfflineError(
                f"policy '{policy.name}' failed{where}: {type(exc).__name__}: {exc}", has_traceback=True
            ) from exc

    def _validate_resource(
        self, policy: ResourceValidationPolicy, setting: _PolicySettings, record: ResourceRecord
    ) -> None:
        args = ResourceValidationArgs(
            record.type,
            self._props(record),
            record.urn,
            record.name,
            _options(record),
            self._provider(record),
            dict(setting.config),
        )
        self._call(policy, args, self._reporter(policy, setting, record.urn, stack=False), record.urn)

    def _validate_stack(self, policy: StackValidationPolicy, setting: _PolicySettings) -> None:
        resources = {
            r.urn: PolicyResource(
                r.type,
                self._props(r, outputs=True),
                r.urn,
                r.name,
                _options(r),
                self._provider(r),
                None,
                [],
                {},
            )
            for r in self.records
        }
        for r in self.records:
            resource = resources[r.urn]
            resource.parent = resources.get(r.parent) if r.parent else None
            resource.dependencies = _linked(resources, r.depends_on)
            resource.property_dependencies = {k: _linked(resources, v) for k, v in r.property_dependencies.items()}
        args = StackValidationArgs(list(resources.values()), dict(setting.config))
        self._call(policy, args, self._reporter(policy, setting, None, stack=True), None)


def _stack_view(record: ResourceRecord) -> tuple[dict, set[str]]:
    """What stack policies see of a resource, and its secret paths: a custom resource's outputs; a component's
    registered outputs over the inputs it was declared with.

    The CLI hands stack policies a component's outputs; a remote component (Helm v4 Chart, YAML v2) registers few
    (``resources``), so its version and repository would be invisible. The offline engine also shows the inputs,
    so a stack rule can judge a chart's pin here; docs/policies.md says what the CLI shows.
    """
    if record.custom:
        return record.outputs, record.output_secret_paths
    return {**record.inputs, **record.outputs}, set(record.secret_paths) | set(record.output_secret_paths)


def _linked(resources: dict[str, PolicyResource], urns: Iterable[str]) -> list[PolicyResource]:
    return [resources[u] for u in urns if u in resources]
