"""Every stack file previews cleanly in both modes: known outputs (after `pulumi up`) and a first `pulumi preview`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from support import ROOT

STACKS = sorted(path.name.removeprefix("Pulumi.").removesuffix(".yaml") for path in ROOT.glob("Pulumi.*.yaml"))
MODES = [False, True]


def test_the_project_has_a_dev_and_a_prod_stack():
    assert {"dev", "prod"} <= set(STACKS)


@pytest.mark.parametrize("preview", MODES, ids=["up", "preview"])
@pytest.mark.parametrize("stack", STACKS)
def test_stack_previews_with_every_mandatory_policy_passing(project_preview, stack, preview):
    result = project_preview(stack, preview=preview)
    assert result.policy_pack == "airflow-aks"
    assert not result.mandatory_violations, [f"{v.policy}: {v.message}" for v in result.mandatory_violations]
    assert len(result.resources) > 50


@pytest.mark.parametrize("preview", MODES, ids=["up", "preview"])
@pytest.mark.parametrize("stack", STACKS)
def test_json_lists_every_resource_with_inputs_and_options(project_preview, stack, preview):
    document = project_preview(stack, preview=preview).to_json()
    assert document["mode"] == ("preview" if preview else "up")
    for resource in document["resources"]:
        assert {"urn", "type", "name", "parent", "provider", "inputs", "options"} <= set(resource)
        assert {"protect", "retainOnDelete", "dependsOn", "ignoreChanges", "deleteBeforeReplace", "aliases"} <= set(
            resource["options"]
        )
    json.dumps(document)


@pytest.mark.parametrize("stack", STACKS)
def test_the_command_line_preview_exits_zero(stack, tmp_path):
    out = tmp_path / "preview.json"
    done = subprocess.run(
        [sys.executable, "-m", "offline", "preview", "--stack", stack, "--preview", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["stack"] == stack


@pytest.mark.parametrize("stack", STACKS)
def test_every_child_is_named_after_its_component(project_preview, stack):
    """`f"{name}-..."` everywhere, so a second instance of a component never collides with the first."""
    result = project_preview(stack, policy=False)
    components = {r.urn: r.name for r in result.resources if not r.custom and r.type != "pulumi:pulumi:Stack"}
    misnamed = [
        f"{r.type} {r.name} (in {components[r.parent]})"
        for r in result.resources
        if r.parent in components and not r.name.startswith(f"{components[r.parent]}-")
    ]
    assert misnamed == []
