"""The GitHub workflows: they parse, ask for the least token permissions, pin every action to a commit, pass the
policy pack to every preview and up, and cover every stack file. Nothing here needs GitHub or Azure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from support import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
STACKS = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in ROOT.glob("Pulumi.*.yaml"))
PINNED = re.compile(r"^(?P<action>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40})$")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+){0,2}\s*$")
PULUMI_ACTION = "pulumi/actions"


def load(path: Path) -> dict:
    document = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the bare key `on` as boolean True; GitHub means the string.
    if True in document:
        document["on"] = document.pop(True)
    return document


FILES = sorted(WORKFLOWS.glob("*.yml"))
DOCS = {path.name: load(path) for path in FILES}


def jobs():
    for name, document in DOCS.items():
        for job_id, job in document["jobs"].items():
            yield name, job_id, job


def steps():
    for name, job_id, job in jobs():
        for step in job.get("steps", []):
            yield name, job_id, step


def action_of(step) -> str | None:
    uses = step.get("uses")
    return uses.split("@")[0] if uses else None


def callers(callee: str):
    """(workflow, job id, job) of every job that calls the reusable workflow `callee`."""
    return [(n, j, job) for n, j, job in jobs() if job.get("uses") == f"./.github/workflows/{callee}"]


def test_there_are_workflows_and_stacks():
    assert {"pull-request.yml", "deploy.yml", "checks.yml", "pulumi.yml"} <= set(DOCS)
    assert "dev" in STACKS and "prod" in STACKS


@pytest.mark.parametrize("name", sorted(DOCS))
def test_workflow_parses_and_grants_nothing_by_default(name):
    document = DOCS[name]
    assert document["name"] and document["on"] and document["jobs"]
    if inherits_from_callers(document):
        # A called workflow's top-level permissions would apply to its job and can only narrow the caller's grant.
        assert "permissions" not in document, f"{name}: its jobs take their callers' permissions; declare none"
    else:
        assert document.get("permissions") == {}, f"{name}: set `permissions: {{}}` at the top; jobs ask for their own"


def inherits_from_callers(document) -> bool:
    """A reusable-only workflow whose jobs declare no permissions: each caller grants what its call needs."""
    return set(document["on"]) == {"workflow_call"} and all("permissions" not in j for j in document["jobs"].values())


def test_pull_requests_never_run_with_the_base_repository_token():
    for name, document in DOCS.items():
        assert "pull_request_target" not in document["on"], name


def needed_permissions(job_steps, command: str | None) -> dict[str, str]:
    """What a job's steps need from the GitHub token, and nothing else."""
    needed = {"contents": "read"}
    if any(action_of(s) == "azure/login" for s in job_steps):
        needed["id-token"] = "write"
    if command == "preview" and any(
        action_of(s) == PULUMI_ACTION and "comment-on-pr" in s.get("with", {}) for s in job_steps
    ):
        needed["pull-requests"] = "write"
    return needed


def test_every_job_that_runs_steps_has_exactly_the_permissions_it_needs():
    for name, job_id, job in jobs():
        if "steps" in job and "permissions" in job:
            assert job["permissions"] == needed_permissions(job["steps"], None), f"{name}:{job_id}"
        elif "steps" in job:
            assert DOCS[name]["on"] == {"workflow_call": DOCS[name]["on"]["workflow_call"]}, (
                f"{name}:{job_id} has no permissions; only reusable workflows may inherit them from their callers"
            )
            assert callers(name), f"{name} is never called"
            for caller, caller_job_id, caller_job in callers(name):
                command = caller_job.get("with", {}).get("command")
                assert caller_job["permissions"] == needed_permissions(job["steps"], command), (
                    f"{caller}:{caller_job_id} grants {caller_job['permissions']} to {name}:{job_id}"
                )
        else:
            callee = job["uses"].removeprefix("./.github/workflows/")
            assert "permissions" in job, f"{name}:{job_id} calls {callee} without granting explicit permissions"


def test_every_action_is_pinned_to_a_commit_with_its_version_in_a_comment():
    pins: dict[str, set[str]] = {}
    for path in FILES:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = re.match(r"^\s*(?:-\s*)?uses:\s*(\S+)(.*)$", line)
            if not match or match.group(1).startswith("./"):
                continue
            pinned = PINNED.match(match.group(1))
            assert pinned, f"{path.name}:{number}: {match.group(1)} is not pinned to a full commit SHA"
            assert VERSION_COMMENT.search(match.group(2)), f"{path.name}:{number}: add the version as `# vX.Y.Z`"
            pins.setdefault(pinned["action"], set()).add(pinned["sha"])
    assert {"actions/checkout", "actions/setup-python", "azure/login", "azure/use-kubelogin", PULUMI_ACTION} <= set(
        pins
    )
    assert all(len(shas) == 1 for shas in pins.values()), f"one action, several commits: {pins}"


def test_checkout_never_leaves_the_token_on_disk():
    for name, job_id, step in steps():
        if action_of(step) == "actions/checkout":
            assert step.get("with", {}).get("persist-credentials") is False, f"{name}:{job_id}"


