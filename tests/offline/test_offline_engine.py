"""The engine on the fixture program: recording, secrets, unknowns, options, Azure-shaped mocks, errors."""

from __future__ import annotations

import ast
import base64
import gc
import json
import os
import re
import string

import pytest
import yaml
from kubernetes import config as k8s_config
from support import FIXTURES, ROOT

from offline import UNKNOWN, OfflineError, UnansweredInvoke, run_preview

APP = FIXTURES / "azure_app"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SUB = r"/subscriptions/[0-9a-f-]{36}"


@pytest.fixture(scope="module")
def up():
    return run_preview(APP, "dev", policy_pack=False)


@pytest.fixture(scope="module")
def first_preview():
    return run_preview(APP, "dev", preview=True, policy_pack=False)


def test_every_resource_is_recorded_with_its_parent(up):
    stack = up.one("pulumi:pulumi:Stack")
    component = up.one("fixture:storage:LogStorage", "logs")
    account = up.one("azure-native:storage:StorageAccount", "logs-account")
    assert component.parent == stack.urn and not component.custom
    assert account.parent == component.urn and account.custom
    assert up.by_urn(account.urn) is account
    assert len(up.find("azure-native:keyvault:Secret")) == 1
    assert up.resources[0] is stack


def test_components_are_recorded_but_never_mocked(up):
    component = up.one("fixture:storage:LogStorage")
    assert component.id is None
    account_name = up.one("azure-native:storage:StorageAccount").outputs["name"]
    assert component.outputs == {"blobEndpoint": f"https://{account_name}.blob.core.windows.net/"}


def test_options_are_recorded(up):
    group = up.one("azure-native:resources:ResourceGroup")
    cluster = up.one("azure-native:containerservice:ManagedCluster")
    role = up.one("azure-native:authorization:RoleAssignment")
    identity = up.one("azure-native:managedidentity:UserAssignedIdentity")
    assert group.protect and not cluster.protect
    assert cluster.retain_on_delete
    assert cluster.ignore_changes == ["kubernetesVersion"]
    assert role.delete_before_replace is True and cluster.delete_before_replace is None
    assert {"name": "old-blob-role"} in role.aliases
    assert cluster.urn in role.depends_on
    assert role.property_dependencies["principalId"] == [identity.urn]
    options = role.to_json()["options"]
    assert set(options) == {"protect", "retainOnDelete", "dependsOn", "ignoreChanges", "deleteBeforeReplace", "aliases"}


def test_secret_inputs_are_unwrapped_for_tests_and_masked_for_display(up):
    secret = up.one("azure-native:keyvault:Secret")
    assert secret.inputs["properties"]["value"].startswith("offline-secret-")
    assert "properties.value" in secret.secret_paths
    assert secret.masked_inputs()["properties"]["value"] == "[secret]"
    assert secret.masked_inputs()["secretName"] == "db-password"


def test_secret_outputs_are_masked_in_json(up):
    document = up.to_json()
    assert up.secret_outputs == {"adminPassword", "kubeconfig", "databaseUser"}
    assert up.outputs["databaseUser"] == "airflow"
    for name in up.secret_outputs:
        assert document["outputs"][name] == "[secret]"
    text = json.dumps(document)
    assert up.outputs["adminPassword"] not in text
    assert "offline-secret-" not in text


def test_json_document_shape(up):
    document = up.to_json()
    assert set(document) == {"project", "stack", "mode", "resources", "outputs", "policy", "notExpanded", "timing"}
    assert (document["project"], document["stack"], document["mode"]) == ("fixture-app", "dev", "up")
    assert document["policy"] == {"pack": None, "violations": []}
    assert set(document["timing"]) == {"load", "program", "policy", "total"}
    resource = document["resources"][1]
    assert set(resource) >= {"urn", "type", "name", "parent", "provider", "inputs", "options"}
    json.dumps(document)  # plain JSON all the way down


