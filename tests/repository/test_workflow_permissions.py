"""The GITHUB_TOKEN every job really gets, computed the way GitHub does along every caller -> called workflow path,
and the runner of the jobs that reach the cluster's API server.

GitHub's documented rules (docs.github.com):
- "Assigning permissions to jobs": `permissions` at the top of a workflow applies to all its jobs; a job's own
  `permissions` replace it; "If you specify the access for any of these permissions, all of those that are not
  specified are set to none" (`{}` is none for all); `read-all` / `write-all` set every scope. Without either, a
  job gets the repository's default token (modelled here as the restricted default, contents and packages read).
- "Reusing workflows": a job that calls a reusable workflow passes its token ("If jobs.<job_id>.permissions is not
  specified in the calling job, the called workflow will have the default permissions"); in the called workflow
  the same job/top-level rule applies, and with neither its jobs keep the caller's token; "The GITHUB_TOKEN
  permissions passed from the caller workflow can be only downgraded (not elevated) by the called workflow": a
  nested job asking for more makes the calling workflow invalid ("The nested job 'x' is requesting 'y: write', but
  is only allowed 'y: none'"), checked when the workflow is loaded, whatever the job's `if`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from support import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
SCOPES = (
    "actions",
    "attestations",
    "checks",
    "contents",
    "deployments",
    "discussions",
    "id-token",
    "issues",
    "models",
    "packages",
    "pages",
    "pull-requests",
    "repository-projects",
    "security-events",
    "statuses",
)
LEVEL = {"none": 0, "read": 1, "write": 2}
DEFAULT = {**dict.fromkeys(SCOPES, "none"), "contents": "read", "packages": "read"}


def load(path: Path) -> dict:
    document = yaml.safe_load(path.read_text())
    if True in document:  # YAML 1.1 reads the key `on` as True
        document["on"] = document.pop(True)
    return document


DOCS = {path.name: load(path) for path in sorted(WORKFLOWS.glob("*.yml"))}


class NestedPermissionError(Exception):
    pass


def token(declared) -> dict[str, str] | None:
    """A `permissions` value as the full scope -> level map it means; None when not declared."""
    if declared is None:
        return None
    if declared in ("read-all", "write-all"):
        return {scope: declared.removesuffix("-all") for scope in SCOPES}
    return {scope: declared.get(scope, "none") for scope in SCOPES}


def job_token(workflow: dict, job: dict, job_name: str, granted: dict[str, str] | None) -> dict[str, str]:
    """The job's token: its own permissions, else its workflow's, else the caller's grant (or the default)."""
    requested = token(job.get("permissions"))
    if requested is None:
        requested = token(workflow.get("permissions"))
    if granted is None:
        return requested if requested is not None else dict(DEFAULT)
    if requested is None:
        return dict(granted)
    for scope in SCOPES:
        if LEVEL[requested[scope]] > LEVEL[granted[scope]]:
            raise NestedPermissionError(
                f"The nested job '{job_name}' is requesting '{scope}: {requested[scope]}', "
                f"but is only allowed '{scope}: {granted[scope]}'"
            )
    return requested


def effective_tokens() -> Iterator[tuple[str, dict, dict, dict[str, str]]]:
    """(path, job, the `with` inputs it was called with, token) of every job that runs steps, from every entry
    workflow (one triggered by something other than workflow_call) down through its reusable workflows."""

    def walk(name: str, granted, inputs: dict, path: str):
        workflow = DOCS[name]
        for job_id, job in workflow["jobs"].items():
            current = job_token(workflow, job, job_id, granted)
            here = f"{path} > {name}:{job_id}" if path else f"{name}:{job_id}"
            if "uses" in job:
                yield from walk(job["uses"].removeprefix("./.github/workflows/"), current, job.get("with", {}), here)
            else:
                yield here, job, inputs, current

    for name, workflow in DOCS.items():
        if set(workflow["on"]) - {"workflow_call"}:
            yield from walk(name, None, {}, "")


def logs_in_with_oidc(job: dict) -> bool:
    """azure/login, the azure-native provider's ARM_USE_OIDC or kubelogin's workload identity login."""
    envs = [job.get("env", {}), *(step.get("env", {}) for step in job.get("steps", []))]
    runs = " ".join(step.get("run", "") for step in job.get("steps", []))
    return (
        any(str(step.get("uses", "")).startswith("azure/login@") for step in job.get("steps", []))
        or any(str(env.get("ARM_USE_OIDC", "")).lower() == "true" for env in envs)
        or bool(re.search(r"kubeloginMode workloadidentity|--login workloadidentity", runs))
    )


def comments_on_the_pull_request(job: dict, inputs: dict) -> bool:
    for step in job.get("steps", []):
        if str(step.get("uses", "")).startswith("pulumi/actions@") and "comment-on-pr" in step.get("with", {}):
            return evaluate(str(step["with"]["comment-on-pr"]), inputs=inputs) in (True, "true")
    return False


