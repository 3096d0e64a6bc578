"""Property values as they cross the (mock) engine boundary.

The SDK talks to the engine in protobuf Structs where secrets are objects tagged with a signature key and unknown
values are a sentinel string. The engine keeps both facts per property path, so this module decodes a Struct into
plain Python values plus the set of paths that were secret, and encodes plain values back the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf import struct_pb2

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

SECRET_MASK = "[secret]"
UNKNOWN_MASK = "[unknown]"


class _Unknown:
    """A value the engine does not know yet (a provider-computed output during preview)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return UNKNOWN_MASK

    def __copy__(self) -> _Unknown:
        return self

    def __deepcopy__(self, memo: dict) -> _Unknown:
        return self

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


def child_path(path: str, key: str | int) -> str:
    """Dotted property path: ``properties.value``, ``containers[0].env``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def decode_struct(struct: struct_pb2.Struct) -> tuple[dict[str, Any], set[str]]:
    """Decode a property Struct to plain values (secrets unwrapped, unknowns as UNKNOWN) and its secret paths."""
    secret_paths: set[str] = set()
    value = _decode(struct, "", secret_paths)
    return (value if isinstance(value, dict) else {}), secret_paths


def _decode(value: Any, path: str, secret_paths: set[str]) -> Any:
    if isinstance(value, struct_pb2.Struct):
        if SIG_KEY in value:
            return _decode_special(value, path, secret_paths)
        return {k: _decode(v, child_path(path, k), secret_paths) for k, v in value.items()}
    if isinstance(value, struct_pb2.ListValue):
        return [_decode(v, child_path(path, i), secret_paths) for i, v in enumerate(value)]
    if value == UNKNOWN_SENTINEL:
        return UNKNOWN
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _decode_special(value: struct_pb2.Struct, path: str, secret_paths: set[str]) -> Any:
    sig = value[SIG_KEY]
    if sig == SECRET_SIG:
        secret_paths.add(path)
        return _decode(value["value"], path, secret_paths)
    if sig == RESOURCE_SIG:
        # A resource reference: the engine hands providers the id of a custom resource, else its URN.
        ref_id = dict(value.items()).get("id", "")  # a Struct has no .get
        if ref_id == UNKNOWN_SENTINEL:
            return UNKNOWN
        return ref_id or value["urn"]
    if sig == OUTPUT_VALUE_SIG:
        if dict(value.items()).get("secret"):  # a Struct has no .get
            secret_paths.add(path)
        return _decode(value["value"], path, secret_paths) if "value" in value else UNKNOWN
    # Assets and archives keep their wire shape (path/text/uri) so they stay inspectable.
    return {k: _decode(v, child_path(path, k), secret_paths) for k, v in value.items() if k != SIG_KEY}


def encode_struct(values: Mapping[str, Any], secret_paths: Iterable[str] = ()) -> struct_pb2.Struct:
    """Encode plain values back to a Struct, wrapping each secret path and turning UNKNOWN into the sentinel."""
    struct = struct_pb2.Struct()
    struct.update(to_wire(values, set(secret_paths)))
    return struct


def to_wire(value: Any, secret_paths: set[str], path: str = "") -> Any:
    """Plain values -> JSON-shaped wire values (secret signature objects, unknown sentinels)."""
    if isinstance(value, Mapping):
        encoded: Any = {k: to_wire(v, secret_paths, child_path(path, k)) for k, v in value.items() if v is not None}
    elif isinstance(value, (list, tuple)):
        encoded = [to_wire(v, secret_paths, child_path(path, i)) for i, v in enumerate(value)]
    elif value is UNKNOWN:
        encoded = UNKNOWN_SENTINEL
    else:
        encoded = value
    if path and path in secret_paths:
        return {SIG_KEY: SECRET_SIG, "value": encoded}
    return encoded


def mask(value: Any, secret_paths: set[str], path: str = "") -> Any:
    """Values for display: secrets become "[secret]", unknowns "[unknown]"."""
    if path and path in secret_paths:
        return SECRET_MASK
    if isinstance(value, Mapping):
        return {k: mask(v, secret_paths, child_path(path, k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask(v, secret_paths, child_path(path, i)) for i, v in enumerate(value)]
    if value is UNKNOWN:
        return UNKNOWN_MASK
    return value


def existing_paths(value: Any, paths: Iterable[str]) -> set[str]:
    """The subset of ``paths`` that still name a value inside ``value`` (after outputs were merged in)."""
    wanted = set(paths)
    found: set[str] = set()

    def walk(node: Any, path: str) -> None:
        if path in wanted:
            found.add(path)
        if isinstance(node, Mapping):
            for k, v in node.items():
                walk(v, child_path(path, k))
        elif isinstance(node, (list, tuple)):
            for i, v in enumerate(node):
                walk(v, child_path(path, i))

    if wanted:
        walk(value, "")
    return found


def contains_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(v) for v in value)
    return False