def test_computed_outputs_are_unknown_in_preview_and_known_after_up(up, first_preview):
    assert first_preview.mode == "preview"
    assert GUID.match(up.one("azure-native:managedidentity:UserAssignedIdentity").outputs["principalId"])
    role = first_preview.one("azure-native:authorization:RoleAssignment")
    assert role.inputs["principalId"] is UNKNOWN
    assert role.masked_inputs()["principalId"] == "[unknown]"
    assert first_preview.outputs["suffixHex"] is UNKNOWN
    assert first_preview.to_json()["outputs"]["suffixHex"] == "[unknown]"
    assert re.fullmatch(r"[0-9a-f]{8}", up.outputs["suffixHex"])
    # Values that do not depend on the provider stay known in preview.
    assert first_preview.outputs["nodeCount"] == 3
    assert first_preview.outputs["databaseUser"] == "airflow"


def test_preview_records_inputs_only(first_preview):
    account = first_preview.one("azure-native:storage:StorageAccount")
    assert account.id is None
    assert "primaryEndpoints" not in account.outputs
    assert account.outputs == account.inputs


def test_arm_ids_names_and_endpoints(up):
    rg = up.one("azure-native:resources:ResourceGroup")
    assert re.fullmatch(SUB + "/resourceGroups/fx-rg", rg.id)
    cluster = up.one("azure-native:containerservice:ManagedCluster")
    assert re.fullmatch(
        SUB + r"/resourceGroups/fx-rg/providers/Microsoft\.ContainerService/managedClusters/aks\w{8}", cluster.id
    )
    assert cluster.outputs["name"] == cluster.id.rsplit("/", 1)[1]
    container = up.one("azure-native:storage:BlobContainer")
    account_name = up.one("azure-native:storage:StorageAccount").outputs["name"]
    assert container.id.endswith(f"/storageAccounts/{account_name}/blobServices/default/containers/logs")
    assert container.outputs["type"] == "Microsoft.Storage/storageAccounts/blobServices/containers"
    role = up.one("azure-native:authorization:RoleAssignment")
    assert role.id.startswith(
        up.one("azure-native:storage:StorageAccount").id + "/providers/Microsoft.Authorization/roleAssignments/"
    )
    assert GUID.match(role.id.rsplit("/", 1)[1])
    federation = up.one("azure-native:managedidentity:FederatedIdentityCredential")
    identity = up.one("azure-native:managedidentity:UserAssignedIdentity")
    assert federation.id == f"{identity.id}/federatedIdentityCredentials/{federation.outputs['name']}"
    oidc = cluster.outputs["oidcIssuerProfile"]["issuerURL"]
    tenant = identity.outputs["tenantId"]
    assert re.fullmatch(rf"https://northeurope\.oic\.prod-aks\.azure\.com/{tenant}/[0-9a-f-]{{36}}/", oidc)
    assert federation.inputs["issuer"] == oidc
    assert set(cluster.outputs["identityProfile"]["kubeletidentity"]) == {"clientId", "objectId", "resourceId"}
    assert GUID.match(cluster.outputs["identity"]["principalId"])
    vault = up.one("azure-native:keyvault:Vault")
    assert vault.outputs["properties"]["vaultUri"] == f"https://{vault.outputs['name']}.vault.azure.net/"
    secret = up.one("azure-native:keyvault:Secret")
    vault_uri = f"https://{vault.outputs['name']}.vault.azure.net/"
    assert secret.outputs["properties"]["secretUri"] == vault_uri + "secrets/db-password"
    assert "value" not in secret.outputs["properties"]


def test_names_are_stable_between_runs(up):
    again = run_preview(APP, "dev", policy_pack=False)
    assert [r.urn for r in again.resources] == [r.urn for r in up.resources]

    def azure_ids(result):
        return [r.id for r in result.resources if r.type.startswith("azure-native:")]

    assert azure_ids(again) == azure_ids(up)
    other_stack = run_preview(APP, "dev", policy_pack=False, config={"prefix": "zz"})
    assert other_stack.one("azure-native:resources:ResourceGroup").id.endswith("/zz-rg")


