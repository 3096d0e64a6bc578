"""Create or refresh `.venv-airflow`: the Python and the packages of the `apache/airflow` image the chart deploys.

Everything that checks what Airflow reads (the DAGs in dags/, the rendered airflow.cfg, the pods' environment) runs
in this venv, so it must hold what the image holds: the image's Python (IMAGE_PYTHON) and the versions Airflow's
published constraints for that release pin. Those constraints (`constraints-<version>` branch of apache/airflow) are
generated when the release candidate is cut (and sometimes refreshed up to the final release), from the newest
packages on the index then; they cannot be downloaded here, so `lock` reproduces them by resolving with an
upload-date cutoff at that moment (`uv pip compile --exclude-newer`), the Airflow distributions themselves cut off
at the final release. The result is committed as
dags/requirements-test.txt (hashes included) and `ensure` installs exactly that (`uv pip sync`).

Airflow and Pulumi pin conflicting versions of grpcio and protobuf, so Airflow gets its own venv instead of a place
in requirements-dev.txt.

The release deployed before the current one (PREVIOUS_RELEASE) gets a venv of its own, `.venv-airflow-<version>`,
synced the same way from the lock that release shipped with, frozen in tests/upgrade/: CI upgrades a metadata
database that release created to the current one (tests/upgrade/test_upgrade_rehearsal.py).

Usage (from the repository root, with .venv's python, which has uv and the project's config package):
  python scripts/airflow_venv.py            create/refresh the venv, print its python (a minute the first time)
  python scripts/airflow_venv.py previous   the same for the previous release's venv
  python scripts/airflow_venv.py lock       re-resolve dags/requirements-test.txt (needs the package index)
"""

from __future__ import annotations

import fcntl
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-airflow"
REQUIREMENTS = ROOT / "dags" / "requirements-test.txt"
STAMP_NAME = ".requirements-sha256"

IMAGE_PYTHON = "3.12"
"""The default Python of the official apache/airflow 3.x images (`apache/airflow:<version>` = `-python3.12`)."""

IMAGE_EXTRAS = (
    "async",
    "celery",
    "cncf-kubernetes",
    "common-io",
    "elasticsearch",
    "fab",
    "git",
    "http",
    "microsoft-azure",
    "postgres",
    "statsd",
)
"""The extras of the official image (its AIRFLOW_EXTRAS) that this platform's config touches: executor, auth manager,
git DAG bundle, Azure logging and secrets, the PostgreSQL metadata database (psycopg2 and asyncpg), statsd metrics,
and the celery and elasticsearch providers whose sections the chart's default airflow.cfg carries. Adding one of the
image's other extras changes no pin above (the resolution is the newest release at the cutoff either way)."""


@dataclass(frozen=True)
class Release:
    constraints_cutoff: str
    """When the release's constraints were generated (its first release candidate reached the index, or later where
    the published constraints show a refresh)."""
    release_cutoff: str
    """Just after the final release reached the index: the cutoff for Airflow's own distributions."""


RELEASES = {
    # 3.1.8rc1 reached the index on 2026-03-06 (before noon UTC), 3.1.8 on 2026-03-11. Cross-checked against pins
    # of constraints-3.1.8/constraints-3.12.txt quoted in public notes: alembic 1.18.4, structlog 25.5.0,
    # pydantic 2.12.5, sqlalchemy 2.0.48, fastapi 0.117.1 all match this resolution.
    "3.1.8": Release(constraints_cutoff="2026-03-06T12:00:00Z", release_cutoff="2026-03-12T00:00:00Z"),
    # Upload times from the index's JSON simple API (PEP 691/700 `upload-time`, fetched 2026-12-07): 3.3.2rc1 of
    # apache-airflow, -core and task-sdk 1.3.2rc1 at 2026-09-13T15:06Z; the finals 3.3.2 and task-sdk 1.3.2 at
    # 2026-09-17T08:38:26-08:40:19Z; the next release (3.4.0b1) on 2026-10-13. Unlike 3.1.8's, constraints-3.3.2
    # was refreshed after the rc: it pins apache-airflow-providers-common-messaging 2.1.0 (quoted in public notes),
    # uploaded 2026-09-14T14:47Z with that day's provider wave, and not 2.1.1 (2026-09-29). So the cutoff is the
    # final's cut, just before its first upload (tests/repository/test_image_pins.py checks the window).
    "3.3.2": Release(constraints_cutoff="2026-09-17T08:38:00Z", release_cutoff="2026-09-18T00:00:00Z"),
}
AIRFLOW_DISTRIBUTIONS = ("apache-airflow", "apache-airflow-core", "apache-airflow-task-sdk")

PREVIOUS_RELEASE = "3.1.8"
"""The Airflow release deployed stacks run before an upgrade to the current default: CI rehearses the metadata
database's upgrade from it. A version bump sets it to the outgoing version and freezes that version's lock
(docs/runbooks/upgrades.md); everything else about the previous release derives from it."""


def previous_requirements() -> Path:
    """The previous release's lock, frozen as it was when that release was the default (hashes included)."""
    return ROOT / "tests" / "upgrade" / f"airflow-{PREVIOUS_RELEASE}-requirements.txt"


def previous_venv() -> Path:
    return ROOT / f".venv-airflow-{PREVIOUS_RELEASE}"


def image_airflow_version() -> str:
    """The Airflow version the chart values deploy (facts/airflow_release.py): the one source of truth."""
    sys.path.insert(0, str(ROOT))
    from facts.airflow_release import AIRFLOW_VERSION

    return AIRFLOW_VERSION


def venv_python(venv: Path = VENV) -> Path:
    return venv / "bin" / "python"


