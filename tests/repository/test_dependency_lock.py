"""A clone installs the versions the tests ran with. requirements.lock is what `make` installs into .venv;
policies/requirements.txt is what the Pulumi CLI installs into the pack's own venv (policies/venv) and what the
published pack carries. Both pin every package with hashes, hold what the ranges allow (requirements*.txt,
policies/requirements.in), agree with each other, and the venv running these tests is the lock.
`make lock` re-resolves both; the Makefile is run here with stand-ins to show it installs and locks that way.
"""

from __future__ import annotations

import re
import subprocess
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from support import ROOT, cli_standins

LOCK = ROOT / "requirements.lock"
PACK_LOCK = ROOT / "policies" / "requirements.txt"
RANGES = {LOCK: ROOT / "requirements-dev.txt", PACK_LOCK: ROOT / "policies" / "requirements.in"}


class Pin(NamedTuple):
    version: str
    marker: str | None
    hashes: frozenset[str]


def pins(lock: Path) -> dict[str, Pin]:
    """Every `name==version [; marker] --hash=...` entry of a hashed lock, by canonical name."""
    entries = {}
    for entry in re.split(r"\n(?=\S)", lock.read_text().replace("\\\n", " ")):
        requirement = entry.split("#", 1)[0].strip()
        if not requirement:
            continue
        match = re.fullmatch(
            r"([A-Za-z0-9._-]+)==(\S+)(?:\s*;\s*(.+?))?((?:\s+--hash=sha256:[0-9a-f]{64})+)", requirement
        )
        assert match, f"{lock.name}: not an exact pin with hashes: {requirement[:200]}"
        name, version, marker, hashes = match.groups()
        entries[canonicalize_name(name)] = Pin(version, marker, frozenset(hashes.split()))
    return entries


def ranges(path: Path) -> list[Requirement]:
    """The requirements a ranges file asks for, following `-r other.txt`."""
    found = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found += ranges(path.parent / line[3:].strip())
        elif line:
            found.append(Requirement(line))
    return found


@pytest.mark.parametrize("lock", [LOCK, PACK_LOCK], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_package_is_pinned_exactly_with_hashes_and_says_how_to_refresh(lock):
    text = lock.read_text()
    assert "make lock" in text.split("\n", 3)[1], "the header names the command that regenerates it"
    assert len(pins(lock)) == len(re.findall(r"^[^#\s]", text, re.M)) > 10, "every entry parsed"
    assert all(pin.hashes for pin in pins(lock).values())


@pytest.mark.parametrize("lock", [LOCK, PACK_LOCK], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_lock_holds_what_the_ranges_allow(lock):
    locked = pins(lock)
    for requirement in ranges(RANGES[lock]):
        pin = locked.get(canonicalize_name(requirement.name))
        assert pin, f"{requirement.name} is not in {lock.name}; run `make lock`"
        assert requirement.specifier.contains(pin.version, prereleases=True), (
            f"{lock.name} pins {requirement.name}=={pin.version}, outside {requirement.specifier}; run `make lock`"
        )


def test_the_pack_installs_the_versions_the_tests_ran_it_with():
    program = pins(LOCK)
    for name, pin in pins(PACK_LOCK).items():
        assert name in program and program[name].version == pin.version, f"{name}: run `make lock`"
        assert pin.hashes == program[name].hashes, name


def test_the_venv_running_the_tests_is_the_lock():
    """`make` reinstalls .venv whenever requirements.lock changes; a venv that drifted runs untested versions."""
    drift = []
    for name, pin in pins(LOCK).items():
        if pin.marker and not Marker(pin.marker).evaluate():
            continue
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != pin.version:
            drift.append(f"{name}: lock {pin.version}, installed {installed}")
    assert not drift, "run `make .venv/.installed`:\n" + "\n".join(drift)


def make(tmp_path: Path, *targets: str, installed: bool) -> list[list[str]]:
    """Run the Makefile with a stand-in venv (its python and uv record their arguments) and return the calls."""
    venv = tmp_path / "venv"
    log = tmp_path / "calls.jsonl"
    env = cli_standins.recorders(venv / "bin", ["python", "uv"], log)
    if installed:
        (venv / ".installed").touch()
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), *targets, f"VENV={venv}", f"BIN={venv / 'bin'}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return cli_standins.calls(log)


def test_make_installs_the_venv_from_the_lock_with_hashes_required(tmp_path):
    calls = make(tmp_path, str(tmp_path / "venv" / ".installed"), installed=False)
    installs = [call for call in calls if call[1:4] == ["-m", "pip", "install"]]
    assert len(installs) == 1 and installs == [call for call in calls if "install" in call]
    assert "--require-hashes" in installs[0] and installs[0][installs[0].index("-r") + 1] == "requirements.lock"


def test_make_lock_resolves_both_locks_with_hashes_for_every_platform(tmp_path):
    compiles = {call[call.index("-o") + 1]: call for call in make(tmp_path, "lock", installed=True)}
    assert set(compiles) == {"requirements.lock", "policies/requirements.txt"}
    for call in compiles.values():
        assert call[:3] == ["uv", "pip", "compile"] and {"--generate-hashes", "--universal"} <= set(call)
    assert "requirements-dev.txt" in compiles["requirements.lock"]
    pack = compiles["policies/requirements.txt"]
    assert "policies/requirements.in" in pack and pack[pack.index("-c") + 1] == "requirements.lock"
