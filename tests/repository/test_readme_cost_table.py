"""README's cost table is the cost report's, written by scripts/readme_cost_table.py."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support import ROOT

from reports.cost import README_END, README_START, markdown, replace_readme_table


def test_readme_shows_the_cost_report_of_both_stacks(project_preview):
    results = {stack: project_preview(stack).reports["cost"] for stack in ("dev", "prod")}
    readme = (ROOT / "README.md").read_text()
    assert replace_readme_table(readme, markdown(results)) == readme, (
        "README.md's cost table is stale: run python scripts/readme_cost_table.py"
    )
    for stack, cost in results.items():
        row = next(line for line in readme.splitlines() if line.startswith(f"| {stack} |"))
        assert f"{cost.idle_monthly:,.2f} USD" in row and f"{cost.concurrent_tasks} of" in row


def test_the_script_checks_readme_and_names_what_to_run():
    done = subprocess.run(
        [sys.executable, "scripts/readme_cost_table.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_a_readme_without_the_markers_is_refused_by_name():
    with pytest.raises(ValueError, match="no cost table between"):
        replace_readme_table("# README\n", "table")
    assert replace_readme_table(f"a\n{README_START}\nold\n{README_END}\nb", "new") == "a\nnew\nb"