def image_python() -> str:
    """An interpreter of the image's Python minor version: $AIRFLOW_VENV_PYTHON, python3.X on PATH, or pyenv's."""
    explicit = os.environ.get("AIRFLOW_VENV_PYTHON")
    candidates = [explicit] if explicit else []
    candidates += [shutil.which(f"python{IMAGE_PYTHON}") or ""]
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates += sorted(glob.glob(f"{pyenv_root}/versions/{IMAGE_PYTHON}.*/bin/python{IMAGE_PYTHON}"), reverse=True)
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True
        )
        if probe.returncode == 0 and probe.stdout.strip() == IMAGE_PYTHON:
            return candidate
    raise RuntimeError(
        f"no Python {IMAGE_PYTHON} found (the image's Python); install one or set AIRFLOW_VENV_PYTHON to its path"
    )


def uv() -> str:
    """uv from the running interpreter's environment (requirements-dev.txt installs it into .venv) or PATH."""
    beside = Path(sys.executable).parent / "uv"
    found = str(beside) if beside.exists() else shutil.which("uv")
    if not found:
        raise RuntimeError("uv is missing: run `make .venv/.installed` (requirements-dev.txt installs it)")
    return found


def compile_command(version: str) -> list[str]:
    """The `uv pip compile` that reproduces the release's constraints for the image's Python and platform."""
    if version not in RELEASES:
        raise RuntimeError(
            f"no constraints cutoff recorded for Airflow {version}: add it to RELEASES in scripts/airflow_venv.py"
        )
    release = RELEASES[version]
    command = [
        uv(),
        "pip",
        "compile",
        "-",
        "--quiet",
        "--generate-hashes",
        "--no-header",
        "--python-version",
        IMAGE_PYTHON,
        "--python-platform",
        "x86_64-manylinux_2_28",
        "--exclude-newer",
        release.constraints_cutoff,
    ]
    for distribution in AIRFLOW_DISTRIBUTIONS:
        command += ["--exclude-newer-package", f"{distribution}={release.release_cutoff}"]
    return command


def top_level_requirement(version: str) -> str:
    return f"apache-airflow[{','.join(IMAGE_EXTRAS)}]=={version}"


def lock() -> Path:
    """Re-resolve dags/requirements-test.txt for the Airflow version stackconfig deploys."""
    version = image_airflow_version()
    command = compile_command(version)
    resolved = subprocess.run(command, input=top_level_requirement(version), capture_output=True, text=True, check=True)
    release = RELEASES[version]
    header = (
        f"# The packages of the apache/airflow:{version} image (Python {IMAGE_PYTHON}) that this platform uses:\n"
        f"#   {top_level_requirement(version)}\n"
        f"# resolved like Airflow's constraints-{version}: newest releases uploaded before {release.constraints_cutoff}\n"
        f"# (Airflow's own distributions before {release.release_cutoff}). Generated by `python scripts/airflow_venv.py\n"
        "# lock`; do not edit by hand. scripts/airflow_venv.py installs exactly this into .venv-airflow.\n"
    )
    REQUIREMENTS.write_text(header + resolved.stdout)
    return REQUIREMENTS


def ensure() -> Path:
    """The python of .venv-airflow, the release the chart values deploy, synced to dags/requirements-test.txt."""
    return sync(image_airflow_version(), REQUIREMENTS, VENV)


def ensure_previous() -> Path:
    """The python of the previous release's venv, synced to its frozen lock."""
    return sync(PREVIOUS_RELEASE, previous_requirements(), previous_venv())


def sync(version: str, requirements: Path, venv: Path) -> Path:
    """The venv's python, after creating the venv or syncing it to changed requirements.

    The requirements must pin Airflow `version` (a lock left behind by a version change is an error, not a venv of
    the wrong release). Holds a file lock beside the venv, so parallel test workers asking at once install once and
    never into a half-made venv.
    """
    text = requirements.read_text()
    pinned = re.findall(r"^apache-airflow==(\S+)", text, re.M)
    if pinned != [version]:
        raise RuntimeError(
            f"{requirements} pins apache-airflow {' '.join(pinned) or 'nowhere'}, not {version}: re-lock with "
            "`python scripts/airflow_venv.py lock` after a version change (docs/runbooks/upgrades.md)"
        )
    wanted = hashlib.sha256(text.encode()).hexdigest()
    stamp = venv / STAMP_NAME
    with venv.with_name(f"{venv.name}.lock").open("w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        if venv_python(venv).exists() and stamp.exists() and stamp.read_text() == wanted:
            return venv_python(venv)
        if venv.is_symlink():
            venv.unlink()
        if not venv_python(venv).exists() or not _is_image_python(venv_python(venv)):
            subprocess.run([uv(), "venv", "--quiet", "--clear", "--python", image_python(), str(venv)], check=True)
        subprocess.run(
            [uv(), "pip", "sync", "--quiet", "--python", str(venv_python(venv)), str(requirements)], check=True
        )
        stamp.write_text(wanted)
    return venv_python(venv)


def _is_image_python(python: Path) -> bool:
    probe = subprocess.run(
        [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True
    )
    return probe.stdout.strip() == IMAGE_PYTHON


if __name__ == "__main__":
    try:
        commands = {"": ensure, "previous": ensure_previous, "lock": lock}
        command = " ".join(sys.argv[1:])
        if command not in commands:
            sys.exit(f"error: unknown command {command!r}; usage: python scripts/airflow_venv.py [previous | lock]")
        print(commands[command]())
    except subprocess.CalledProcessError as exc:
        sys.exit(f"error: `{' '.join(map(str, exc.cmd[:3]))} ...` failed (exit {exc.returncode}) {exc.stderr or ''}")
    except RuntimeError as exc:
        sys.exit(f"error: {exc}")
