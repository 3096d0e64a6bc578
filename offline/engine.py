"""run_preview: load a project's config, run its program under the recording mocks, then its policy pack."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import json
import logging
import os
import runpy
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, ClassVar

import pulumi
from google.protobuf import empty_pb2
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.mocks import MockEngine
from pulumi.runtime.stack import run_in_stack

from .azure_mocks import AzureMocks
from .errors import OfflineError, UnansweredInvoke
from .modules import local_top_level_names, program_imports
from .monitor import RecordingMonitor
from .project import Project, load_project, load_stack_config
from .reports import load_reports
from .result import PreviewResult
from .sdk_internals import acyclic_contains_unknowns


class _InlineExecutor(ThreadPoolExecutor):
    """Runs the SDK's monitor calls on the event loop's thread: mocks answer instantly, so threads only cost time.

    (asyncio insists on a ThreadPoolExecutor; this one never starts a thread.)
    """

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


def _log_unretrieved(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Log an exception no one retrieved (a future of a failed run, say) as one line, without its traceback.

    asyncio's default handler formats the traceback when the garbage collector frees the future, which may be in the
    middle of any later code. On Python 3.11 (before 3.11.8) that formatting runs `ast.parse`, and inside another
    `ast.parse` it corrupts the interpreter's AST state: "SystemError: AST constructor recursion depth mismatch"
    (CPython gh-106905), seen in a test that parsed source files after a failed preview.
    """
    logging.getLogger("offline.program").warning("%s: %r", context.get("message"), context.get("exception"))


@contextmanager
def _language_host_environment(config: dict[str, str], secret_keys: set[str]) -> Iterator[None]:
    """The environment the Python language host gives a program: all of its config as ``PULUMI_CONFIG`` (a JSON object
    of "namespace:key" to text) and the secret keys as ``PULUMI_CONFIG_SECRET_KEYS`` (a JSON array), as
    pulumi/pulumi's sdk/python/cmd/pulumi-language-python (Run) sets them for the program's process. A program may
    list its keys from it; afterwards the caller's environment is as it was."""
    values = {"PULUMI_CONFIG": json.dumps(config), "PULUMI_CONFIG_SECRET_KEYS": json.dumps(sorted(secret_keys))}
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _run_main(main: Path) -> None:
    """Run the program's entry point as `__main__`, like `python __main__.py` (its globals are not needed)."""
    runpy.run_path(str(main), run_name="__main__")


def _run_program(
    project: Project,
    stack: str,
    preview: bool,
    config: dict[str, str],
    secret_keys: set[str],
    monitor: RecordingMonitor,
) -> None:
    """Run the program like the Python language host: fresh runtime settings, config and event loop."""
    pulumi_settings.reset_options(
        project=project.name,
        stack=stack,
        root_directory=str(project.directory),
        preview=preview,
        organization="organization",
    )
    pulumi_settings.SETTINGS.monitor = monitor
    pulumi_settings.SETTINGS.engine = MockEngine(logging.getLogger("offline.program"))
    pulumi_settings.SETTINGS.monitor_features = set(monitor.GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures)
    set_all_config(config, sorted(secret_keys))  # as the exec shim does with what the language host hands it
    main = project.main / "__main__.py" if project.main.is_dir() else project.main

    loop = asyncio.new_event_loop()
    loop.set_default_executor(_InlineExecutor())
    loop.set_exception_handler(_log_unretrieved)
    try:
        with _language_host_environment(config, secret_keys), acyclic_contains_unknowns():
            loop.run_until_complete(run_in_stack(lambda: _run_main(main)))
    finally:
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()


class _CollectorPause:
    """Keeps the cyclic garbage collector off the program run, and off what a first run leaves, until it is over.

    The SDK allocates millions of short-lived objects (outputs, futures, alias URNs); cyclic collection while the
    program ran took about 45% of a 100-resource run, so it is off until the program is done. A run that imported
    its libraries (the first in a process) then leaves several hundred thousand objects behind (about 450k for prod:
    the SDK's modules and classes, long-lived, and the run's garbage); when collection simply resumed, the reports'
    and the policy run's allocations made the collector walk all of them up to three times (young, middle, then old
    generation), a quarter of the whole preview, only to keep the modules. So after such a run they are frozen
    (``gc.freeze``, constant time) while reports and policies run, and unfrozen into the oldest generation on the
    way out. Their garbage is reclaimed by one full collection when the next run starts, or by the one the
    interpreter makes on exit anyway: at most one run's garbage waits. A later run imports nothing new and leaves
    mostly garbage, which one young collection reclaims as soon as collection resumes. A caller that froze objects
    itself keeps them frozen, and the run's objects are then left to the collector as they come.
    """

    _garbage_waits: ClassVar[bool] = False

    def __init__(self, program_names: set[str]) -> None:
        self.program_names = program_names  # top-level names of the program's own modules, re-imported every run

    def __enter__(self) -> _CollectorPause:
        if _CollectorPause._garbage_waits:
            _CollectorPause._garbage_waits = False
            gc.collect()
        self.libraries_before = self._libraries()
        self.was_enabled = gc.isenabled()
        self.frozen = False
        gc.disable()
        return self

    def _libraries(self) -> set[str]:
        return {name for name in sys.modules if "." not in name and name not in self.program_names}

    def program_done(self) -> None:
        if gc.get_freeze_count() == 0 and self._libraries() - self.libraries_before:
            gc.freeze()
            self.frozen = True
        if self.was_enabled:
            gc.enable()

    def __exit__(self, *exc_info: object) -> None:
        if self.frozen:
            gc.unfreeze()
            _CollectorPause._garbage_waits = True
        if self.was_enabled:
            gc.enable()


