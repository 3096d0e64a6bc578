"""The engine answers every Entra (azuread) object the pack judges, as Microsoft Graph would, in both modes."""

import pytest
from support.policy_harness import PACK_DIR

from offline import run_preview
from offline.errors import OfflineError

PROGRAM = """\
import pulumi_azuread as azuread
app = azuread.Application("app", display_name="app", app_roles=[azuread.ApplicationAppRoleArgs(
    id="5f5a1e4c-4c6b-4c0e-9b1e-2d3c4b5a6f70", value="Admin", display_name="Admin", description="d",
    allowed_member_types=["User"])])
sp = azuread.ServicePrincipal("sp", client_id=app.client_id)
group = azuread.Group("admins", display_name="admins", security_enabled=True)
azuread.AppRoleAssignment("own-role", app_role_id=app.app_role_ids["Admin"], principal_object_id=group.object_id,
                          resource_object_id=sp.object_id)
graph = azuread.ServicePrincipal("graph", client_id="00000003-0000-0000-c000-000000000000", use_existing=True)
azuread.AppRoleAssignment("graph-permission", app_role_id="df021288-bdef-4463-88db-98f22de89214",
                          principal_object_id=group.object_id, resource_object_id=graph.object_id)
azuread.DirectoryRoleAssignment("role", role_id="62e90394-69f5-4237-9190-012177145e10",
                                principal_object_id=group.object_id)
"""


@pytest.mark.parametrize("preview", [False, True], ids=["known", "preview"])
def test_graph_objects_and_app_role_assignments_are_answered(write_program, preview):
    result = run_preview(write_program(PROGRAM), "dev", preview=preview, policy_pack=False, reports=False)
    assignments = result.find("azuread:index/appRoleAssignment:AppRoleAssignment")
    assert sorted(a.name for a in assignments) == ["graph-permission", "own-role"]
    if not preview:
        own = result.one("azuread:index/appRoleAssignment:AppRoleAssignment", "own-role")
        sp = result.one("azuread:index/servicePrincipal:ServicePrincipal", "sp")
        assert own.outputs["resourceObjectId"] == sp.outputs["objectId"]
        assert own.outputs["appRoleId"] == "5f5a1e4c-4c6b-4c0e-9b1e-2d3c4b5a6f70"
        assert result.one("azuread:index/group:Group").outputs["objectId"]


def test_graph_refuses_an_app_role_the_resource_does_not_define(write_program):
    program = write_program(
        PROGRAM.replace('app.app_role_ids["Admin"]', '"00000000-0000-4000-8000-0000000000ff"'), name="bad"
    )
    with pytest.raises(OfflineError, match="defines no app role"):
        run_preview(program, "dev", preview=False, policy_pack=False, reports=False)


GRAPH_PERMISSION = """\
import pulumi_azuread as azuread
ids = azuread.get_application_published_app_ids().result
graph = azuread.get_service_principal(client_id=ids["MicrosoftGraph"])
existing = azuread.ServicePrincipal("graph", client_id=ids["MicrosoftGraph"], use_existing=True)
azuread.AppRoleAssignment("takeover", app_role_id=graph.app_role_ids["RoleManagement.ReadWrite.Directory"],
                          principal_object_id="11111111-2222-3333-4444-555555555555",
                          resource_object_id=graph.object_id)
azuread.AppRoleAssignment("through-resource", app_role_id=existing.app_role_ids["Directory.ReadWrite.All"],
                          principal_object_id="11111111-2222-3333-4444-555555555555",
                          resource_object_id=existing.object_id)
"""


@pytest.mark.parametrize("preview", [False, True], ids=["known", "preview"])
def test_graph_permissions_looked_up_by_name_are_answered_and_judged(write_program, preview):
    result = run_preview(
        write_program(GRAPH_PERMISSION, name="perm"), "dev", preview=preview, policy_pack=PACK_DIR, reports=False
    )
    takeover = result.one("azuread:index/appRoleAssignment:AppRoleAssignment", "takeover")
    assert takeover.inputs["appRoleId"] == "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8"
    judged = {
        v.urn.rsplit("::", 1)[-1]: v.message
        for v in result.mandatory_violations
        if v.policy == "entra-graph-permissions"
    }
    assert "RoleManagement.ReadWrite.Directory" in judged["takeover"]
    # the existing Graph service principal's app role ids are known once it is read (not at a first preview)
    assert ("Directory.ReadWrite.All" in judged["through-resource"]) is not preview
    assert "through-resource" in judged


def test_an_unknown_service_principal_is_graphs_404(write_program):
    program = write_program(
        'import pulumi_azuread as azuread\nazuread.get_service_principal(client_id="nope")\n', name="nf"
    )
    with pytest.raises(OfflineError, match="404"):
        run_preview(program, "dev", policy_pack=False, reports=False)