def test_random_values_honour_their_inputs(up):
    password = up.one("random:index/randomPassword:RandomPassword").outputs["result"]
    assert len(password) == 24 and not set(password) - set(string.ascii_letters + string.digits)
    token = up.one("random:index/randomString:RandomString").outputs["result"]
    assert len(token) == 12 and not set(token) - set(string.ascii_lowercase + string.digits + "_")
    suffix = up.one("random:index/randomId:RandomId").outputs
    assert len(bytes.fromhex(suffix["hex"])) == 4
    assert base64.b64decode(suffix["b64Std"]) == bytes.fromhex(suffix["hex"])
    assert int(suffix["dec"]) == int(suffix["hex"], 16)
    assert "result" in up.one("random:index/randomPassword:RandomPassword").output_secret_paths


def test_kubeconfig_invoke_returns_a_real_aks_kubeconfig(up, tmp_path):
    kubeconfig = base64.b64decode(up.outputs["kubeconfig"]).decode()
    path = tmp_path / "kubeconfig"
    path.write_text(kubeconfig)
    loader = k8s_config.kube_config.KubeConfigLoader(config_dict=yaml.safe_load(kubeconfig))
    cluster = up.one("azure-native:containerservice:ManagedCluster")
    assert loader.current_context["context"]["cluster"] == cluster.outputs["name"]
    doc = yaml.safe_load(kubeconfig)
    assert doc["clusters"][0]["cluster"]["server"] == f"https://{cluster.outputs['fqdn']}:443"
    exec_args = doc["users"][0]["user"]["exec"]["args"]
    assert (
        exec_args[exec_args.index("--tenant-id") + 1]
        == up.one("azure-native:managedidentity:UserAssignedIdentity").outputs["tenantId"]
    )
    assert "--server-id" in exec_args and "6dae42f8-4368-4678-94ff-3960e28e3630" in exec_args


def test_runs_repeat_in_one_process_without_leaking_modules(write_program):
    first = write_program(
        """
        import pulumi
        from app import label
        pulumi.export("label", label)
        """,
        name="first",
    )
    (first / "app.py").write_text("label = 'first'\n")
    second = write_program(
        """
        import pulumi
        from app import label
        pulumi.export("label", label)
        """,
        name="second",
    )
    (second / "app.py").write_text("label = 'second'\n")
    assert run_preview(first, "dev").outputs == {"label": "first"}
    assert run_preview(second, "dev").outputs == {"label": "second"}
    assert run_preview(first, "dev").outputs == {"label": "first"}


def test_run_error_message_is_passed_through(write_program):
    program = write_program(
        """
        import pulumi
        raise pulumi.RunError("airflow-aks:cluster.taskPool.maxCount must be >= minCount")
        """
    )
    with pytest.raises(OfflineError) as caught:
        run_preview(program, "dev")
    assert str(caught.value) == "airflow-aks:cluster.taskPool.maxCount must be >= minCount"
    assert caught.value.exit_code == 2 and not caught.value.has_traceback


def test_config_require_failure_is_a_clear_error(write_program):
    program = write_program("import pulumi\npulumi.Config().require('missing')\n")
    with pytest.raises(OfflineError, match="Missing required configuration variable 'prog:missing'"):
        run_preview(program, "dev")


def test_unexpected_exception_names_its_type(write_program):
    program = write_program("raise ValueError('boom')\n")
    with pytest.raises(OfflineError, match=r"^ValueError: boom$") as caught:
        run_preview(program, "dev")
    assert caught.value.has_traceback


def test_exception_inside_an_apply_is_reported(write_program):
    program = write_program(
        """
        import pulumi
        pulumi.export("x", pulumi.Output.from_input(1).apply(lambda v: v / 0))
        """
    )
    with pytest.raises(OfflineError, match="ZeroDivisionError"):
        run_preview(program, "dev")


