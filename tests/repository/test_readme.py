"""The README is the front door: its links resolve, its two commands exist, and every guide is reachable from it."""

from __future__ import annotations

import re

import pytest
from support import ROOT

README = (ROOT / "README.md").read_text()
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)\s]*)?\)")


def local_links(text: str) -> list[str]:
    return [target for target, _ in LINK.findall(text) if not re.match(r"[a-z]+://", target)]


@pytest.mark.parametrize("target", sorted(set(local_links(README))))
def test_every_local_link_resolves(target):
    assert (ROOT / target).exists(), target


def test_the_two_setup_commands_are_make_targets():
    makefile = (ROOT / "Makefile").read_text()
    for command in ("make preview", "make test"):
        assert command in README
        assert re.search(rf"^{command.split()[1]}:", makefile, re.M), command
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_guide_is_linked_from_the_readme():
    linked = {(ROOT / target).resolve() for target in local_links(README)}
    for guide in (ROOT / "docs").glob("*.md"):
        assert guide.resolve() in linked, f"{guide.name} is not linked from README.md"


def test_the_cluster_section_explains_every_autoscaler_value():
    from stackconfig.cluster import ClusterConfig

    autoscaler = ClusterConfig.model_fields["autoscaler"].annotation
    section = README[README.index("### Cluster autoscaler profile") : README.index("### What each stack changes")]
    for field in autoscaler.model_fields.values():
        assert f"`{field.alias}`" in section, field.alias
