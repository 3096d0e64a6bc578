"""python -m offline preview --stack NAME [--cwd DIR] [--preview] [--json FILE] [--policy-pack DIR | --no-policy]
[--policy-pack-config FILE] [--debug]

Exit codes: 0 success, 1 a mandatory policy violation, 2 a config or program error.
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m offline", description="Offline Pulumi preview under mocks.")
    commands = parser.add_subparsers(dest="command", required=True)
    preview = commands.add_parser("preview", help="show what `pulumi up` would create for a stack")
    preview.add_argument("--stack", required=True, help="stack name (reads Pulumi.<stack>.yaml)")
    preview.add_argument("--cwd", default=".", help="project directory holding Pulumi.yaml (default: .)")
    preview.add_argument("--preview", action="store_true",
                         help="simulate a first `pulumi preview`: provider-computed outputs stay unknown")
    preview.add_argument("--json", metavar="FILE", help="also write the result as JSON to FILE ('-' for stdout)")
    packs = preview.add_mutually_exclusive_group()
    packs.add_argument("--policy-pack", metavar="DIR", help="CrossGuard pack to run (default: <cwd>/policies)")
    packs.add_argument("--no-policy", action="store_true", help="do not run any policy pack")
    preview.add_argument("--policy-pack-config", metavar="FILE",
                         help="policy config JSON (default: <pack>/config/<stack>.json when present)")
    preview.add_argument("--debug", action="store_true", help="print tracebacks for errors")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    policy_pack: str | bool = False if args.no_policy else (args.policy_pack or True)
    try:
        result = run_preview(
            args.cwd,
            args.stack,
            preview=args.preview,
            policy_pack=policy_pack,
            policy_config=args.policy_pack_config,
        )
    except OfflineError as exc:
        if args.debug:
            traceback.print_exception(exc)
        print(f"error: {exc}", file=sys.stderr)
        if exc.has_traceback and not args.debug:
            print("(run with --debug for the traceback)", file=sys.stderr)
        return exc.exit_code
    document = json.dumps(result.to_json(), indent=2, sort_keys=False)
    if args.json == "-":
        print(document)
    else:
        print(render(result))
        if args.json:
            Path(args.json).write_text(document + "\n", encoding="utf-8")
    return 1 if result.mandatory_violations else 0


if __name__ == "__main__":
    sys.exit(main())
