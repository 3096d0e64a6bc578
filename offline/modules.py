"""Import isolation for programs and policy packs run in this process.

Different programs (the project, fixture programs in tests) may have top-level modules of the same name
(``components``, ``policies``...). While one runs, its directory is first on ``sys.path`` and same-named modules
loaded from elsewhere are set aside; afterwards every module the run loaded from its directory is purged and the
others come back, so the next run imports its own code.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType


def _nested_roots(directory: str) -> tuple[str, ...]:
    """Import roots inside the program directory that are not the program: its virtualenv, above all.

    A project keeps `.venv` beside `__main__.py` (Pulumi's default layout), so every third-party module also lives
    under the program directory; those must never be set aside or purged.
    """
    prefix = directory + os.sep
    roots = {os.path.realpath(p) for p in (*sys.path, sys.prefix, sys.exec_prefix) if p}
    roots |= {os.path.abspath(p) for p in (*sys.path, sys.prefix, sys.exec_prefix) if p}
    return tuple(root + os.sep for root in roots if root.startswith(prefix))


def _program_module_test(directory: str) -> Callable[[ModuleType], bool]:
    """Whether a module is the program's own code, loaded from ``directory`` (a resolved path).

    The import roots nested in it are resolved once per test, not once per module: a first run imports over a
    thousand modules.
    """
    prefix = directory + os.sep
    excluded = _nested_roots(directory)

    def is_program_module(module: ModuleType) -> bool:
        try:
            files = [getattr(module, "__file__", None), *list(getattr(module, "__path__", None) or [])]
        except (KeyError, TypeError):  # a namespace package whose parent is gone: not the program's
            return False
        return any(isinstance(f, str) and f.startswith(prefix) and not f.startswith(excluded) for f in files)

    return is_program_module


def local_top_level_names(directory: Path) -> set[str]:
    """The names a program's own top-level modules and packages import as."""
    names = set()
    for entry in directory.iterdir():
        if entry.suffix == ".py":
            names.add(entry.stem)
        elif entry.is_dir() and entry.name.isidentifier():
            names.add(entry.name)
    return names


@contextmanager
def program_imports(directory: Path, *, chdir: bool = False) -> Iterator[None]:
    """Run code from ``directory`` with its own modules; leave ``sys.modules`` and ``sys.path`` as they were."""
    directory = directory.resolve()
    local = local_top_level_names(directory)
    is_program_module = _program_module_test(str(directory))
    set_aside = {
        name: module
        for name, module in list(sys.modules.items())
        if name.split(".")[0] in local and module is not None and not is_program_module(module)
    }
    for name in set_aside:
        del sys.modules[name]
    loaded_before = set(sys.modules)
    sys.path.insert(0, str(directory))
    importlib.invalidate_caches()
    previous_cwd = os.getcwd()
    if chdir:
        os.chdir(directory)
    try:
        yield
    finally:
        if chdir:
            os.chdir(previous_cwd)
        if str(directory) in sys.path:
            sys.path.remove(str(directory))
        # Only what this run imported: modules the caller had already imported (a test's own `components` import,
        # or this engine when it lives inside the project it previews) must keep their identity.
        is_program_module = _program_module_test(str(directory))
        for name, module in list(sys.modules.items()):
            if name not in loaded_before and module is not None and is_program_module(module):
                del sys.modules[name]
        sys.modules.update(set_aside)
