"""Pure functions over values that may be Pulumi Outputs: plain in tests, Outputs in the program."""

from __future__ import annotations

from collections.abc import Callable

import pulumi


def applied(value: pulumi.Input[str], function: Callable[[str], str]) -> pulumi.Input[str]:
    """`function(value)` for a plain string, else the Output of applying it: one code path for both."""
    if isinstance(value, str):
        return function(value)
    return pulumi.Output.all(value).apply(lambda values: function(values[0]))
