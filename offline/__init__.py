"""Offline preview engine: run a Pulumi Python program in-process and show what `pulumi up` would create.

Neither the Pulumi CLI nor Azure is available to tests, CI or an evaluator, so this package plays the engine:

* ``project``     reads ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` like the CLI (namespaces, structured values,
                  typed declarations, defaults, ``secure:`` values as secret placeholders).
* ``engine``      runs the program's ``__main__.py`` like the Python language host does (``run_in_stack`` on a fresh
                  event loop, config via ``set_all_config`` and the ``PULUMI_CONFIG`` environment), in a copied
                  ``contextvars`` context and with its own modules (``modules``), so it can run many times in one
                  process.
* ``monitor``     a ``MockMonitor`` subclass that records every registration with its options, parent, provider,
                  secret and unknown property paths; components and the stack are recorded but never mocked.
* ``azure_mocks`` answers registrations and invokes like Azure (ARM ids, GUIDs, endpoints, kubeconfigs), with real
                  random values for pulumi-random; in preview mode the monitor returns inputs only, so
                  provider-computed outputs stay unknown as on a first ``pulumi preview``.
* ``policy``      runs a CrossGuard Python pack in-process with the analyzer's arguments and the CLI's config rules.
* ``render`` and ``__main__``: the ``python -m offline preview`` command (text tree, ``--json``, exit codes).
* ``sdk_internals`` lists where the engine relies on the SDKs' private internals and the versions it was verified
                  with (a test pins them); nothing outside ``offline/`` uses them.

Everything a test needs is ``run_preview``; the CLI is a thin wrapper around it.
"""

from .engine import PreviewResult, run_preview
from .errors import OfflineError, UnansweredInvoke
from .monitor import ResourceRecord
from .result import Violation
from .values import UNKNOWN

__all__ = [
    "UNKNOWN",
    "OfflineError",
    "PreviewResult",
    "ResourceRecord",
    "UnansweredInvoke",
    "Violation",
    "run_preview",
]
