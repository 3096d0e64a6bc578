"""Assemble the policy pack that `pulumi policy publish` archives: policies/ plus the pure packages it imports.

`pulumi policy publish <dir>` archives only <dir>. The pack's rules, role table and capability table live in
policies/; the idle-cost policy also prices resources with the project's cost model (`costing`), which reads VM
shapes from `facts`. Both are pure (no Pulumi, no project code outside them; a test checks it) and need only the
standard library and PyYAML, which the pack's own venv installs (policies/requirements.txt: `costing.schedule` reads
the dev schedule from a workflow file), so this copies them beside `airflow_aks_policies` and the assembled folder
runs alone:

    python scripts/assemble_policy_pack.py build/policy-pack      # or: make policy-pack
    pulumi policy publish build/policy-pack
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "policies"
VENDORED = ("costing", "facts")
"""Project packages the pack imports; each may import only the standard library, these and what
policies/requirements.txt installs (PyYAML)."""
IGNORED = shutil.ignore_patterns("venv", "__pycache__", "*.pyc")


def assemble(destination: Path) -> Path:
    """Write the publishable pack to `destination` (replaced if it exists) and return it."""
    destination = destination.resolve()
    if destination == PACK or PACK in destination.parents:
        raise ValueError(f"{destination} is inside policies/: assemble the pack somewhere else")
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(PACK, destination, ignore=IGNORED)
    for package in VENDORED:
        shutil.copytree(ROOT / package, destination / package, ignore=IGNORED)
    return destination


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("destination", type=Path, help="folder to write the pack to (replaced)")
    args = parser.parse_args(argv)
    try:
        print(assemble(args.destination))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
