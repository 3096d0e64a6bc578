"""Read ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` the way the Pulumi CLI does.

Semantics follow ``sdk/go/common/workspace/project.go`` and ``config.go`` of pulumi/pulumi: project config keys
without a namespace belong to the project; keys of other namespaces may only carry a ``value``; a project default or
value applies when the stack does not set the key; typed declarations are checked against the stack's value (which,
like the CLI, is a string for primitives and JSON for objects and arrays); ``secure:`` values (top level or nested)
make the whole key secret. Secure values cannot be decrypted offline, so they become stable placeholder strings.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import OfflineError

_DECLARATION_KEYS = {"type", "description", "items", "default", "value", "secret"}
_TYPES = {"string", "integer", "boolean", "array"}


@dataclass
class ConfigDeclaration:
    """One entry of the project's ``config:`` block."""

    key: str  # full key, "namespace:name"
    type: str | None = None
    items: dict | None = None
    default: Any = None
    value: Any = None
    secret: bool = False

    @property
    def fallback(self) -> Any:
        return self.default if self.default is not None else self.value


@dataclass
class Project:
    name: str
    directory: Path
    main: Path  # the program: a directory holding __main__.py, or a .py file
    declarations: dict[str, ConfigDeclaration] = field(default_factory=dict)


@dataclass
class StackConfig:
    """The config handed to the program: full key -> string value, and the keys that are secret."""

    values: dict[str, str]
    secret_keys: set[str]


