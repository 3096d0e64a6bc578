"""One Airflow version for the chart values and the test venv, and a lock that really is the image's resolution."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from stackconfig.airflow import ImageConfig

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import airflow_venv  # noqa: E402

LOCK = ROOT / "dags" / "requirements-test.txt"


def pins() -> dict[str, str]:
    return dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+)", LOCK.read_text(), re.M))


def test_the_lock_pins_the_airflow_version_the_chart_values_deploy():
    image = ImageConfig()
    assert image.airflow_version == image.tag
    assert pins()["apache-airflow"] == image.airflow_version == airflow_venv.image_airflow_version()
    assert airflow_venv.top_level_requirement(image.airflow_version) in LOCK.read_text()


def test_every_pin_has_hashes_and_the_lock_says_how_it_was_made():
    text = LOCK.read_text()
    release = airflow_venv.RELEASES[ImageConfig().airflow_version]
    assert release.constraints_cutoff in text and release.release_cutoff in text
    blocks = re.split(r"\n(?=[a-z0-9])", text.split("\n", 5)[-1])
    assert all("--hash=sha256:" in block for block in blocks if "==" in block)


PUBLISHED_WINDOWS = {
    # constraints-3.3.2/constraints-3.12.txt pins apache-airflow-providers-common-messaging 2.1.0 (quoted in public
    # notes): generated after 2.1.0 reached the index and before 2.1.1 did (the index's upload times).
    "3.3.2": ("2026-09-14T14:47:26Z", "2026-09-29T06:39:57Z"),
}
"""Per release: the window in which its published constraints were generated, from pins quoted in public notes."""


def test_the_cutoff_lies_where_airflows_published_constraints_were_generated():
    version = ImageConfig().airflow_version
    opened, closed = PUBLISHED_WINDOWS[version]
    release = airflow_venv.RELEASES[version]
    assert opened <= release.constraints_cutoff < closed
    assert release.constraints_cutoff <= release.release_cutoff


def test_the_resolution_is_cut_off_at_the_release_for_the_images_python():
    command = airflow_venv.compile_command(ImageConfig().airflow_version)
    assert command[command.index("--python-version") + 1] == airflow_venv.IMAGE_PYTHON == "3.12"
    cutoff = airflow_venv.RELEASES[ImageConfig().airflow_version].constraints_cutoff
    assert command[command.index("--exclude-newer") + 1] == cutoff
