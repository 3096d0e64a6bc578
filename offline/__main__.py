"""python -m offline preview --stack NAME [--cwd DIR] [--preview] [--json FILE] [--policy-pack DIR | --no-policy]
[--policy-pack-config FILE] [--debug]
python -m offline REPORT --stack dev --stack prod [--cwd DIR] [--preview] [--json FILE]

REPORT is one the project declares in its pyproject.toml ([tool.offline.reports], see offline/reports.py), e.g.
`cost`. Exit codes: 0 success, 1 a mandatory policy violation, 2 a config or program error.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from .engine import run_preview
from .errors import OfflineError
from .render import render
from .reports import BUILTIN_COMMANDS, load_reports


def _preview_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m offline preview", description="Offline Pulumi preview under mocks."
    )
    parser.add_argument("--stack", required=True, help="stack name (reads Pulumi.<stack>.yaml)")
    parser.add_argument("--cwd", default=".", help="project directory holding Pulumi.yaml (default: .)")
    parser.add_argument(
        "--preview",
        action="store_true",
        help="simulate a first `pulumi preview`: provider-computed outputs stay unknown",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the result as JSON to FILE ('-' for stdout)")
    packs = parser.add_mutually_exclusive_group()
    packs.add_argument("--policy-pack", metavar="DIR", help="CrossGuard pack to run (default: <cwd>/policies)")
    packs.add_argument("--no-policy", action="store_true", help="do not run any policy pack")
    parser.add_argument(
        "--policy-pack-config",
        metavar="FILE",
        help="policy config JSON (default: <pack>/config/<stack>.json when present)",
    )
    parser.add_argument("--debug", action="store_true", help="print tracebacks for errors")
    return parser


def _report_parser(name: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"python -m offline {name}", description=f"Compare the {name} report of stacks."
    )
    parser.add_argument("--stack", action="append", required=True, help="stack to report on (repeat to compare)")
    parser.add_argument("--cwd", default=".", help="project directory holding Pulumi.yaml (default: .)")
    parser.add_argument("--preview", action="store_true", help="as on a first `pulumi preview` (unknown outputs)")
    parser.add_argument("--json", metavar="FILE", help="also write {stack: report} as JSON to FILE ('-' for stdout)")
    parser.add_argument("--debug", action="store_true", help="print tracebacks for errors")
    return parser


def _cwd(argv: list[str]) -> str:
    """The --cwd of a command line, before it is parsed (the project's reports decide which commands exist)."""
    for index, arg in enumerate(argv):
        if arg == "--cwd" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--cwd="):
            return arg.split("=", 1)[1]
    return "."


def _write(path: str | None, document: str) -> None:
    if path == "-":
        print(document)
    elif path:
        Path(path).write_text(document + "\n", encoding="utf-8")


def _preview(args: argparse.Namespace) -> int:
    policy_pack: str | bool = False if args.no_policy else (args.policy_pack or True)
    result = run_preview(
        args.cwd, args.stack, preview=args.preview, policy_pack=policy_pack, policy_config=args.policy_pack_config
    )
    document = json.dumps(result.to_json(), indent=2, sort_keys=False)
    if args.json == "-":
        print(document)
    else:
        print(render(result))
        reports = {report.spec.name: report for report in load_reports(args.cwd)}
        for name, built in result.reports.items():
            print()
            print(reports[name].render(built))
        _write(args.json, document)
    return 1 if result.mandatory_violations else 0


def _compare(name: str, args: argparse.Namespace) -> int:
    report = next(r for r in load_reports(args.cwd) if r.spec.name == name)
    built = {
        stack: run_preview(args.cwd, stack, preview=args.preview, policy_pack=False).reports[name]
        for stack in args.stack
    }
    print(report.compare(built))
    if args.json:
        _write(args.json, json.dumps({stack: item.to_json() for stack, item in built.items()}, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        known = [*BUILTIN_COMMANDS, *(r.spec.name for r in load_reports(_cwd(argv)))]
        if not argv or argv[0] not in known:
            given = f"'{argv[0]}' is not a command; " if argv and not argv[0].startswith("-") else ""
            print(
                f"usage: python -m offline {{{','.join(known)}}} ...\nerror: {given}choose one of {', '.join(known)}",
                file=sys.stderr,
            )
            return 2
        command, rest = argv[0], argv[1:]
        if command == "preview":
            return _preview(_preview_parser().parse_args(rest))
        return _compare(command, _report_parser(command).parse_args(rest))
    except OfflineError as exc:
        if debug:
            traceback.print_exception(exc)
        print(f"error: {exc}", file=sys.stderr)
        if exc.has_traceback and not debug:
            print("(run with --debug for the traceback)", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