def _program_error(exc: BaseException, monitor: RecordingMonitor) -> OfflineError:
    if monitor.unanswered_invokes:
        return UnansweredInvoke(monitor.unanswered_invokes[0])
    if isinstance(exc, OfflineError):
        return exc
    if isinstance(exc, pulumi.RunError):
        return OfflineError(str(exc))
    return OfflineError(f"{type(exc).__name__}: {exc}", has_traceback=True)


def run_preview(
    cwd: str | Path,
    stack: str,
    *,
    preview: bool = False,
    config: Mapping[str, object] | None = None,
    secret_config: Mapping[str, object] | None = None,
    policy_pack: str | Path | bool | None = True,
    policy_config: dict | str | Path | None = None,
    reports: bool = True,
    random_seed: str | None = None,
) -> PreviewResult:
    """Run the Pulumi program in ``cwd`` for ``stack`` offline and return what `pulumi up` would create.

    Raises ``OfflineError`` (exit code 2) for config and program errors; mandatory policy violations are returned
    in ``result.violations``, not raised. ``reports`` builds the reports the project declares (``result.reports``,
    see ``offline.reports``). ``random_seed`` makes
    pulumi-random's draws the same on every run (for comparing plans); by default they are truly random.
    """
    started = time.perf_counter()
    project = load_project(cwd)
    stack_config = load_stack_config(project, stack, dict(config or {}), dict(secret_config or {}))
    loaded = time.perf_counter()

    mocks = AzureMocks(
        project.name, stack, location=_location(stack_config.values, project.name), random_seed=random_seed
    )
    monitor = RecordingMonitor(mocks, preview=preview)
    context = contextvars.copy_context()  # keep the SDK's runtime state out of the caller's context
    program_names = local_top_level_names(project.directory)
    if project.main.is_dir():
        program_names |= local_top_level_names(project.main)
    with _CollectorPause(program_names) as collector:
        try:
            with ExitStack() as imports:
                imports.enter_context(program_imports(project.directory, chdir=True))
                if project.main != project.directory and project.main.is_dir():
                    imports.enter_context(program_imports(project.main))  # `main: src/` puts src/ on sys.path too
                context.run(
                    _run_program, project, stack, preview, stack_config.values, stack_config.secret_keys, monitor
                )
                collector.program_done()
                # While the program's modules are still imported, so a report shares them instead of importing again.
                declared = load_reports(project.directory) if reports else []
        except (Exception, SystemExit) as exc:
            raise _program_error(exc, monitor) from exc
        if monitor.unanswered_invokes:
            raise UnansweredInvoke(monitor.unanswered_invokes[0])
        ran = time.perf_counter()

        result = PreviewResult(
            project=project.name,
            stack=stack,
            mode="preview" if preview else "up",
            resources=list(monitor.records),
            outputs=dict(monitor.stack_outputs),
            secret_outputs=set(monitor.stack_output_secrets),
            config=dict(stack_config.values),
            notes=list(monitor.notes),
        )
        result.reports = {report.spec.name: report.build(result) for report in declared}
        _apply_policy(result, project, stack, policy_pack, policy_config)
    finished = time.perf_counter()
    result.timing = {
        "load": round(loaded - started, 4),
        "program": round(ran - loaded, 4),
        "policy": round(finished - ran, 4),
        "total": round(finished - started, 4),
    }
    return result


def _location(config: dict[str, str], project: str) -> str:
    """Azure region the mocks answer for: the program's or azure-native's configured location."""
    for key in (f"{project}:location", "azure-native:location"):
        if config.get(key):
            return config[key]
    return "westeurope"


def _apply_policy(
    result: PreviewResult,
    project: Project,
    stack: str,
    policy_pack: str | Path | bool | None,
    policy_config: dict | str | Path | None,
) -> None:
    if policy_pack is False or policy_pack is None:
        result.policy_note = "policy checks skipped"
        return
    if policy_pack is True:
        directory = project.directory / "policies"
        if not (directory / "__main__.py").is_file():
            result.policy_note = f"no policy pack found (looked for {directory})"
            return
    else:
        directory = Path(policy_pack)
        if not directory.is_absolute():
            directory = (Path.cwd() / directory).resolve()
        if not directory.is_dir():
            raise OfflineError(f"policy pack directory {directory} does not exist")
    if policy_config is None and (directory / "config" / f"{stack}.json").is_file():
        policy_config = directory / "config" / f"{stack}.json"
    from .policy import PolicyRunner, load_pack, read_policy_config  # pulumi_policy and jsonschema: only when used

    pack = load_pack(directory)
    runner = PolicyRunner(pack, read_policy_config(policy_config), result.resources)
    result.violations = runner.run()
    result.policy_pack = pack.name


__all__ = ["PreviewResult", "run_preview"]
