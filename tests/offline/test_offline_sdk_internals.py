"""The engine's private SDK dependencies: the versions they were verified with, and the SDK function it replaces."""

from __future__ import annotations

import gc
from importlib import metadata

import pytest
from pulumi.output import Unknown
from pulumi.runtime import rpc

from offline import run_preview
from offline.sdk_internals import VERIFIED_WITH, contains_unknowns


@pytest.mark.parametrize("distribution", sorted(VERIFIED_WITH))
def test_the_installed_sdks_are_the_versions_the_engine_was_verified_with(distribution):
    installed = metadata.version(distribution)
    assert installed == VERIFIED_WITH[distribution], (
        f"{distribution} {installed} is installed; offline/ relies on its private internals as of "
        f"{VERIFIED_WITH[distribution]}: check each one listed in offline/sdk_internals.py, run tests/offline and "
        "tests/preview, then update VERIFIED_WITH"
    )


class _Mapping(dict):
    """A dict whose items are read through __getitem__, as the SDK's version reads them."""

    def __getitem__(self, key):
        return Unknown() if key == "hidden" else super().__getitem__(key)


def _values():
    shared = {"a": [1, 2, {"b": "c"}]}
    cyclic: dict = {"x": 1}
    cyclic["self"] = cyclic
    cyclic_unknown: list = [1]
    cyclic_unknown.append(cyclic_unknown)
    cyclic_unknown.append({"deep": [Unknown()]})
    return {
        "none": None,
        "text": "text",
        "number": 42,
        "unknown": Unknown(),
        "empty list": [],
        "empty dict": {},
        "nested known": [1, "two", {"three": 3.0}],
        "dicts known": {"outer": {"inner": [None, True]}},
        "dicts unknown": {"outer": {"inner": [None, Unknown()]}},
        "deep unknown": [[[[Unknown()]]]],
        "shared known": {"left": shared, "right": shared},
        "shared then unknown": {"left": shared, "right": [shared, Unknown()]},
        "cycle known": cyclic,
        "cycle unknown": cyclic_unknown,
        "tuple": ("a tuple", Unknown()),  # not a container to either: tuples are not searched
        "dict subclass": _Mapping(hidden="shown", plain=1),
    }


@pytest.mark.parametrize("case", sorted(_values()))
def test_the_replacement_answers_as_the_sdk_does(case):
    value = _values()[case]
    assert contains_unknowns(value) is rpc.contains_unknowns(value)


def test_the_replacement_leaves_no_cyclic_garbage_where_the_sdks_does():
    """Why the engine replaces it: the SDK's leaves a reference cycle per call. If it ever stops, drop the copy."""
    value = {"outer": [{"inner": "x"}, [1, 2, 3]]}
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(100):
            rpc.contains_unknowns(value)
        sdk_garbage = gc.collect()
        for _ in range(100):
            contains_unknowns(value)
        own_garbage = gc.collect()
    finally:
        if was_enabled:
            gc.enable()
    assert sdk_garbage >= 100
    assert own_garbage == 0


def test_the_replacement_is_in_place_only_while_the_program_runs(write_program):
    program = write_program(
        """
        import pulumi
        from pulumi.runtime import rpc
        pulumi.export("function", f"{rpc.contains_unknowns.__module__}.{rpc.contains_unknowns.__qualname__}")
        """
    )
    original = rpc.contains_unknowns
    assert run_preview(program, "dev").outputs == {"function": "offline.sdk_internals.contains_unknowns"}
    assert rpc.contains_unknowns is original
