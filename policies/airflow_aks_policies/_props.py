"""Normalising helpers shared by every rule.

Rules see resource inputs as the engine sends them: camelCase keys, wrapped by pulumi_policy in a proxy that
raises ``UnknownValueError`` on any access to a value that is unknown during preview. A rule that let that
exception escape would be turned into a single "can't run policy" advisory by pulumi_policy and every other
check of the rule would be skipped, so rules first turn the proxy into plain data with :func:`plain`, where
unknown values stay as the engine's sentinel strings and are tested with :func:`is_unknown`. That lets a rule
report everything it can decide and skip only the part that is unknown (the engine analyses the resource again
with known inputs during ``pulumi up``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs, Secret

# The sentinels pulumi_policy leaves in place of unknown values (pulumi_policy/proxy.py).
UNKNOWN_SENTINELS = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string (also pulumi.runtime.rpc.UNKNOWN)
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)
_SPECIAL_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


class _Missing:
    """Marker for a property that is absent (the provider or chart default applies)."""

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


def is_unknown(value: Any) -> bool:
    """True for a value the engine does not know yet (preview of a resource whose inputs depend on outputs)."""
    return isinstance(value, str) and value in UNKNOWN_SENTINELS


def plain(value: Any) -> Any:
    """Plain dicts/lists of a props tree: unwraps pulumi_policy proxies and secrets, keeps unknown sentinels."""
    if isinstance(value, Secret):
        return plain(value.value)
    if isinstance(value, Mapping):
        raw = value["__target"] if _is_proxy(value) else value
        if raw.get(_SPECIAL_SIG_KEY) == _SECRET_SIG:
            return plain(raw.get("value"))
        return {key: plain(raw[key]) for key in raw}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        raw = value["__target"] if _is_proxy(value) else value  # type: ignore[call-overload]  # a proxy's target
        return [plain(item) for item in raw]
    return value


def _is_proxy(value: Any) -> bool:
    return type(value).__module__.startswith("pulumi_policy.")


def props_of(args: Any) -> dict:
    """The plain inputs of a ResourceValidationArgs or PolicyResource."""
    return plain(args.props)


def get(tree: Any, *path: str) -> Any:
    """The value at ``path`` in a plain props tree; MISSING if absent or null, the sentinel if unknown on the way."""
    node = tree
    for key in path:
        if is_unknown(node):
            return node
        if not isinstance(node, dict) or node.get(key) is None:
            return MISSING
        node = node[key]
    return node


def is_true(value: Any) -> bool:
    """An explicit boolean true (Pulumi YAML/JSON config sometimes carries it as the string "true")."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def norm(value: Any) -> str:
    """Lower-case, trimmed text for case-insensitive comparisons of Azure names and enums."""
    return str(value).strip().lower()


def known_items(value: Any) -> Iterator[tuple[int, Any]]:
    """(index, item) of the known items of a list input; nothing for a missing or unknown list."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if not is_unknown(item):
                yield index, item


# --- configuration -------------------------------------------------------------------------------------------


def schema(**properties: dict) -> PolicyConfigSchema:
    """A config schema whose ``default`` entries are also the defaults the rules apply (one source of truth)."""
    return PolicyConfigSchema(properties=properties)


def config(args: Any, config_schema: PolicyConfigSchema) -> dict:
    """The policy's config with the schema defaults filled in, whichever analyzer runs the pack."""
    given = dict(args.get_config() or {})
    return {key: given.get(key, spec.get("default")) for key, spec in config_schema.properties.items()}


# --- reporting ------------------------------------------------------------------------------------------------

Check = Callable[[dict, dict], Iterator[str]]
"""A rule body: (plain props, config) -> violation messages."""


RESOURCE_CHECKS: dict[str, list[tuple[Check, dict, Callable]]] = {}
"""Every pure check of the pack by resource type, with its schema defaults: what a resource of that type is judged
on wherever it appears (a template deployment's resources are judged by the same checks), and the validate
callback that runs it (to tell its policy). A module imported again replaces its own entries instead of adding
twins."""


def resource_validator(checks: Mapping[str, Check], config_schema: PolicyConfigSchema | None = None):
    """Adapts pure checks, keyed by resource type token, to pulumi_policy's ResourceValidation callback."""
    defaults = {key: spec.get("default") for key, spec in (config_schema.properties if config_schema else {}).items()}

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        check = checks.get(args.resource_type)
        if check is None:
            return
        cfg = config(args, config_schema) if config_schema else {}
        for message in check(props_of(args), cfg):
            report_violation(f"{subject(args.resource_type, args.name)}: {message}", None)

    for resource_type, check in checks.items():
        same = (check.__module__, check.__qualname__)
        kept = [c for c in RESOURCE_CHECKS.get(resource_type, []) if (c[0].__module__, c[0].__qualname__) != same]
        RESOURCE_CHECKS[resource_type] = [*kept, (check, defaults, validate)]
    return validate


def subject(resource_type: str, name: str) -> str:
    """How a message names the resource it is about: ``RoleAssignment 'deployer-cluster-admin'``."""
    return f"{resource_type.rsplit(':', 1)[-1]} {name!r}"


def require(value: Any, label: str, accepted: Callable[[Any], bool] = is_true, wanted: str = "true") -> Iterator[str]:
    """A secure setting must be explicit: absent means the service default, so it is reported, not passed."""
    if not is_unknown(value) and not accepted(value):
        state = "not set" if value is MISSING else repr(value)
        yield f"{label} is {state}: set it to {wanted}"