def test_no_long_lived_secret_is_used_anywhere():
    for path in FILES:
        text = path.read_text()
        assert "secrets." not in text, f"{path.name} reads a repository secret; use OIDC and variables"
        assert not re.search(r"client-secret|creds:|ARM_CLIENT_SECRET|AZURE_STORAGE_KEY", text), path.name
    for name, job_id, step in steps():
        if action_of(step) == "azure/login":
            assert step["with"] == {
                "client-id": "${{ vars.AZURE_CLIENT_ID }}",
                "tenant-id": "${{ vars.AZURE_TENANT_ID }}",
                "subscription-id": "${{ vars.AZURE_SUBSCRIPTION_ID }}",
            }, f"{name}:{job_id}"


def test_the_policy_pack_is_passed_to_every_pulumi_command():
    commands = [(n, j, s) for n, j, s in steps() if action_of(s) == PULUMI_ACTION and "command" in s.get("with", {})]
    assert commands
    for name, job_id, step in commands:
        assert step["with"]["policyPacks"] == "policies", f"{name}:{job_id}"
        assert step["with"]["policyPackConfigs"] == "policies/config/${{ inputs.stack }}.json", f"{name}:{job_id}"
    offline = [(n, j, s) for n, j, s in steps() if "make preview" in s.get("run", "")]
    assert offline
    for name, job_id, step in offline:
        assert "STACK=${{ matrix.stack }}" in step["run"]
        assert "--policy-pack policies" in step["run"], f"{name}:{job_id}"
        assert "--policy-pack-config policies/config/${{ matrix.stack }}.json" in step["run"], f"{name}:{job_id}"


def test_every_stack_has_its_policy_pack_config():
    for stack in STACKS:
        assert (ROOT / "policies" / "config" / f"{stack}.json").is_file(), stack


def test_the_workflows_run_the_readme_commands():
    runs = [s.get("run", "") for _, _, s in steps()]
    assert "make test" in runs
    assert any(run.startswith("make preview STACK=") for run in runs)


def test_every_stack_is_checked_offline_and_previewed_on_pull_requests():
    assert DOCS["checks.yml"]["jobs"]["offline-preview"]["strategy"]["matrix"]["stack"] == STACKS
    preview = DOCS["pull-request.yml"]["jobs"]["preview"]
    assert preview["strategy"]["matrix"]["stack"] == STACKS
    assert preview["with"] == {
        "stack": "${{ matrix.stack }}",
        "command": "preview",
        "environment": "preview-${{ matrix.stack }}",
    }
    assert "head.repo.full_name == github.repository" in preview["if"], "fork PRs get no OIDC token: skip, not fail"


def test_merges_deploy_dev_then_prod_behind_its_protected_environment():
    deploy = DOCS["deploy.yml"]
    assert set(deploy["on"]) == {"push", "workflow_dispatch"} and deploy["on"]["push"]["branches"] == ["main"]
    assert deploy["concurrency"]["cancel-in-progress"] is False
    ups = {
        job["with"]["stack"]: (job_id, job)
        for job_id, job in deploy["jobs"].items()
        if job.get("with", {}).get("command") == "up"
    }
    assert sorted(ups) == STACKS
    for stack, (_, job) in ups.items():
        assert job["with"]["environment"] == stack, "each stack deploys as its own environment's identity"
    assert ups["prod"][1]["needs"] == ups["dev"][0], "prod deploys only after dev succeeded"
    assert ups["dev"][1]["needs"] == "checks"


def test_kubernetes_provider_uses_kubelogin_workload_identity_before_any_pulumi_command():
    job_steps = DOCS["pulumi.yml"]["jobs"]["pulumi"]["steps"]
    runs = [i for i, s in enumerate(job_steps) if "--path cluster.kubeloginMode workloadidentity" in s.get("run", "")]
    commands = [i for i, s in enumerate(job_steps) if action_of(s) == PULUMI_ACTION and "command" in s.get("with", {})]
    kubelogin = [i for i, s in enumerate(job_steps) if action_of(s) == "azure/use-kubelogin"]
    assert runs and commands and kubelogin and max(runs + kubelogin) < min(commands)
    assert DOCS["pulumi.yml"]["jobs"]["pulumi"]["env"]["ARM_USE_OIDC"] == "true"


def test_workload_identity_is_an_accepted_kubelogin_mode():
    from stackconfig.cluster import ClusterConfig

    assert ClusterConfig.model_validate({"kubeloginMode": "workloadidentity"}).kubelogin_mode == "workloadidentity"


def test_dev_hours_picks_stop_and_start_from_its_own_schedules():
    workflow = DOCS["dev-hours.yml"]
    crons = [entry["cron"] for entry in workflow["on"]["schedule"]]
    step = workflow["jobs"]["dev-hours"]["steps"][-1]["run"]
    chosen = re.search(r"github\.event\.schedule == '([^']+)' && 'stop'", step).group(1)
    assert chosen in crons and len(crons) == 2
    assert step.rstrip().endswith("dev"), "the schedule only ever stops dev"


def test_ci_validates_helm_values_against_the_chart_version_the_program_deploys():

    job = DOCS["checks.yml"]["jobs"]["test"]
    assert "AIRFLOW_CHART_VERSION" not in job["env"], "the chart version is defined once, in facts/airflow_release.py"
    pulls = [s["run"] for s in job["steps"] if "helm pull airflow" in s.get("run", "")]
    assert 'AIRFLOW_CHART_VERSION="$(python3 -m facts.airflow_release chart)"' in pulls[0]
    assert pulls and "AIRFLOW_CHART_DIR=" in pulls[0]
    assert [s.get("run") for s in job["steps"]].index(pulls[0]) < [s.get("run") for s in job["steps"]].index(
        "make test"
    )
