"""The Airflow image workflow (.github/workflows/airflow-image.yml), its Dockerfile and its DagBag check.

The workflow's shell steps are run here with stand-in `docker` and `az` executables that record their arguments and
answer like the real CLIs, in the job's environment as GitHub sets it; the Dockerfile's RUN line is run with a
stand-in `pip`; the DagBag check runs under the pinned Airflow in .venv-airflow. Nothing needs GitHub or Azure.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml
from support import ROOT

from facts.airflow_release import AIRFLOW_VERSION
from stackconfig.airflow import ImageConfig

WORKFLOW = ROOT / ".github" / "workflows" / "airflow-image.yml"
DOCKERFILE = ROOT / "images" / "airflow" / "Dockerfile"
CHECK_DAGS = ROOT / "images" / "airflow" / "check_dags.py"
BASE_DIGEST = "sha256:" + "1" * 64
PUSHED_DIGEST = "sha256:" + "2" * 64
SERVER = "crairflowdev1a2b3c4d.azurecr.io"
SHA = "0123456789abcdef0123456789abcdef01234567"


def load() -> dict:
    document = yaml.safe_load(WORKFLOW.read_text())
    document["on"] = document.pop(True)  # YAML 1.1 reads the key `on` as true
    return document


DOC = load()
JOB = DOC["jobs"]["image"]
STEPS = JOB["steps"]


def step_index(predicate) -> int:
    (index,) = [i for i, step in enumerate(STEPS) if predicate(step)]
    return index


def run_step(keyword: str) -> int:
    return step_index(lambda s: keyword in s.get("run", ""))


# --- shape --------------------------------------------------------------------------------------------------------


def test_it_runs_on_dependency_changes_and_by_hand_for_one_stack():
    assert DOC["on"]["push"] == {
        "branches": ["main"],
        "paths": ["dags/requirements.txt", "images/airflow/**", ".github/workflows/airflow-image.yml"],
    }
    stack = DOC["on"]["workflow_dispatch"]["inputs"]["stack"]
    assert (stack["type"], stack["options"], stack["default"]) == ("choice", ["dev", "prod"], "dev")
    assert "pull_request" not in DOC["on"], "nothing from a pull request may push to a registry"


def test_it_asks_only_for_reading_the_code_and_an_oidc_token():
    assert DOC["permissions"] == {}
    assert JOB["permissions"] == {"contents": "read", "id-token": "write"}
    assert JOB["environment"] == "images-${{ inputs.stack || 'dev' }}", "each stack's image identity"
    assert "secrets." not in WORKFLOW.read_text()


def test_nothing_reaches_azure_before_the_image_built_and_its_dags_imported():
    login = step_index(lambda s: s.get("uses", "").startswith("azure/login@"))
    assert (
        run_step("docker build images")
        < run_step("check_dags.py")
        < login
        < run_step("az acr import")
        < run_step("docker push")
    )
    assert all("az " not in step.get("run", "") for step in STEPS[:login])
    assert STEPS[0]["uses"].startswith("actions/checkout@") and STEPS[0]["with"]["persist-credentials"] is False


def test_the_image_follows_the_release_defined_once():
    default = ImageConfig()
    assert default.airflow_version == default.tag == AIRFLOW_VERSION
    assert "AIRFLOW_VERSION" not in JOB["env"]
    (derive,) = [s["run"] for s in STEPS if "facts.airflow_release" in s.get("run", "")]
    assert derive == 'echo "AIRFLOW_VERSION=$(python3 -m facts.airflow_release airflow)" >> "$GITHUB_ENV"'
    assert STEPS.index(next(s for s in STEPS if s.get("run") == derive)) == 1, "right after the checkout"
    assert "ARG BASE_IMAGE\n" in DOCKERFILE.read_text() and "ARG AIRFLOW_VERSION\n" in DOCKERFILE.read_text()


# --- the steps, run with stand-in CLIs ----------------------------------------------------------------------------

STAND_IN = r"""#!/usr/bin/env python3
import json, os, sys
name = os.path.basename(sys.argv[0])
with open(os.environ["CALLS"], "a") as log:
    log.write(json.dumps([name, *sys.argv[1:]]) + "\n")
args = sys.argv[1:]
if name == "docker" and args[:1] == ["inspect"]:
    print(args[-1].rsplit(":", 1)[0] + "@" + os.environ["PUSHED_DIGEST"])
if name == "docker" and args[:1] == ["run"] and os.environ.get("DAGS_BROKEN"):
    print("import error in /opt/airflow/dags/broken.py", file=sys.stderr)
    sys.exit(1)
