"""Create or refresh `.venv-airflow`, the venv in which the DAGs in dags/ are imported and tested.

Airflow and Pulumi pin conflicting versions of grpcio and protobuf, so Airflow gets its own venv instead of a place
in requirements-dev.txt. Idempotent: it reinstalls only when dags/requirements-test.txt changed. Prints the venv's
python on success. Usage: `python scripts/airflow_venv.py` (about a minute the first time, instant after).
"""

from __future__ import annotations

import fcntl
import hashlib
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-airflow"
REQUIREMENTS = ROOT / "dags" / "requirements-test.txt"
STAMP = VENV / ".requirements-sha256"
LOCK = ROOT / ".venv-airflow.lock"


def venv_python() -> Path:
    return VENV / "bin" / "python"


def ensure() -> Path:
    """The venv's python, after creating the venv or installing changed requirements.

    Holds a file lock, so parallel test workers asking at once install once and never into a half-made venv.
    """
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if venv_python().exists() and STAMP.exists() and STAMP.read_text() == wanted:
            return venv_python()
        if not venv_python().exists():
            venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        subprocess.run(
            [str(venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(REQUIREMENTS)],
            check=True,
        )
        STAMP.write_text(wanted)
    return venv_python()


if __name__ == "__main__":
    try:
        print(ensure())
    except subprocess.CalledProcessError as exc:
        sys.exit(f"error: installing {REQUIREMENTS.name} into {VENV.name} failed (exit {exc.returncode})")
