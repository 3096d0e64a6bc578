"""Write README's cost table from the cost report of every stack (`python -m offline cost --stack dev --stack prod`).

    python scripts/readme_cost_table.py           # rewrite the table in README.md
    python scripts/readme_cost_table.py --check   # exit 1 when README's table differs from the report

tests/repository/test_readme_cost_table.py fails when README disagrees with the report.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STACKS = ("dev", "prod")


def generated_readme() -> tuple[Path, str, str]:
    """README's path, its text, and its text with the table the report gives now."""
    sys.path.insert(0, str(ROOT))
    from offline import run_preview
    from reports.cost import markdown, replace_readme_table

    results = {stack: run_preview(ROOT, stack, policy_pack=False).reports["cost"] for stack in STACKS}
    readme = ROOT / "README.md"
    text = readme.read_text()
    return readme, text, replace_readme_table(text, markdown(results))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when README is stale")
    args = parser.parse_args(argv)
    try:
        readme, text, fresh = generated_readme()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if text == fresh:
        return 0
    if args.check:
        print("README.md's cost table is stale: run python scripts/readme_cost_table.py", file=sys.stderr)
        return 1
    readme.write_text(fresh)
    print(f"wrote the cost table in {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
