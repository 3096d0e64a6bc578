"""The pack as the Pulumi CLI loads it: entry point, metadata, per-stack config, and the analyzer's gRPC path."""

import json
import re
import runpy

import jsonschema
import pulumi_policy
import pytest
import yaml
from pulumi.runtime import proto
from support.policy_analyzer import LEVELS, analyze, servicer
from support.policy_harness import PACK_DIR, UNKNOWN, airflow_aks_policies

ALL = airflow_aks_policies.ALL_POLICIES
BY_NAME = {policy.name: policy for policy in ALL}


def test_main_only_constructs_the_pack_with_every_policy(monkeypatch):
    constructed = []
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda **kwargs: constructed.append(kwargs))
    runpy.run_path(str(PACK_DIR / "__main__.py"), run_name="__main__")
    [pack] = constructed
    assert pack["name"] == "airflow-aks"
    assert pack["enforcement_level"] is pulumi_policy.EnforcementLevel.MANDATORY
    assert [p.name for p in pack["policies"]] == [p.name for p in ALL]


def test_pack_metadata_pins_runtime_and_version():
    meta = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    assert meta["runtime"] == {"name": "python", "options": {"virtualenv": "venv"}}
    assert re.fullmatch(r"\d+\.\d+\.\d+", meta["version"])
    requirements = (PACK_DIR / "requirements.in").read_text()  # the ranges; requirements.txt is their hashed lock
    assert "pulumi-policy>=1.21,<2" in requirements and "pulumi>=3.260,<4" in requirements


@pytest.mark.parametrize("policy", ALL, ids=lambda p: p.name)
def test_every_policy_is_documented(policy):
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", policy.name)
    assert policy.description and policy.remediation_steps and policy.severity and policy.enforcement_level
    assert policy.name in (PACK_DIR.parent / "docs" / "policies.md").read_text()
    for spec in policy.config_schema.properties.values() if policy.config_schema else []:
        if "default" in spec:  # a knob without a default (e.g. a cost cap) switches its check off when unset
            jsonschema.validate(spec["default"], spec)


def test_policy_names_are_unique():
    assert len(BY_NAME) == len(ALL)


def config_file_schema(policy):
    knobs = policy.config_schema.properties if policy.config_schema else {}
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {"enforcementLevel": {"enum": sorted(LEVELS)}, **knobs},
    }


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_config_files_name_real_policies_and_valid_knobs(stack):
    config = json.loads((PACK_DIR / "config" / f"{stack}.json").read_text())
    for name, entry in config.items():
        jsonschema.validate(entry, config_file_schema(BY_NAME[name]))


# --- the analyzer servicer the CLI talks to ------------------------------------------------------------------


def test_analyzer_info_serialises_every_policy():
    info = servicer("prod").GetAnalyzerInfo(None, None)
    assert [p.name for p in info.policies] == [p.name for p in ALL]
    assert all(p.remediation_steps and p.severity for p in info.policies)


@pytest.mark.parametrize("stack,level", [("dev", proto.ADVISORY), ("prod", proto.MANDATORY)])
def test_purge_protection_strictness_comes_from_the_stack_config(stack, level):
    vault = {
        "resourceGroupName": "rg",
        "properties": {
            "tenantId": "t",
            "sku": {"family": "A", "name": "standard"},
            "enableRbacAuthorization": True,
            "enableSoftDelete": True,
            "publicNetworkAccess": "Disabled",
        },
    }
    assert analyze(servicer(stack), "azure-native:keyvault:Vault", vault) == {"keyvault-purge-protection": level}


def test_unknown_inputs_never_abort_a_rule_in_the_real_analyzer():
    owner = "/providers/Microsoft.Authorization/roleDefinitions/8E3AF657-A8FF-443C-A75C-2FE8C4BCB635"
    props = {"principalId": UNKNOWN, "scope": UNKNOWN, "roleDefinitionId": owner}
    diagnostics = analyze(servicer("prod"), "azure-native:authorization:RoleAssignment", props)
    assert diagnostics == {"azure-grant-visibility": proto.ADVISORY}
