"""Pure functions over values that may be Pulumi Outputs: plain in tests, Outputs in the program."""

from __future__ import annotations

from collections.abc import Callable

import pulumi


def applied(value: pulumi.Input[str], function: Callable[[str], str]) -> pulumi.Input[str]:
    """`function(value)` for a plain string, else the Output of applying it: one code path for both."""
    return function(value) if isinstance(value, str) else pulumi.Output.from_input(value).apply(function)
