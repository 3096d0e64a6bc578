"""Fixture programs of Kubernetes escalation, pod security, exposure and the reviewer's settings, through the offline
engine on dev and prod, with known outputs and as a first preview.

A resource named '<policy>--<case>' must be reported by exactly that policy, at the level the stack's policy config
gives it (no other mandatory policy may reject it); one named 'ok--<case>' by no mandatory policy. Every Kubernetes
object in them is valid for the cluster version (kubernetes-validate, strict).
"""

import json
from functools import cache

import kubernetes_validate
import pytest
from support import FIXTURES
from support.policy_harness import PACK_DIR, airflow_aks_policies

from offline import run_preview

FIXTURE_NAMES = ("policy_escalation_exposure", "policy_reviewer_settings")
OTHER_CONCERNS = {"airflow-alerting", "images-from-stack-registry", "idle-monthly-cost"}
"""Stack rules about monitoring, image sources and cost, which these fixtures are not about."""
KUBERNETES_VERSION = "1.33"
NOT_MANIFESTS = ("kubernetes:helm.sh/", "pulumi:providers:")


@cache
def run(fixture: str, stack: str, preview: bool):
    return run_preview(
        FIXTURES / fixture,
        stack,
        preview=preview,
        policy_pack=PACK_DIR,
        policy_config=PACK_DIR / "config" / f"{stack}.json",
        reports=False,
    )


def level(policy: str, stack: str) -> str:
    configured = json.loads((PACK_DIR / "config" / f"{stack}.json").read_text()).get(policy, {})
    [default] = [p.enforcement_level.value for p in airflow_aks_policies.ALL_POLICIES if p.name == policy]
    return configured.get("enforcementLevel", default)


@pytest.mark.parametrize("preview", [False, True], ids=["known", "preview"])
@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize("fixture", FIXTURE_NAMES)
def test_each_case_is_reported_by_its_policy_and_no_other(fixture, stack, preview):
    result = run(fixture, stack, preview)
    reported: dict[str, set[tuple[str, str]]] = {}
    for violation in result.violations:
        if violation.policy not in OTHER_CONCERNS:
            reported.setdefault(violation.urn, set()).add((violation.policy, violation.enforcement_level))
    cases = [r for r in result.resources if r.custom and "--" in r.name]
    assert len(cases) >= 20
    wrong = {}
    for resource in cases:
        expected, _, _ = resource.name.partition("--")
        found = reported.get(resource.urn, set())
        mandatory = {policy for policy, found_level in found if found_level == "mandatory"}
        if expected == "ok":
            ok = not mandatory
        elif level(expected, stack) == "mandatory":
            ok = mandatory == {expected}
        else:
            ok = (expected, level(expected, stack)) in found and not mandatory
        if not ok:
            wrong[resource.name] = sorted(found)
    assert wrong == {}
    assert not [v for v in result.violations if "during preview" in v.message], "every rule ran to a verdict"


def test_every_kubernetes_object_of_the_fixtures_is_valid():
    checked = 0
    for fixture in (*FIXTURE_NAMES, "policy_corpus_attacks", "policy_corpus_least_privilege"):
        for record in run(fixture, "dev", False).resources:
            if record.custom and record.type.startswith("kubernetes:") and not record.type.startswith(NOT_MANIFESTS):
                try:
                    kubernetes_validate.validate(dict(record.inputs), desired_version=KUBERNETES_VERSION, strict=True)
                except kubernetes_validate.ValidationError as error:
                    pytest.fail(f"{record.type} {record.name}: {error.message} at {list(error.path)}")
                checked += 1
    assert checked >= 60
