"""The DagBag import test: every DAG file in a folder imports with the image's Python packages, and there is a DAG.

Run inside the built image by .github/workflows/airflow-image.yml before anything is pushed:

    python /opt/airflow/check_dags.py /opt/airflow/dags

Exit 1 with each file's import error (a missing dependency shows up here, not in a task at 3 a.m.).
"""

from __future__ import annotations

import sys


def main(folder: str) -> int:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=folder)
    for path, error in sorted(bag.import_errors.items()):
        print(f"import error in {path}:\n{error}", file=sys.stderr)
    if bag.import_errors:
        return 1
    if not bag.dags:
        print(f"no DAG found in {folder}", file=sys.stderr)
        return 1
    print(f"{len(bag.dags)} DAG(s) import cleanly: {', '.join(sorted(bag.dags))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/opt/airflow/dags"))