def test_unanswered_invoke_fails_naming_the_token(write_program):
    program = write_program(
        """
        from pulumi_azure_native import storage
        storage.list_storage_account_keys(resource_group_name="rg", account_name="acct")
        """
    )
    with pytest.raises(UnansweredInvoke, match="azure-native:storage:listStorageAccountKeys") as caught:
        run_preview(program, "dev")
    assert caught.value.exit_code == 2


def test_unanswered_invoke_fails_even_if_the_program_swallows_it(write_program):
    program = write_program(
        """
        from pulumi_azure_native import storage
        try:
            storage.list_storage_account_keys(resource_group_name="rg", account_name="acct")
        except Exception:
            pass
        """
    )
    with pytest.raises(UnansweredInvoke, match="listStorageAccountKeys"):
        run_preview(program, "dev")


def test_explicit_providers_and_kubernetes_resources(write_program):
    program = write_program(
        """
        import pulumi
        import pulumi_kubernetes as k8s
        provider = k8s.Provider("k8s", kubeconfig="apiVersion: v1", enable_server_side_apply=True)
        ns = k8s.core.v1.Namespace("airflow", opts=pulumi.ResourceOptions(provider=provider))
        release = k8s.helm.v3.Release(
            "airflow", chart="airflow", version="1.20.0", namespace="airflow",
            opts=pulumi.ResourceOptions(provider=provider),
        )
        pulumi.export("ns", ns.metadata.name)
        pulumi.export("status", release.status.status)
        """
    )
    result = run_preview(program, "dev")
    provider = result.one("pulumi:providers:kubernetes", "k8s")
    namespace = result.one("kubernetes:core/v1:Namespace")
    assert namespace.provider == f"{provider.urn}::{provider.id}"
    assert re.fullmatch(r"airflow-[0-9a-f]{8}", result.outputs["ns"])
    assert result.outputs["status"] == "deployed"
    release = result.one("kubernetes:helm.sh/v3:Release").outputs["status"]
    assert (release["chart"], release["version"], release["namespace"]) == ("airflow", "1.20.0", "airflow")


def test_secret_config_override_is_secret_in_the_program(write_program):
    program = write_program(
        """
        import pulumi
        pulumi.export("token", pulumi.Config().require_secret("token"))
        pulumi.export("plain", pulumi.Config().require("plain"))
        """
    )
    result = run_preview(program, "dev", config={"plain": "p"}, secret_config={"prog:token": "t"})
    assert result.outputs == {"token": "t", "plain": "p"}
    assert result.secret_outputs == {"token"}


def test_the_program_gets_its_config_in_the_language_hosts_environment(write_program, monkeypatch):
    """PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS as pulumi-language-python sets them; the caller's are restored."""
    monkeypatch.setenv("PULUMI_CONFIG", '{"caller:own": "kept"}')
    monkeypatch.delenv("PULUMI_CONFIG_SECRET_KEYS", raising=False)
    program = write_program(
        """
        import json, os
        import pulumi
        pulumi.export("config", json.loads(os.environ["PULUMI_CONFIG"]))
        pulumi.export("secretKeys", json.loads(os.environ["PULUMI_CONFIG_SECRET_KEYS"]))
        """,
        stacks={"dev": "config:\n  prog:size: 3\n  other:flag: true\n"},
    )
    result = run_preview(program, "dev", secret_config={"token": "t"})
    assert result.outputs["config"] == {"prog:size": "3", "other:flag": "true", "prog:token": "t"}
    assert result.outputs["secretKeys"] == ["prog:token"]
    assert os.environ["PULUMI_CONFIG"] == '{"caller:own": "kept"}'
    assert "PULUMI_CONFIG_SECRET_KEYS" not in os.environ


def test_get_client_config_is_stable(write_program):
    program = write_program(
        """
        import pulumi
        from pulumi_azure_native import authorization
        c = authorization.get_client_config()
        pulumi.export("ids", [c.client_id, c.object_id, c.subscription_id, c.tenant_id])
        """
    )
    first = run_preview(program, "dev").outputs["ids"]
    assert all(GUID.match(i) for i in first)
    assert run_preview(program, "dev").outputs["ids"] == first