class _Yaml12Loader(yaml.SafeLoader):
    """YAML as the Pulumi CLI reads it (YAML 1.2 core schema): `13:00` stays a string (1.1 reads 780), `yes`/`on`
    are strings, not booleans, `010` is ten, and a key given twice in one mapping is an error, not "last one wins"."""

    yaml_implicit_resolvers = {  # noqa: RUF012 - PyYAML reads the resolver table from the class
        first: [
            (tag, regexp)
            for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"mapping key {key!r} already defined", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    if text.startswith(("0o", "0x")):
        return int(text, 0)
    return int(text, 10)  # YAML 1.2: a leading zero is not octal


_Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_Yaml12Loader)
    except yaml.YAMLError as exc:
        raise OfflineError(f"{path.name}: invalid YAML: {exc}") from None


def load_project(directory: str | Path) -> Project:
    directory = Path(directory).resolve()
    path = directory / "Pulumi.yaml"
    if not path.is_file():
        raise OfflineError(f"no Pulumi.yaml found in {directory}")
    doc = _read_yaml(path) or {}
    if not isinstance(doc, dict) or not doc.get("name"):
        raise OfflineError("Pulumi.yaml: project is missing a 'name' attribute")
    name = str(doc["name"])
    main = (directory / str(doc["main"])).resolve() if doc.get("main") else directory
    if main.is_dir() and not (main / "__main__.py").is_file():
        raise OfflineError(f"Pulumi.yaml: no __main__.py in program directory {main}")
    if not main.exists():
        raise OfflineError(f"Pulumi.yaml: main program {main} does not exist")
    raw_config = doc.get("config") or {}
    if not isinstance(raw_config, dict):
        raise OfflineError("Pulumi.yaml: 'config' must be a map")
    declarations = {}
    for raw_key, raw in raw_config.items():
        decl = _parse_declaration(name, str(raw_key), raw)
        declarations[decl.key] = decl
    return Project(name=name, directory=directory, main=main, declarations=declarations)


def _full_key(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _parse_declaration(project: str, raw_key: str, raw: Any) -> ConfigDeclaration:
    key = _full_key(project, raw_key)
    if not isinstance(raw, dict):
        # Shorthand (a bare value) means {value: <it>}, as RewriteShorthandConfigValues does.
        raw = {"value": raw}
    unknown = set(raw) - _DECLARATION_KEYS
    if unknown:
        raise OfflineError(
            f"Pulumi.yaml: project config '{raw_key}' has unknown attribute(s) {sorted(unknown)}; "
            f"allowed: {sorted(_DECLARATION_KEYS)}"
        )
    decl = ConfigDeclaration(
        key=key,
        type=raw.get("type"),
        items=raw.get("items"),
        default=raw.get("default"),
        value=raw.get("value"),
        secret=bool(raw.get("secret", False)),
    )
    if decl.default is not None and decl.value is not None:
        raise OfflineError(f"project config '{raw_key}' cannot have both a 'default' and 'value' attribute")
    if key.split(":", 1)[0] == project:
        if decl.type is not None and decl.type not in _TYPES:
            raise OfflineError(f"project config '{raw_key}' has type '{decl.type}'; allowed: {sorted(_TYPES)}")
        if decl.type == "array" and decl.items is None:
            raise OfflineError(
                f"The configuration key '{raw_key}' declares an array but does not specify the underlying type "
                "via the 'items' attribute"
            )
        if decl.type is not None and decl.default is not None and not _matches(decl.type, decl.items, decl.default):
            raise OfflineError(
                f"The default value specified for configuration key '{raw_key}' is not of the expected type "
                f"'{_type_name(decl.type, decl.items)}'"
            )
    else:
        if decl.type is not None:
            raise OfflineError(
                f"Configuration key '{raw_key}' is not namespaced by the project and should not define a type"
            )
        if decl.default is not None:
            raise OfflineError(
                f"Configuration key '{raw_key}' is not namespaced by the project and should not define a default "
                "value. Did you mean to use the 'value' attribute instead of 'default'?"
            )
        if decl.value is None:
            raise OfflineError(f"Configuration key '{raw_key}' is namespaced and must provide an attribute 'value'")
    return decl


def _type_name(type_: str, items: dict | None) -> str:
    if items is not None:
        return f"array<{_type_name(items.get('type', ''), items.get('items'))}>"
    return type_


def _matches(type_: str, items: dict | None, value: Any) -> bool:
    """ValidateConfigValue from project.go."""
    if type_ == "string":
        return isinstance(value, str)
    if type_ == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return True
        if isinstance(value, str):
            try:
                int(value, 10)
            except ValueError:
                return False
            return True
        return False
    if type_ == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if not isinstance(value, list) or items is None:
        return False
    return all(_matches(items.get("type", ""), items.get("items"), item) for item in value)


def secret_placeholder(key_path: str) -> str:
    """A stable stand-in for a ``secure:`` value: offline there is no key to decrypt it with."""
    return "offline-secret-" + hashlib.sha256(key_path.encode()).hexdigest()[:12]


def _resolve_secure(value: Any, key_path: str) -> tuple[Any, bool]:
    """Replace ``{secure: ...}`` leaves by placeholders; report whether any was found."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return secret_placeholder(key_path), True
        found = False
        out = {}
        for k, v in value.items():
            out[k], nested = _resolve_secure(v, f"{key_path}.{k}")
            found = found or nested
        return out, found
    if isinstance(value, list):
        results = [_resolve_secure(v, f"{key_path}[{i}]") for i, v in enumerate(value)]
        return [r[0] for r in results], any(r[1] for r in results)
    return value, False


def to_config_string(value: Any) -> str:
    """The CLI hands the program primitives as strings and objects/arrays as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def load_stack_config(
    project: Project,
    stack: str,
    overrides: dict[str, object] | None = None,
    secret_overrides: dict[str, object] | None = None,
) -> StackConfig:
    """Merge the stack file, the project's declarations and caller overrides into the program's config."""
    stack_file = project.directory / f"Pulumi.{stack}.yaml"
    doc = (_read_yaml(stack_file) if stack_file.is_file() else None) or {}
    if not isinstance(doc, dict):
        raise OfflineError(f"{stack_file.name}: expected a map at the top level")
    raw_config = doc.get("config") or {}
    if not isinstance(raw_config, dict):
        raise OfflineError(f"{stack_file.name}: 'config' must be a map")

    values: dict[str, Any] = {}
    secret_keys: set[str] = set()
    for raw_key, raw_value in raw_config.items():
        key = str(raw_key)
        if ":" not in key:
            raise OfflineError(
                f"{stack_file.name}: could not parse {key} as a configuration key "
                "(configuration keys should be of the form `<namespace>:<name>`)"
            )
        value, secure = _resolve_secure(raw_value, key)
        values[key] = value
        if secure:
            secret_keys.add(key)

    for name, value in (overrides or {}).items():
        _apply_override(project.name, name, value, values, secret_keys, secret=False)
    for name, value in (secret_overrides or {}).items():
        _apply_override(project.name, name, value, values, secret_keys, secret=True)

    missing = []
    for key, decl in sorted(project.declarations.items()):
        if key in values:
            continue
        if decl.fallback is not None:
            values[key] = decl.fallback
        elif key.split(":", 1)[0] == project.name:
            missing.append(key)
    if missing:
        plural = "values" if len(missing) > 1 else "value"
        raise OfflineError(f"Stack '{stack}' is missing configuration {plural} {', '.join(repr(k) for k in missing)}")

    for key, decl in sorted(project.declarations.items()):
        if decl.secret and key in values and key not in secret_keys:
            raise OfflineError(f"Stack '{stack}' with configuration key '{key}' must be encrypted as it's secret")
        if decl.type is None or key not in values:
            continue
        value = values[key]
        as_seen_by_cli = value if isinstance(value, (dict, list)) else to_config_string(value)
        if not _matches(decl.type, decl.items, as_seen_by_cli):
            raise OfflineError(
                f"Stack '{stack}' with configuration key '{key}' must be of type '{_type_name(decl.type, decl.items)}'"
            )

    return StackConfig(values={k: to_config_string(v) for k, v in values.items()}, secret_keys=secret_keys)


def _apply_override(
    project: str, name: str, value: object, values: dict[str, Any], secret_keys: set[str], *, secret: bool
) -> None:
    key = _full_key(project, name)
    if value is None:
        values.pop(key, None)
        secret_keys.discard(key)
        return
    values[key] = value
    if secret:
        secret_keys.add(key)
    else:
        secret_keys.discard(key)