"""


def job_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    """The job's env as GitHub evaluates it for a dispatch on `stack` with these repository/environment variables."""
    context = {
        "vars.AIRFLOW_BASE_DIGEST": BASE_DIGEST,
        "vars.AIRFLOW_IMAGE_REGISTRY": SERVER,
        "inputs.stack || 'dev'": "dev",
    }
    context.update({f"vars.{key}": value for key, value in variables.items()})
    env = {}
    for key, value in JOB["env"].items():
        env[key] = re.sub(r"\$\{\{\s*(.+?)\s*\}\}", lambda m: context[m.group(1)], str(value))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in ("docker", "az"):
        (bin_dir / name).write_text(STAND_IN)
        (bin_dir / name).chmod(0o755)
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        CALLS=str(tmp_path / "calls.jsonl"),
        PUSHED_DIGEST=PUSHED_DIGEST,
        GITHUB_ENV=str(tmp_path / "github_env"),
        GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"),
        GITHUB_SHA=SHA,
        GITHUB_REPOSITORY="contoso/airflow-aks",
        GITHUB_SERVER_URL="https://github.com",
        HOME=str(tmp_path),
        GITHUB_EVENT_NAME="workflow_dispatch",
    )
    return env


def run_job(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Every `run` step in order, as GitHub runs them (bash -e, pipefail), in a copy of the repository's files,
    GITHUB_ENV applied between steps; stops at the first failing step."""
    workdir = tmp_path / "checkout"
    workdir.mkdir()
    subprocess.run(
        ["cp", "-r", str(ROOT / "dags"), str(ROOT / "images"), str(ROOT / "facts"), str(workdir)], check=True
    )
    Path(env["GITHUB_ENV"]).touch()
    completed = None
    for step in STEPS:
        if "run" not in step:
            continue
        condition = step.get("if")
        if condition is not None:  # the one form the workflow uses: env.NAME == 'value'
            match = re.fullmatch(r"env\.(\w+) == '([^']*)'", condition)
            assert match, f"the harness does not evaluate `if: {condition}`"
            if env.get(match.group(1)) != match.group(2):
                continue
        for line in Path(env["GITHUB_ENV"]).read_text().splitlines():
            key, _, value = line.partition("=")
            env[key] = value
        completed = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if completed.returncode != 0:
            return completed
    return completed


def calls(tmp_path: Path) -> list[list[str]]:
    log = tmp_path / "calls.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_the_job_builds_tests_imports_pushes_and_prints_the_digest(tmp_path):
    completed = run_job(tmp_path, job_env(tmp_path))
    assert completed.returncode == 0, completed.stderr
    made = calls(tmp_path)
    tag = f"{AIRFLOW_VERSION}-{SHA[:12]}"
    image = f"{SERVER}/airflow/custom:{tag}"
    build = next(c for c in made if c[:2] == ["docker", "build"])
    assert build[2] == "images/airflow"
    assert f"BASE_IMAGE=docker.io/apache/airflow:{AIRFLOW_VERSION}@{BASE_DIGEST}" in build
    assert build[build.index("--tag") + 1] == image
    test_run = next(c for c in made if c[:2] == ["docker", "run"])
    assert test_run[-3:] == ["python", "/opt/airflow/check_dags.py", "/opt/airflow/dags"]
    assert "--network" in test_run and image in test_run
    assert [
        "az",
        "acr",
        "import",
        "--name",
        "crairflowdev1a2b3c4d",
        "--source",
        f"docker.io/apache/airflow@{BASE_DIGEST}",
        "--image",
        f"apache/airflow:{AIRFLOW_VERSION}",
        "--force",
        "--output",
        "none",
    ] in made
    assert ["az", "acr", "login", "--name", "crairflowdev1a2b3c4d"] in made
    assert ["docker", "push", image] in made
    summary = (tmp_path / "summary.md").read_text()
    assert f"pulumi config set --stack dev --path airflow.image.digest {PUSHED_DIGEST}" in summary
    assert f"pulumi config set --stack dev --path airflow.image.repository {SERVER}/airflow/custom" in summary
    assert f"pulumi config set --stack dev --path airflow.image.tag {tag}" in summary
    requirements = tmp_path / "checkout" / "images" / "airflow" / "requirements.txt"
    assert requirements.read_text() == (ROOT / "dags" / "requirements.txt").read_text()


def test_a_push_for_a_stack_without_a_registry_builds_and_tests_but_pushes_nothing(tmp_path):
    env = job_env(tmp_path, AIRFLOW_IMAGE_REGISTRY="")
    env["GITHUB_EVENT_NAME"] = "push"
    completed = run_job(tmp_path, env)
    assert completed.returncode == 0, completed.stderr
    made = calls(tmp_path)
    assert [c[:2] for c in made] == [["docker", "build"], ["docker", "run"]]
    assert f"local/airflow/custom:{AIRFLOW_VERSION}-{SHA[:12]}" in made[0]
    assert not (tmp_path / "summary.md").exists()


def test_every_step_that_reaches_azure_runs_only_when_there_is_a_registry_to_push_to():
    login = step_index(lambda s: s.get("uses", "").startswith("azure/login@"))
    assert all(step.get("if") == "env.PUSH == 'true'" for step in STEPS[login:])
    assert all("if" not in step for step in STEPS[:login])


def test_a_dag_that_does_not_import_stops_the_job_before_azure(tmp_path):
    env = job_env(tmp_path)
    env["DAGS_BROKEN"] = "1"
    completed = run_job(tmp_path, env)
    assert completed.returncode != 0
    assert not [c for c in calls(tmp_path) if c[0] == "az" or c[:2] == ["docker", "push"]]


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"AIRFLOW_BASE_DIGEST": ""}, "AIRFLOW_BASE_DIGEST"),
        ({"AIRFLOW_BASE_DIGEST": AIRFLOW_VERSION}, "AIRFLOW_BASE_DIGEST"),
        ({"AIRFLOW_IMAGE_REGISTRY": "docker.io"}, "AIRFLOW_IMAGE_REGISTRY"),
        ({"AIRFLOW_IMAGE_REGISTRY": ""}, "AIRFLOW_IMAGE_REGISTRY"),
    ],
)
def test_missing_or_unpinned_settings_stop_the_job_naming_the_variable(tmp_path, variables, named):
    completed = run_job(tmp_path, job_env(tmp_path, **variables))
    assert completed.returncode == 1
    assert f"::error::{named}" in completed.stdout
    assert calls(tmp_path) == [], "nothing is built or pushed"


# --- the Dockerfile -----------------------------------------------------------------------------------------------


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def test_the_dockerfile_is_valid_and_builds_from_the_base_image_argument():
    known = {"ARG", "FROM", "COPY", "RUN", "ENV", "USER", "WORKDIR", "LABEL"}
    steps = instructions()
    assert {word for word, _ in steps} <= known
    first_from = next(i for i, (word, _) in enumerate(steps) if word == "FROM")
    assert all(word == "ARG" for word, _ in steps[:first_from]), "only ARGs may precede FROM"
    assert steps[first_from][1] == "${BASE_IMAGE}"
    assert [word for word, _ in steps].count("FROM") == 1
    sources = [rest.split()[-2] for word, rest in steps if word == "COPY"]
    assert sources == ["requirements.txt", "check_dags.py"]
    assert (DOCKERFILE.parent / "check_dags.py").is_file()
    assert "USER root" not in DOCKERFILE.read_text(), "pip runs as the image's airflow user"


def test_requirements_install_under_airflows_constraints_for_the_images_python(tmp_path):
    """The RUN line, run with a stand-in python (3.12, as the official image) and pip recording its arguments."""
    args = {
        rest.split("=", 1)[0]: rest.split("=", 1)[1] for word, rest in instructions() if word == "ARG" and "=" in rest
    } | {"AIRFLOW_VERSION": AIRFLOW_VERSION}  # what the workflow passes
    (run,) = [rest for word, rest in instructions() if word == "RUN"]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").write_text("#!/bin/sh\necho 3.12\n")
    (bin_dir / "pip").write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" >> {shlex.quote(str(tmp_path / 'pip'))}\n")
    for tool in ("python", "pip"):
        (bin_dir / tool).chmod(0o755)
    env = {**args, "PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin"}
    subprocess.run(["sh", "-ec", run], env=env, check=True, timeout=30)
    calls_ = (tmp_path / "pip").read_text().split("\n")
    assert calls_[:6] == [
        "install",
        "--no-cache-dir",
        f"apache-airflow=={AIRFLOW_VERSION}",
        "-r",
        "/tmp/dag-requirements.txt",
        "--constraint",
    ]
    assert calls_[6] == (
        f"https://raw.githubusercontent.com/apache/airflow/constraints-{AIRFLOW_VERSION}/constraints-3.12.txt"
    )
    assert "check" in calls_[7:], "pip check fails the build on a broken dependency set"


# --- the DagBag check, under the real Airflow ---------------------------------------------------------------------


def check(python: Path, folder: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path / "airflow-home"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    return subprocess.run(
        [str(python), "-W", "ignore", str(CHECK_DAGS), str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_projects_dags_pass_the_check(airflow_python, tmp_path):
    completed = check(airflow_python, ROOT / "dags", tmp_path)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "airflow_aks_smoke_test" in completed.stdout


def test_a_dag_with_a_missing_dependency_or_no_dag_fails_the_check(airflow_python, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "needs_pkg.py").write_text("import package_the_image_lacks\nfrom airflow.sdk import dag\n")
    completed = check(airflow_python, broken, tmp_path)
    assert completed.returncode == 1 and "package_the_image_lacks" in completed.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    completed = check(airflow_python, empty, tmp_path)
    assert completed.returncode == 1 and "no DAG found" in completed.stderr
