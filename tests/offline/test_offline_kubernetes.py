"""The engine expands Kubernetes YAML and charts as the provider does, so policies see the objects a real run has."""

import json
import os
import stat
import textwrap

import pytest
from support.policy_harness import PACK_DIR

from offline import run_preview
from offline.kubernetes import decode, type_token

MANIFESTS = textwrap.dedent("""\
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: reader
    rules:
      - apiGroups: [""]
        resources: ["pods"]
        verbs: ["get"]
    ---
    ---
    apiVersion: v1
    kind: List
    items:
      - apiVersion: v1
        kind: ServiceAccount
        metadata: {name: sa, namespace: ns}
      - apiVersion: v1
        kind: Secret
        metadata: {name: token, namespace: ns}
        stringData: {token: not-in-plain-text}
    """)


@pytest.mark.parametrize(
    "api_version,kind,token",
    [
        ("v1", "Secret", "kubernetes:core/v1:Secret"),
        ("rbac.authorization.k8s.io/v1", "ClusterRole", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"),
        ("apps/v1", "Deployment", "kubernetes:apps/v1:Deployment"),
    ],
)
def test_type_tokens(api_version, kind, token):
    assert type_token(api_version, kind) == token


def test_decode_skips_empty_documents():
    assert [obj["kind"] for obj in decode(MANIFESTS)] == ["ClusterRole", "List"]


PROGRAM = """\
import pulumi_kubernetes as k8s
k8s.yaml.ConfigGroup("v1", yaml=[open("manifests.yaml").read()])
k8s.yaml.v2.ConfigGroup("v2", files=["manifests.yaml"])
k8s.yaml.v2.ConfigGroup("prefixed", objs=[{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}],
                        resource_prefix="p")
k8s.yaml.v2.ConfigFile("file", file="manifests.yaml")
"""


@pytest.mark.parametrize("preview", [False, True], ids=["known", "preview"])
def test_config_groups_v1_and_v2_and_config_files_expand_into_children(write_program, preview):
    program = write_program(PROGRAM, stacks={"dev": ""})
    (program / "manifests.yaml").write_text(MANIFESTS)
    result = run_preview(program, "dev", preview=preview, policy_pack=False, reports=False)
    by_parent = {}
    for record in result.resources:
        parent = next((r.name for r in result.resources if r.urn == record.parent), None)
        by_parent.setdefault(parent, []).append((record.type, record.name))
    assert sorted(by_parent["v1"]) == [
        ("kubernetes:core/v1:Secret", "ns/token"),
        ("kubernetes:core/v1:ServiceAccount", "ns/sa"),
        ("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "reader"),
    ]
    for name in ("v2", "file"):
        assert sorted(by_parent[name]) == [
            ("kubernetes:core/v1:Secret", f"{name}-ns/token"),
            ("kubernetes:core/v1:ServiceAccount", f"{name}-ns/sa"),
            ("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", f"{name}-reader"),
        ]
    assert by_parent["prefixed"] == [("kubernetes:core/v1:ConfigMap", "p-c")]
    secret = result.one("kubernetes:core/v1:Secret", "v2-ns/token")
    assert secret.custom and "stringData" in secret.secret_paths
    assert "not-in-plain-text" not in json.dumps(result.to_json())
    assert result.notes == []


CHART = """\
import pulumi_kubernetes as k8s
k8s.helm.v4.Chart("ops", chart="oci://registry.example/charts/ops", version="1.2.3", namespace="tools",
                  values={"replicas": 2})
"""

FAKE_HELM = """\
#!/usr/bin/env python3
import json, sys
args = sys.argv[1:]
with open(sys.argv[0] + ".calls", "a") as log:
    log.write(json.dumps(args) + "\\n")
values = json.load(open(args[args.index("--values") + 1]))
print("---\\n# Source: ops/templates/role.yaml")
print(json.dumps({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                  "metadata": {"name": args[1] + "-role"},
                  "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}],
                  "replicas": values["replicas"]}))
"""


def test_a_v4_chart_is_rendered_with_helm_when_there_is_one(write_program, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helm = bin_dir / "helm"
    helm.write_text(FAKE_HELM)
    helm.chmod(helm.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    program = write_program(CHART, stacks={"dev": ""})
    result = run_preview(program, "dev", policy_pack=False, reports=False)
    (role,) = result.find("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")
    assert role.name == "ops-ops-role" and role.inputs["replicas"] == 2
    (call,) = [json.loads(line) for line in (bin_dir / "helm.calls").read_text().splitlines()]
    assert call[:6] == ["template", "ops", "oci://registry.example/charts/ops", "--namespace", "tools", "--version"]
    assert "--include-crds" in call


def test_an_unrendered_chart_is_said_out_loud(write_program, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no helm here
    program = write_program(CHART, stacks={"dev": ""})
    result = run_preview(program, "dev", policy_pack=False, reports=False)
    assert [r.type for r in result.resources if r.parent and "Chart" not in r.type] == []
    (note,) = result.notes
    assert "kubernetes:helm.sh/v4:Chart 'ops' not expanded" in note and "helm" in note


UNREACHABLE_HELM = """\
#!/bin/sh
echo 'Error: failed to do request: Head "https://registry.example/v2/charts/ops/manifests/1.2.3": dial tcp: lookup registry.example: no such host' >&2
exit 1
"""


def test_a_remote_chart_helm_cannot_fetch_is_said_out_loud_and_rejected_by_the_pack(
    write_program, tmp_path, monkeypatch
):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helm = bin_dir / "helm"
    helm.write_text(UNREACHABLE_HELM)
    helm.chmod(helm.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    program = write_program(CHART, stacks={"dev": ""})
    for preview in (False, True):
        result = run_preview(program, "dev", preview=preview, policy_pack=PACK_DIR, reports=False)
        (note,) = result.notes
        assert "not expanded" in note and "could not fetch the chart" in note and "no such host" in note
        (violation,) = [v for v in result.mandatory_violations if v.policy == "helm-chart-component-pinned"]
        assert "not rendered" in violation.message
