"""Import isolation for programs and policy packs run in this process.

Different programs (the project, fixture programs in tests) may have top-level modules of the same name
(``components``, ``policies``...). While one runs, its directory is first on ``sys.path`` and same-named modules
loaded from elsewhere are set aside; afterwards every module loaded from its directory is purged and the others
come back, so the next run imports its own code.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType


def _is_under(module: ModuleType, directory: str) -> bool:
    """Whether the module was loaded from ``directory`` (a resolved path; modules imported from it carry it)."""
    prefix = directory + os.sep
    files = [getattr(module, "__file__", None), *list(getattr(module, "__path__", None) or [])]
    return any(isinstance(f, str) and f.startswith(prefix) for f in files)


def _local_top_level_names(directory: Path) -> set[str]:
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
    local = _local_top_level_names(directory)
    set_aside = {
        name: module
        for name, module in list(sys.modules.items())
        if name.split(".")[0] in local and module is not None and not _is_under(module, str(directory))
    }
    for name in set_aside:
        del sys.modules[name]
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
        for name, module in list(sys.modules.items()):
            if module is not None and _is_under(module, str(directory)):
                del sys.modules[name]
        sys.modules.update(set_aside)