PATHS = list(effective_tokens())


def test_every_path_is_valid_and_covers_the_reusable_workflows():
    called = {path.split(" > ")[-1].split(":")[0] for path, *_ in PATHS}
    assert {"checks.yml", "pulumi.yml", "dev-hours.yml"} <= called


@pytest.mark.parametrize("path,job,inputs,granted", PATHS, ids=[p[0] for p in PATHS])
def test_every_job_that_logs_in_with_oidc_can_request_the_token(path, job, inputs, granted):
    if logs_in_with_oidc(job):
        assert granted["id-token"] == "write", (
            f"{path}: logs in with OIDC but its token has id-token: {granted['id-token']}"
        )
    else:
        assert granted["id-token"] == "none", f"{path}: has id-token: write without logging in to Azure"
    assert granted["contents"] == "read", f"{path}: checks out the repository and never writes to it"
    allowed = {"contents", "id-token", "pull-requests"}
    assert {s for s, level in granted.items() if level != "none"} <= allowed, f"{path}: {granted}"


def test_the_pull_request_preview_can_comment_and_nothing_else_touches_pull_requests():
    commenting = [path for path, job, inputs, granted in PATHS if comments_on_the_pull_request(job, inputs)]
    assert commenting and all("pull-request.yml" in path for path in commenting)
    for path, _job, _inputs, granted in PATHS:
        wanted = "write" if path in commenting else "none"
        assert granted["pull-requests"] == wanted, f"{path}: pull-requests {granted['pull-requests']}"


def test_the_model_follows_githubs_rules():
    called = {"on": {"workflow_call": {}}, "jobs": {"j": {"steps": []}}}
    grant = token({"contents": "read", "id-token": "write"})
    assert job_token(called, called["jobs"]["j"], "j", grant) == grant, "no declaration: the caller's token"
    narrowing = {**called, "permissions": {}}
    assert set(job_token(narrowing, narrowing["jobs"]["j"], "j", grant).values()) == {"none"}
    with pytest.raises(
        NestedPermissionError, match="'pull-requests: write', but is only allowed 'pull-requests: none'"
    ):
        job_token(called, {"permissions": {"pull-requests": "write"}}, "j", grant)
    assert job_token({"on": {"push": {}}}, {}, "j", None) == DEFAULT
    assert token("read-all")["issues"] == "read"


# --- runners -------------------------------------------------------------------------------------------------------


class Context(dict):
    """A GitHub expression context: missing properties are null, not errors."""

    def __getattr__(self, name):
        return self.get(name)

    def __getitem__(self, name):
        return self.get(name)


def evaluate(text: str, **contexts):
    """Evaluate the `${{ }}` expressions this repository uses (contexts, literals, ==, ||, &&, fromJSON, index)."""
    match = re.fullmatch(r"\s*\$\{\{(.*)\}\}\s*", text, flags=re.S)
    if not match:
        return text
    python = match.group(1).replace("||", " or ").replace("&&", " and ")
    names = {name: Context(value) for name, value in contexts.items()}
    names.setdefault("vars", Context())
    names.setdefault("inputs", Context())
    names["fromJSON"] = lambda value: json.loads(value, object_hook=Context)
    return eval(python, {"__builtins__": {}}, names)


def reaches_the_api_server(job: dict) -> bool:
    """Jobs that run the program's Kubernetes resources (kubelogin) against a stack's cluster."""
    return any(str(step.get("uses", "")).startswith("azure/use-kubelogin@") for step in job.get("steps", []))


def test_runner_of_the_jobs_that_reach_the_api_server_is_configurable_per_stack():
    jobs = [(name, job) for name, doc in DOCS.items() for job in doc["jobs"].values() if reaches_the_api_server(job)]
    assert jobs
    runners = json.dumps({"prod": ["self-hosted", "airflow-aks-prod"]})
    for name, job in jobs:
        runs_on = job["runs-on"]
        assert evaluate(runs_on, inputs={"stack": "prod"}) == "ubuntu-latest", f"{name}: GitHub-hosted by default"
        assert evaluate(runs_on, inputs={"stack": "prod"}, vars={"PULUMI_RUNNERS": runners}) == [
            "self-hosted",
            "airflow-aks-prod",
        ]
        assert evaluate(runs_on, inputs={"stack": "dev"}, vars={"PULUMI_RUNNERS": runners}) == "ubuntu-latest"


def test_bootstrap_doc_describes_the_runner_variable_and_both_private_paths():
    text = (ROOT / "docs" / "bootstrap.md").read_text()
    assert "PULUMI_RUNNERS" in text
    assert "self-hosted runner" in text.lower() and "private networking" in text.lower()