def test_existing_resources_are_read_not_created(write_program):
    existing = "/subscriptions/0000/resourceGroups/shared/providers/Microsoft.Storage/storageAccounts/shared"
    program = write_program(
        f"""
        import pulumi
        from pulumi_azure_native import storage
        account = storage.StorageAccount.get("shared", "{existing}")
        pulumi.export("blob", account.primary_endpoints.apply(lambda e: e.blob))
        """
    )
    result = run_preview(program, "dev")
    record = result.one("azure-native:storage:StorageAccount", "shared")
    assert record.read and record.id == existing
    assert result.outputs["blob"] == "https://shared.blob.core.windows.net/"


def test_user_assigned_identities_get_principal_ids(write_program):
    program = write_program(
        """
        import pulumi
        from pulumi_azure_native import containerservice, managedidentity
        uami = managedidentity.UserAssignedIdentity("control-plane", resource_group_name="rg")
        cluster = containerservice.ManagedCluster(
            "aks", resource_group_name="rg", dns_prefix="aks",
            identity=containerservice.ManagedClusterIdentityArgs(
                type=containerservice.ResourceIdentityType.USER_ASSIGNED, user_assigned_identities=[uami.id],
            ),
        )
        pulumi.export("identity", cluster.identity)
        """
    )
    result = run_preview(program, "dev")
    uami_id = result.one("azure-native:managedidentity:UserAssignedIdentity").id
    assigned = result.outputs["identity"]["userAssignedIdentities"][uami_id]
    assert GUID.match(assigned["principalId"]) and GUID.match(assigned["clientId"])


def test_main_directory_from_pulumi_yaml_is_run(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "helpers.py").write_text("VALUE = 'from src'\n")
    (tmp_path / "src" / "__main__.py").write_text(
        "import pulumi\nfrom helpers import VALUE\npulumi.export('v', VALUE)\n"
    )
    (tmp_path / "Pulumi.yaml").write_text("name: nested\nruntime: python\nmain: src/\n")
    assert run_preview(tmp_path, "dev").outputs == {"v": "from src"}


def test_computed_fields_nested_in_an_input_object_are_unknown_in_preview(write_program):
    """As with the real provider, the OIDC issuer URL inside oidcIssuerProfile is unknown until the cluster exists."""
    program = write_program(
        """
        import pulumi
        from pulumi_azure_native import containerservice as cs
        cluster = cs.ManagedCluster(
            "aks",
            resource_group_name="rg",
            oidc_issuer_profile=cs.ManagedClusterOIDCIssuerProfileArgs(enabled=True),
        )
        pulumi.export("issuer", cluster.oidc_issuer_profile.issuer_url)
        pulumi.export("enabled", cluster.oidc_issuer_profile.enabled)
        """
    )
    first = run_preview(program, "dev", preview=True)
    assert first.outputs["issuer"] is UNKNOWN
    assert first.outputs["enabled"] is True
    after_up = run_preview(program, "dev")
    assert after_up.outputs["issuer"].startswith("https://westeurope.oic.prod-aks.azure.com/")


def test_an_invoke_about_a_declared_but_uncreated_resource_is_resource_not_found():
    """In a first preview the probe of a declared cluster must not make it look created to later invokes."""
    from offline.azure_mocks import AzureMocks

    mocks = AzureMocks("p", "dev", location="westeurope")
    mocks.pending.add(("azure-native:containerservice:ManagedCluster", "rg", "aks"))
    with pytest.raises(OfflineError, match="ResourceNotFound: ManagedCluster 'aks' in resource group 'rg'"):
        mocks.invokes["azure-native:containerservice:listManagedClusterUserCredentials"](
            {"resourceGroupName": "rg", "resourceName": "aks"}
        )
    # A cluster the program does not declare is a pre-existing one: the mocks answer for it.
    answer = mocks.invokes["azure-native:containerservice:listManagedClusterUserCredentials"](
        {"resourceGroupName": "rg", "resourceName": "other"}
    )
    assert answer["kubeconfigs"][0]["name"] == "clusterUser"


