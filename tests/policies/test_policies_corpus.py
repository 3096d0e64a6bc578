"""The issue's bar, on a corpus of our own: every attack rejected, no least-privilege setup rejected.

tests/fixtures/policy_corpus_attacks declares one privileged or wildcard grant or insecure setting per resource
(scaffolding named 'base-*'); tests/fixtures/policy_corpus_least_privilege declares setups that must pass. Both run
through the offline engine with the stack's pack config, with known outputs and as a first preview.
"""

import pytest
from support import FIXTURES
from support.policy_harness import PACK_DIR

from offline import run_preview

OTHER_CONCERNS = {"airflow-alerting", "images-from-stack-registry"}
"""Prod-mandatory rules about monitoring and image sources, which these corpora are not about."""


def run(fixture, stack, preview):
    return run_preview(
        FIXTURES / fixture,
        stack,
        preview=preview,
        policy_pack=PACK_DIR,
        policy_config=PACK_DIR / "config" / f"{stack}.json",
        reports=False,
    )


@pytest.mark.parametrize("preview", [False, True], ids=["known", "preview"])
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_attack_is_rejected(stack, preview):
    result = run("policy_corpus_attacks", stack, preview)
    rejected = {v.urn for v in result.mandatory_violations if v.policy not in OTHER_CONCERNS}
    attacks = [r for r in result.resources if r.custom and not r.type.startswith("pulumi:")]
    missed = [r.name for r in attacks if not r.name.startswith("base-") and r.urn not in rejected]
    scaffolding = [r.name for r in attacks if r.name.startswith("base-") and r.urn in rejected]
    assert len(attacks) >= 60
    assert missed == [] and scaffolding == []


@pytest.mark.parametrize("preview", [False, True], ids=["known", "preview"])
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_least_privilege_setup_is_rejected(stack, preview):
    result = run("policy_corpus_least_privilege", stack, preview)
    assert [f"{v.policy}: {v.message}" for v in result.mandatory_violations if v.policy not in OTHER_CONCERNS] == []
    assert len([r for r in result.resources if r.custom]) >= 25
