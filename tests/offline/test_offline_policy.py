"""The in-process CrossGuard runner, on the fixture program and the fixture pack."""

from __future__ import annotations

import json

import pytest
from support import FIXTURES

from offline import OfflineError, run_preview
from offline.policy import load_pack, resolve_settings

APP = FIXTURES / "azure_app"
PACK = FIXTURES / "policy_pack"


def _violations(result, policy):
    return [v for v in result.violations if v.policy == policy]


def test_pack_loads_unmodified_without_serving():
    pack = load_pack(PACK)
    assert pack.name == "fixture-pack"
    assert [p.name for p in pack.policies] == [
        "no-public-blobs",
        "max-nodes",
        "protected-groups",
        "principal-known",
        "roles-follow-identities",
    ]
    assert pack.initial_config == {"max-nodes": {"maxNodes": 5}}


def test_stack_config_file_is_the_default_config():
    # config/dev.json makes max-nodes mandatory with a limit of 2; the fixture's pool has 3 nodes.
    result = run_preview(APP, "dev", policy_pack=PACK)
    [violation] = _violations(result, "max-nodes")
    assert violation.enforcement_level == "mandatory"
    assert violation.message == "pool system has 3 nodes; at most 2 allowed"
    assert violation.urn == result.one("azure-native:containerservice:ManagedCluster").urn
    assert result.mandatory_violations == [violation]
    assert result.to_json()["policy"]["pack"] == "fixture-pack"


def test_initial_config_applies_when_no_file_overrides_it():
    # initial_config sets maxNodes 5: 3 nodes pass.
    result = run_preview(APP, "dev", policy_pack=PACK, policy_config={})
    assert _violations(result, "max-nodes") == []
    with_more_nodes = run_preview(APP, "dev", policy_pack=PACK, policy_config={}, config={"nodeCount": 6})
    [violation] = _violations(with_more_nodes, "max-nodes")
    assert violation.enforcement_level == "advisory"  # the pack default
    assert with_more_nodes.mandatory_violations == []


def test_config_overrides_enforcement_level_and_knobs():
    result = run_preview(APP, "dev", policy_pack=PACK, policy_config={"max-nodes": "disabled"})
    assert _violations(result, "max-nodes") == []
    mandatory_everywhere = run_preview(
        APP, "dev", policy_pack=PACK, config={"nodeCount": 6}, policy_config={"all": "mandatory"}
    )
    assert _violations(mandatory_everywhere, "max-nodes")[0].enforcement_level == "mandatory"
    generous = run_preview(APP, "dev", policy_pack=PACK, policy_config={"max-nodes": {"maxNodes": 3}})
    assert _violations(generous, "max-nodes") == []


def test_config_file_path_is_read(tmp_path):
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"max-nodes": {"enforcementLevel": "advisory", "maxNodes": 1}}))
    result = run_preview(APP, "dev", policy_pack=PACK, policy_config=path)
    [violation] = _violations(result, "max-nodes")
    assert violation.enforcement_level == "advisory"
    assert violation.message == "pool system has 3 nodes; at most 1 allowed"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"max-nodes": {"maxNodes": 0}}, "invalid config for policy 'max-nodes'"),
        ({"max-nodes": {"maxNodes": "ten"}}, "invalid config for policy 'max-nodes'"),
        ({"max-nodes": "sometimes"}, "enforcement level 'sometimes'"),
        ({"max-node": "advisory"}, "unknown policies"),
    ],
)
def test_bad_policy_config_is_an_error(config, message):
    with pytest.raises(OfflineError, match=message):
        resolve_settings(load_pack(PACK), config)


def test_resource_policies_see_inputs_and_options(write_program):
    compliant = run_preview(APP, "dev", policy_pack=PACK)
    assert _violations(compliant, "no-public-blobs") == []  # allowBlobPublicAccess=False in the inputs
    assert _violations(compliant, "protected-groups") == []  # protect=True on the group
    program = write_program(
        """
        from pulumi_azure_native import resources, storage
        group = resources.ResourceGroup("rg")
        storage.StorageAccount(
            "public", resource_group_name=group.name, kind="StorageV2", sku=storage.SkuArgs(name="Standard_LRS"),
        )
        """
    )
    result = run_preview(program, "dev", policy_pack=PACK)
    [public] = _violations(result, "no-public-blobs")
    assert public.enforcement_level == "mandatory"
    assert public.urn == result.one("azure-native:storage:StorageAccount").urn
    [unprotected] = _violations(result, "protected-groups")
    assert (unprotected.enforcement_level, unprotected.message) == ("advisory", "resource groups must be protected")


def test_stack_policy_follows_property_dependencies():
    result = run_preview(APP, "dev", policy_pack=PACK)
    assert _violations(result, "roles-follow-identities") == []


def test_stack_policy_reports_against_a_resource(write_program):
    program = write_program(
        """
        from pulumi_azure_native import authorization
        authorization.RoleAssignment(
            "loose", scope="/subscriptions/x", principal_id="00000000-0000-0000-0000-000000000000",
            role_definition_id="/providers/Microsoft.Authorization/roleDefinitions/acdd72a7",
        )
        """
    )
    result = run_preview(program, "dev", policy_pack=PACK)
    [violation] = _violations(result, "roles-follow-identities")
    assert violation.enforcement_level == "mandatory"
    assert violation.urn == result.one("azure-native:authorization:RoleAssignment").urn


def test_unknown_values_in_preview_become_an_advisory_note():
    result = run_preview(APP, "dev", preview=True, policy_pack=PACK)
    [note] = _violations(result, "principal-known")
    assert note.enforcement_level == "advisory"
    assert "can't be known during preview" in note.message
    assert _violations(run_preview(APP, "dev", policy_pack=PACK), "principal-known") == []


def test_missing_default_pack_is_reported_not_fatal():
    result = run_preview(APP, "dev")
    assert result.policy_pack is None
    assert "no policy pack found" in result.policy_note


def test_crashing_policy_is_an_error(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "__main__.py").write_text(
        "from pulumi_policy import PolicyPack, ResourceValidationPolicy\n"
        "def boom(args, report):\n"
        "    raise KeyError('nope')\n"
        "PolicyPack('crash', policies=[ResourceValidationPolicy(name='boom', description='d', validate=boom)])\n"
    )
    with pytest.raises(OfflineError, match=r"policy 'boom' failed on urn:pulumi:dev::fixture-app::.*KeyError"):
        run_preview(APP, "dev", policy_pack=pack)
