"""Where the engine depends on private internals of the Pulumi SDKs, and the versions it was verified with.

The engine plays the CLI, the Python language host and the policy analyzer in one process, which no public API
offers. Everything outside ``offline/`` uses the SDKs' public API only; inside, these are the private pieces, each
checked against the versions in ``VERIFIED_WITH`` (a test fails when another version is installed: re-check this
list, run tests/offline and tests/preview, then update it):

pulumi
  * ``pulumi.runtime.settings``: ``reset_options`` and ``SETTINGS.monitor`` / ``engine`` / ``monitor_features``
    (engine.py): the runtime set up in-process, as the exec shim's ``pulumi.runtime.configure`` does over gRPC.
  * ``pulumi.runtime.config.set_all_config`` and ``pulumi.runtime.stack.run_in_stack`` (engine.py): what the exec
    shim (sdk/python/cmd/pulumi-language-python-exec) calls to hand over config and run ``__main__``.
  * ``pulumi.runtime.mocks.MockMonitor`` (subclassed: ``make_urn``, ``resources``, ``ResourceRegistration``, its
    ``Invoke`` for ``pulumi:pulumi:getResource``) and ``MockEngine`` (monitor.py, engine.py); ``Mocks``,
    ``MockResourceArgs`` and ``MockCallArgs`` are the documented unit-testing API.
  * ``pulumi.runtime.proto.resource_pb2``: the resource monitor's request and response messages (monitor.py).
  * ``pulumi.runtime.rpc.contains_unknowns``, replaced while a program runs (``acyclic_contains_unknowns`` below).

pulumi_policy
  * ``pulumi_policy.PolicyPack`` (and ``pulumi_policy.policy.PolicyPack``) replaced by a recorder while the pack's
    ``__main__.py`` runs, ``pulumi_policy.policy._NotApplicableError``, ``pulumi_policy.deserialize
    .deserialize_properties`` and ``pulumi_policy.proxy.unknown_checking_proxy`` / ``UnknownValueError``
    (policy.py): the analyzer's own argument building, without its gRPC server.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pulumi.runtime import known_types, rpc

VERIFIED_WITH = {"pulumi": "3.272.0", "pulumi-policy": "1.21.0"}
"""Distribution -> the version the internals above were checked against."""


def contains_unknowns(val: Any) -> bool:
    """``pulumi.runtime.rpc.contains_unknowns`` without its garbage: whether an unknown is reachable from ``val``
    through dicts and lists, each container visited once.

    The SDK's version (pulumi 3.272, rpc.py) defines a recursive closure on every call, a function that refers to
    itself through its cell: a reference cycle that only the cyclic collector frees. A prod preview calls it about
    33,000 times (every Output checks its value), which left about 230,000 objects, two thirds of the run's garbage,
    for the collector to walk. This one answers the same for every value and leaves none.
    """
    seen: set[int] = set()
    pending = [val]
    while pending:
        item = pending.pop()
        if known_types.is_unknown(item):
            return True
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, dict):
            pending.extend(item[key] for key in item)
        elif isinstance(item, list):
            pending.extend(item)
    return False


@contextmanager
def acyclic_contains_unknowns() -> Iterator[None]:
    """While a program runs, the SDK checks Outputs with ``contains_unknowns`` above; afterwards its own is back.

    Every caller in the SDK looks the function up on the ``rpc`` module when it calls it (output.py, invoke.py and rpc
    itself), so replacing the module attribute reaches them all.
    """
    original = rpc.contains_unknowns
    rpc.contains_unknowns = contains_unknowns
    try:
        yield
    finally:
        rpc.contains_unknowns = original
