"""Built-in role ids: the GUIDs Azure documents, formatted for a subscription."""

import pytest

from facts.roles import BUILTIN_ROLES, role_definition_id

SUB = "00000000-1111-2222-3333-444444444444"


@pytest.mark.parametrize(
    ("role", "guid"),
    [
        ("Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6"),
        ("Key Vault Secrets Officer", "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"),
        ("Storage Blob Data Contributor", "ba92f5b4-2d11-453d-a403-e96b0029c9fe"),
        ("Storage Blob Data Reader", "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"),
        ("AcrPull", "7f951dda-4ed3-4680-a7ca-43fe172d538d"),
        ("AcrPush", "8311e382-0749-4cb8-b61a-304f252e45ec"),
        ("Container Registry Data Importer and Data Reader", "577a9874-89fd-4f24-9dbd-b5034d0ad23a"),
        ("Azure Kubernetes Service RBAC Cluster Admin", "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"),
        ("Network Contributor", "4d97b98b-1d4f-4787-a291-c67834d212e7"),
        ("Managed Identity Operator", "f1a07417-d97a-45cb-824c-7a7467783830"),
        ("Monitoring Metrics Publisher", "3913510d-42f4-4e42-8a64-420c390055eb"),
        ("Storage Queue Data Contributor", "974c5e8b-45b9-4653-ba55-5f855dd0fb88"),
        ("Storage Queue Data Reader", "19e7f393-937e-4f77-808e-94535e297925"),
        ("Storage Queue Data Message Sender", "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a"),
        ("Storage Queue Data Message Processor", "8a0f0c08-91a1-4084-bc3d-661d67233fed"),
        ("Storage Table Data Contributor", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"),
        ("Storage Table Data Reader", "76199698-9eea-4c19-bc75-cec21354c6b6"),
        ("Azure Service Bus Data Sender", "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39"),
        ("Azure Service Bus Data Receiver", "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0"),
        ("Azure Event Hubs Data Sender", "2b629674-e913-4c01-ae53-ef4638d8f975"),
        ("Azure Event Hubs Data Receiver", "a638d3c7-ab3a-418d-83e6-5f17a39d4fde"),
        ("Monitoring Data Reader", "b0d8363b-8ddd-447d-831f-62ca05bff136"),
        ("Grafana Admin", "22926164-76b3-42b3-bc55-97df8dab3e41"),
    ],
)
def test_role_definition_ids_use_the_documented_guids(role, guid):
    assert (
        role_definition_id(SUB, role)
        == f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
    )


def test_every_known_role_is_checked_above_and_no_wildcard_role_exists():
    assert len(BUILTIN_ROLES) == 23
    assert not any(name in BUILTIN_ROLES for name in ("Owner", "Contributor", "User Access Administrator"))


def test_an_unknown_role_names_the_known_ones():
    with pytest.raises(KeyError, match="unknown built-in role 'Owner'; known: AcrPull, AcrPush, Azure Event Hubs"):
        role_definition_id(SUB, "Owner")


def test_the_privileged_roles_are_the_documented_guids():
    """The one list the program, the policy pack and the bootstrap delegation refuse (learn.microsoft.com)."""
    from facts.roles import PRIVILEGED_ROLES

    assert PRIVILEGED_ROLES == {
        "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
        "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    }
    assert not set(PRIVILEGED_ROLES) & set(BUILTIN_ROLES)


def test_every_program_role_is_the_one_azure_publishes_under_that_name():
    """facts/roles.py is written by hand; the policy pack's table is Azure's published definitions (its `source`)."""
    import json
    from pathlib import Path

    from facts.roles import PRIVILEGED_ROLES

    table = Path(__file__).resolve().parents[2] / "policies" / "airflow_aks_policies" / "azure_roles.json"
    published = {role["name"]: guid for guid, role in json.loads(table.read_text())["roles"].items()}
    for name, guid in {**BUILTIN_ROLES, **PRIVILEGED_ROLES}.items():
        assert published.get(name) == guid, name


def test_facts_read_no_files():
    """Facts are the bottom layer: data in code, never a file that belongs to another layer (the pack's table)."""
    from pathlib import Path

    facts = Path(__file__).resolve().parents[2] / "facts"
    for module in facts.glob("*.py"):
        text = module.read_text()
        assert "read_text(" not in text and "open(" not in text, module.name
