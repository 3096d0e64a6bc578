"""The runbooks and the bootstrap guide: every link and path they name exists, and they keep up with the code they
describe (secret counters, pool taints, the workflows)."""

from __future__ import annotations

import re

import pytest
from support import ROOT

from components.cluster.node_pools import POOL_LABEL, placements
from stackconfig.cluster import ClusterConfig
from stackconfig.secrets import SecretsConfig

RUNBOOKS = ROOT / "docs" / "runbooks"
DOCS = [*sorted(RUNBOOKS.glob("*.md")), ROOT / "docs" / "bootstrap.md"]
# Written by other parts of the project; links and paths into them are checked once they exist.
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)]*)?\)")
PATH = re.compile(r"`((?:scripts|dags|\.github/workflows|docs|policies|components|stackconfig|tests)/[\w./-]+)`")


def test_index_lists_every_runbook():
    index = (RUNBOOKS / "README.md").read_text()
    linked = {m.group(1) for m in LINK.finditer(index) if not m.group(1).startswith(("..", "http"))}
    assert linked == {p.name for p in RUNBOOKS.glob("*.md")} - {"README.md"}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_links_and_paths_resolve(doc):
    text = doc.read_text()
    for match in LINK.finditer(text):
        target = match.group(1)
        if target.startswith("http"):
            continue
        resolved = (doc.parent / target).resolve()
        relative = resolved.relative_to(ROOT).as_posix()
        assert resolved.exists(), f"{doc.name}: broken link {target} ({relative})"
        if match.group(2) and resolved.suffix == ".md":
            anchors = {
                "#" + re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-")
                for h in re.findall(r"^#+ (.+)$", resolved.read_text(), flags=re.M)
            }
            assert match.group(2) in anchors, f"{doc.name}: no heading for {target}{match.group(2)}"
    for path in PATH.findall(text):
        assert (ROOT / path).exists(), f"{doc.name} names {path}, which does not exist"


def test_every_secret_counter_has_a_rotation_procedure():
    text = (RUNBOOKS / "rotating-secrets.md").read_text()
    for name, field in SecretsConfig.model_fields.items():
        assert f"`secrets.{field.alias or name}`" in text, f"no rotation procedure for secrets.{field.alias or name}"


def test_spot_and_gpu_opt_in_matches_the_pools_taints_and_labels():
    text = (RUNBOOKS / "scaling-and-spot-gpu.md").read_text()
    config = ClusterConfig.model_validate({"spotPool": {"enabled": True}, "gpuPool": {"enabled": True}})
    pools = placements(config)
    for role in ("spot", "gpu"):
        assert f'{{"{POOL_LABEL}": "{role}"}}' in text, f"{role}: node selector"
        for taint in pools[role].taints:
            assert f"{taint.key}={taint.value}" in text or (
                f'key="{taint.key}"' in text and f'value="{taint.value}"' in text
            ), f"{role}: taint {taint.aks()} not tolerated in the example"
