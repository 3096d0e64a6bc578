"""The one error type the engine raises: a config or program problem, reported without a traceback."""

from __future__ import annotations


class OfflineError(Exception):
    """A config or program error. ``str(e)`` is the message for the user; ``exit_code`` is what the CLI returns."""

    def __init__(self, message: str, *, exit_code: int = 2, has_traceback: bool = False) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        # True when the message stands for an unexpected exception whose traceback --debug can show.
        self.has_traceback = has_traceback


class UnansweredInvoke(OfflineError):
    """The program called a provider function the mocks have no answer for."""

    def __init__(self, token: str) -> None:
        super().__init__(
            f"the offline engine has no answer for invoke '{token}'; add it to the invoke table in "
            "offline/azure_mocks.py"
        )
        self.token = token