def test_a_first_preview_records_declared_resources_as_not_yet_created(write_program):
    program = write_program(
        """
        from pulumi_azure_native import containerservice as cs
        cs.ManagedCluster("aks", resource_name_="aks", resource_group_name="rg")
        """
    )
    from offline import engine

    seen = {}
    original = engine.AzureMocks

    class Capturing(original):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            seen["mocks"] = self

    engine.AzureMocks = Capturing
    try:
        run_preview(program, "dev", preview=True)
    finally:
        engine.AzureMocks = original
    key = ("azure-native:containerservice:ManagedCluster", "rg", "aks")
    assert key in seen["mocks"].pending and key not in seen["mocks"].states


REPORT_MODULE = """
from dataclasses import dataclass


@dataclass
class Count:
    resources: int

    def to_json(self):
        return {"resources": self.resources}


def build(result):
    return Count(len([r for r in result.resources if r.custom]))


def render(report):
    return f"{report.resources} custom resources"


def compare(reports):
    return ", ".join(f"{stack}: {report.resources}" for stack, report in reports.items())
"""


def test_a_project_declares_reports_in_pyproject_and_the_engine_builds_them(write_program):
    program = write_program(
        "import pulumi_random as random\nrandom.RandomPet('pet')\n", stacks={"dev": "", "prod": ""}, name="counted"
    )
    (program / "pyproject.toml").write_text('[tool.offline.reports]\ncount = "counting"\n')
    (program / "counting.py").write_text(REPORT_MODULE)
    result = run_preview(program, "dev", policy_pack=False)
    assert result.to_json()["count"] == {"resources": 1}
    assert run_preview(program, "dev", policy_pack=False, reports=False).reports == {}


def test_the_cli_compares_a_declared_report_and_refuses_an_unknown_command(write_program, capsys):
    from offline.__main__ import main

    program = write_program(
        "import pulumi_random as random\nrandom.RandomPet('pet')\n", stacks={"dev": "", "prod": ""}, name="counted"
    )
    (program / "pyproject.toml").write_text('[tool.offline.reports]\ncount = "counting"\n')
    (program / "counting.py").write_text(REPORT_MODULE)
    assert main(["count", "--cwd", str(program), "--stack", "dev", "--stack", "prod"]) == 0
    assert capsys.readouterr().out.strip() == "dev: 1, prod: 1"
    assert main(["cost", "--cwd", str(program), "--stack", "dev"]) == 2
    assert "'cost' is not a command; choose one of preview, count" in capsys.readouterr().err


UNRETRIEVED = """
import asyncio

import pulumi


def lookup(table):
    return table["missing"] + 1


loop = asyncio.get_event_loop()
kept = []
for index in range(100):
    future = loop.create_future()
    try:
        lookup({})
    except KeyError as error:
        future.set_exception(error)  # never retrieved
    kept.append(future)
pulumi.export("done", True)
"""


def test_futures_nobody_retrieved_do_not_break_a_later_ast_parse(write_program):
    """The garbage collector may free a run's unretrieved futures inside any later code; their log line must not
    format a traceback there (on Python 3.11.7 that nests `ast.parse` and raises SystemError, CPython gh-106905)."""
    program = write_program(UNRETRIEVED)
    source = (ROOT / "offline" / "azure_mocks.py").read_text()
    threshold = gc.get_threshold()
    gc.disable()  # keep the run's garbage until the parse below, where collection then runs often
    try:
        assert run_preview(program, "dev", policy_pack=False).outputs == {"done": True}
        gc.enable()
        gc.set_threshold(5)
        for _ in range(3):
            ast.parse(source)
    finally:
        gc.set_threshold(*threshold)
        gc.enable()
