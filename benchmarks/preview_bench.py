"""Benchmark the offline preview against its floor: merely importing the SDK classes the program uses.

For every ``Pulumi.<stack>.yaml`` in ``--cwd`` (default: the project root) and both modes (up and preview), the
offline preview runs in a fresh interpreter; its wall time and peak memory are compared with a fresh interpreter
that only imports the engine's own libraries (the third-party packages ``offline/`` imports: pulumi, pulumi_policy,
yaml, ...) and the Pulumi SDK resource classes that same run registered (found from the recorded type tokens through
the SDKs' own resource-module registry). Preview and floor runs alternate, so both see the same
load on a shared machine; each figure is the best of ``--repeat`` runs. The CPU time (user + system) of the same
runs is shown beside the ratio: on a busy machine it varies less than the wall time.

    python benchmarks/preview_bench.py [--cwd DIR] [--stack NAME] [--repeat N] [--check]

``--check`` exits 1 when prod's wall-time ratio to the floor exceeds 1.5 (the project's target) in either mode.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import json
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.5


def _sdk_classes(types: set[str]) -> list[tuple[str, str]]:
    """(module, class) of each registered type, from the resource modules/packages the SDKs register."""
    from pulumi.runtime import rpc

    found = set()
    for modules in rpc._RESOURCE_MODULES.values():
        for module in modules:
            info = getattr(module, "mod_info", {})
            for token, class_name in info.get("classes", {}).items():
                if token in types:
                    found.add((info["fqn"], class_name))
    for packages in rpc._RESOURCE_PACKAGES.values():
        for package in packages:
            info = getattr(package, "pkg_info", {})
            if info.get("token") in types:
                found.add((info["fqn"], info["class"]))
    return sorted(found)


def _peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child_preview(cwd: str, stack: str, mode: str) -> None:
    sys.path.insert(0, str(ROOT))
    from offline import run_preview

    result = run_preview(cwd, stack, preview=mode == "preview")
    classes = _sdk_classes({r.type for r in result.resources})
    print(json.dumps({"peak_kib": _peak_kib(), "classes": classes, "resources": len(result.resources)}))


def engine_libraries() -> list[str]:
    """The third-party packages the offline engine itself imports (pulumi, pulumi_policy, yaml, ...), read from its
    source: every preview pays for them whatever the program is, so the floor does too."""
    names: set[str] = set()
    for source in (ROOT / "offline").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return sorted(name for name in names if name not in sys.stdlib_module_names and name != "offline")


def child_floor(classes_json: str) -> None:
    for library in engine_libraries():
        importlib.import_module(library)
    for module, class_name in json.loads(classes_json):
        getattr(importlib.import_module(module), class_name)
    print(json.dumps({"peak_kib": _peak_kib()}))


class ChildFailed(Exception):
    pass


@dataclass(frozen=True)
class Run:
    wall_s: float
    cpu_s: float
    report: dict


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(args: list[str]) -> Run:
    cpu_before = _children_cpu()
    started = time.perf_counter()
    run = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if run.returncode != 0:
        raise ChildFailed(run.stderr.strip().splitlines()[-1] if run.stderr.strip() else f"exit {run.returncode}")
    return Run(elapsed, _children_cpu() - cpu_before, json.loads(run.stdout.strip().splitlines()[-1]))


def _best_interleaved(cwd: Path, stack: str, mode: str, repeat: int) -> tuple[Run, Run, float]:
    """Best preview run, best floor run (by wall time) and the best CPU ratio, the two alternating."""
    first = _timed(["--child-preview", str(cwd), stack, mode])
    classes = json.dumps(first.report["classes"])
    previews, floors = [first], [_timed(["--child-floor", classes])]
    for _ in range(repeat - 1):
        previews.append(_timed(["--child-preview", str(cwd), stack, mode]))
        floors.append(_timed(["--child-floor", classes]))
    cpu_ratio = min(p.cpu_s for p in previews) / min(f.cpu_s for f in floors)
    return min(previews, key=lambda r: r.wall_s), min(floors, key=lambda r: r.wall_s), cpu_ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cwd", default=str(ROOT), help="project directory (default: the project root)")
    parser.add_argument("--stack", action="append", help="stack to measure (repeatable; default: every stack file)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best counts (default 3)")
    parser.add_argument("--check", action="store_true", help=f"exit 1 if prod's ratio exceeds {TARGET_RATIO}")
    parser.add_argument("--child-preview", nargs=3, metavar=("CWD", "STACK", "MODE"), help=argparse.SUPPRESS)
    parser.add_argument("--child-floor", metavar="CLASSES", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.child_preview:
        child_preview(*args.child_preview)
        return 0
    if args.child_floor is not None:
        child_floor(args.child_floor)
        return 0

    cwd = Path(args.cwd).resolve()
    stacks = args.stack or sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in cwd.glob("Pulumi.*.yaml"))
    if not stacks:
        print(f"no Pulumi.<stack>.yaml in {cwd}", file=sys.stderr)
        return 2
    header = (
        f"{'stack':<10} {'mode':<8} {'resources':>9} {'preview s':>10} {'floor s':>8} {'ratio':>6} "
        f"{'cpu ratio':>9} {'preview MiB':>12} {'floor MiB':>10}"
    )
    print(header)
    print("-" * len(header))
    worst: dict[str, float] = {}
    failed = False
    for stack in stacks:
        for mode in ("up", "preview"):
            try:
                preview, floor, cpu_ratio = _best_interleaved(cwd, stack, mode, args.repeat)
            except ChildFailed as exc:
                print(f"{stack:<10} {mode:<8} failed: {exc}")
                failed = True
                continue
            ratio = preview.wall_s / floor.wall_s
            worst[stack] = max(worst.get(stack, 0.0), ratio)
            print(
                f"{stack:<10} {mode:<8} {preview.report['resources']:>9} {preview.wall_s:>10.2f} "
                f"{floor.wall_s:>8.2f} {ratio:>6.2f} {cpu_ratio:>9.2f} {preview.report['peak_kib'] / 1024:>12.1f} "
                f"{floor.report['peak_kib'] / 1024:>10.1f}"
            )
    if args.check:
        if "prod" not in worst:
            print("--check: no prod stack found", file=sys.stderr)
            return 1
        if worst["prod"] > TARGET_RATIO:
            print(f"--check: prod ratio {worst['prod']:.2f} exceeds {TARGET_RATIO}", file=sys.stderr)
            return 1
        print(f"--check: prod ratio {worst['prod']:.2f} within {TARGET_RATIO}")
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
