"""Pulumi mocks that answer like Azure and Microsoft Graph (and like the random and kubernetes providers).

Data driven by type token: ``ARM_TYPES`` says where a resource lives in ARM (its provider path and which input
names it), ``COMPUTED`` adds the outputs Azure computes for a type, ``INVOKES`` answers provider functions. Adding a
type or an invoke is one entry. Names and ids are deterministic per (stack, URN) so runs are reproducible; values of
pulumi-random resources are real random values.
"""

from __future__ import annotations

import base64
import hashlib
import random
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

from . import kubernetes
from .errors import OfflineError, UnansweredInvoke

# Resource provider namespaces of azure-native modules whose capitalisation cannot be derived from the module name.
NAMESPACES = {
    "containerservice": "Microsoft.ContainerService",
    "keyvault": "Microsoft.KeyVault",
    "storage": "Microsoft.Storage",
    "managedidentity": "Microsoft.ManagedIdentity",
    "dbforpostgresql": "Microsoft.DBforPostgreSQL",
    "operationalinsights": "Microsoft.OperationalInsights",
    "insights": "Microsoft.Insights",
    "monitor": "Microsoft.Insights",
    "network": "Microsoft.Network",
    "privatedns": "Microsoft.Network",
    "authorization": "Microsoft.Authorization",
    "resources": "Microsoft.Resources",
    "containerregistry": "Microsoft.ContainerRegistry",
    "dashboard": "Microsoft.Dashboard",
    "alertsmanagement": "Microsoft.AlertsManagement",
    "operationsmanagement": "Microsoft.OperationsManagement",
    "kubernetesconfiguration": "Microsoft.KubernetesConfiguration",
    "compute": "Microsoft.Compute",
}


@dataclass(frozen=True)
class ArmType:
    """Where a resource lives: ``path`` below ``providers/`` with ``{input}`` placeholders, and its name input."""

    path: str
    name_input: str | None = None
    scope_input: str | None = None  # extension resources hang below another resource's id


ARM_TYPES: dict[str, ArmType] = {
    "azure-native:containerservice:ManagedCluster": ArmType(
        "Microsoft.ContainerService/managedClusters", "resourceName"
    ),
    "azure-native:containerservice:AgentPool": ArmType(
        "Microsoft.ContainerService/managedClusters/{resourceName}/agentPools", "agentPoolName"
    ),
    "azure-native:containerservice:MaintenanceConfiguration": ArmType(
        "Microsoft.ContainerService/managedClusters/{resourceName}/maintenanceConfigurations", "configName"
    ),
    "azure-native:containerregistry:Registry": ArmType("Microsoft.ContainerRegistry/registries", "registryName"),
    "azure-native:containerregistry:CacheRule": ArmType(
        "Microsoft.ContainerRegistry/registries/{registryName}/cacheRules", "cacheRuleName"
    ),
    "azure-native:containerregistry:CredentialSet": ArmType(
        "Microsoft.ContainerRegistry/registries/{registryName}/credentialSets", "credentialSetName"
    ),
    "azure-native:keyvault:Vault": ArmType("Microsoft.KeyVault/vaults", "vaultName"),
    "azure-native:keyvault:Secret": ArmType("Microsoft.KeyVault/vaults/{vaultName}/secrets", "secretName"),
    "azure-native:storage:StorageAccount": ArmType("Microsoft.Storage/storageAccounts", "accountName"),
    "azure-native:storage:BlobContainer": ArmType(
        "Microsoft.Storage/storageAccounts/{accountName}/blobServices/default/containers", "containerName"
    ),
    "azure-native:storage:BlobServiceProperties": ArmType(
        "Microsoft.Storage/storageAccounts/{accountName}/blobServices", "blobServicesName"
    ),
    "azure-native:storage:ManagementPolicy": ArmType(
        "Microsoft.Storage/storageAccounts/{accountName}/managementPolicies", "managementPolicyName"
    ),
    "azure-native:managedidentity:UserAssignedIdentity": ArmType(
        "Microsoft.ManagedIdentity/userAssignedIdentities", "resourceName"
    ),
    "azure-native:managedidentity:FederatedIdentityCredential": ArmType(
        "Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}/federatedIdentityCredentials",
        "federatedIdentityCredentialResourceName",
    ),
    "azure-native:dbforpostgresql:Server": ArmType("Microsoft.DBforPostgreSQL/flexibleServers", "serverName"),
    "azure-native:dbforpostgresql:Database": ArmType(
        "Microsoft.DBforPostgreSQL/flexibleServers/{serverName}/databases", "databaseName"
    ),
    "azure-native:dbforpostgresql:Configuration": ArmType(
        "Microsoft.DBforPostgreSQL/flexibleServers/{serverName}/configurations", "configurationName"
    ),
    "azure-native:dbforpostgresql:FirewallRule": ArmType(
        "Microsoft.DBforPostgreSQL/flexibleServers/{serverName}/firewallRules", "firewallRuleName"
    ),
    "azure-native:dbforpostgresql:Administrator": ArmType(
        "Microsoft.DBforPostgreSQL/flexibleServers/{serverName}/administrators", "objectId"
    ),
    "azure-native:operationalinsights:Workspace": ArmType("Microsoft.OperationalInsights/workspaces", "workspaceName"),
    "azure-native:operationalinsights:Table": ArmType(
        "Microsoft.OperationalInsights/workspaces/{workspaceName}/tables", "tableName"
    ),
    "azure-native:network:VirtualNetwork": ArmType("Microsoft.Network/virtualNetworks", "virtualNetworkName"),
    "azure-native:network:Subnet": ArmType(
        "Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets", "subnetName"
    ),
    "azure-native:network:NetworkSecurityGroup": ArmType(
        "Microsoft.Network/networkSecurityGroups", "networkSecurityGroupName"
    ),
    "azure-native:network:NatGateway": ArmType("Microsoft.Network/natGateways", "natGatewayName"),
    "azure-native:network:PublicIPAddress": ArmType("Microsoft.Network/publicIPAddresses", "publicIpAddressName"),
    "azure-native:network:PrivateEndpoint": ArmType("Microsoft.Network/privateEndpoints", "privateEndpointName"),
    "azure-native:privatedns:PrivateZone": ArmType("Microsoft.Network/privateDnsZones", "privateZoneName"),
    "azure-native:privatedns:VirtualNetworkLink": ArmType(
        "Microsoft.Network/privateDnsZones/{privateZoneName}/virtualNetworkLinks", "virtualNetworkLinkName"
    ),
    "azure-native:monitor:ActionGroup": ArmType("Microsoft.Insights/actionGroups", "actionGroupName"),
    "azure-native:monitor:AzureMonitorWorkspace": ArmType("Microsoft.Monitor/accounts", "azureMonitorWorkspaceName"),
    "azure-native:monitor:DataCollectionEndpoint": ArmType(
        "Microsoft.Insights/dataCollectionEndpoints", "dataCollectionEndpointName"
    ),
    "azure-native:monitor:DataCollectionRule": ArmType(
        "Microsoft.Insights/dataCollectionRules", "dataCollectionRuleName"
    ),
    "azure-native:monitor:DataCollectionRuleAssociation": ArmType(
        "Microsoft.Insights/dataCollectionRuleAssociations", "associationName", scope_input="resourceUri"
    ),
    "azure-native:alertsmanagement:PrometheusRuleGroup": ArmType(
        "Microsoft.AlertsManagement/prometheusRuleGroups", "ruleGroupName"
    ),
    "azure-native:dashboard:Grafana": ArmType("Microsoft.Dashboard/grafana", "workspaceName"),
    "azure-native:monitor:MetricAlert": ArmType("Microsoft.Insights/metricAlerts", "ruleName"),
    "azure-native:monitor:DiagnosticSetting": ArmType(
        "Microsoft.Insights/diagnosticSettings", "name", scope_input="resourceUri"
    ),
    "azure-native:authorization:RoleAssignment": ArmType(
        "Microsoft.Authorization/roleAssignments", "roleAssignmentName", scope_input="scope"
    ),
    "azure-native:authorization:ManagementLockAtResourceGroupLevel": ArmType(
        "Microsoft.Authorization/locks", "lockName"
    ),
    # Created at any assignable scope, but ARM returns a custom role's id below its subscription.
    "azure-native:authorization:RoleDefinition": ArmType(
        "Microsoft.Authorization/roleDefinitions", "roleDefinitionId", scope_input="scope"
    ),
}

GUID_NAMED = ("azure-native:authorization:RoleAssignment", "azure-native:authorization:RoleDefinition")
"""Types azure-native names with a random GUID when the program gives none (the mocks use a stable one)."""

# Inputs that carry a resource's own name when the table has no entry for its type and it has no `<type>Name` input.
_FALLBACK_NAME_INPUTS = ("resourceName", "name")

GUID_OUTPUTS_BY_TYPE = {
    "azure-native:managedidentity:UserAssignedIdentity": ("principalId", "clientId"),
    "azure-native:operationalinsights:Workspace": ("customerId",),
}


def _stable_hex(*parts: str, length: int = 8) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:length]


def stable_guid(*parts: str) -> str:
    """A GUID that is the same for the same inputs: ids and names must not change between runs."""
    return str(uuid.UUID(hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]))


def lower_camel_plural(class_name: str) -> str:
    word = class_name[0].lower() + class_name[1:]
    if word.endswith("y") and not word.endswith(("ay", "ey", "oy")):
        return word[:-1] + "ies"
    return word if word.endswith("s") else word + "s"


class AzureMocks(Mocks):
    """Answers resource registrations and invokes the way Azure, random and kubernetes providers would."""

    def __init__(self, project: str, stack: str, location: str = "westeurope", random_seed: str | None = None) -> None:
        self.project = project
        # pulumi-random draws real random values; with a seed they are the same on every run (per resource), which
        # is what comparing two runs' plans needs (the real engine keeps the first draw in state).
        self.random_seed = random_seed
        self.stack = stack
        self.location = location
        self.subscription_id = stable_guid("subscription", project, stack)
        self.tenant_id = stable_guid("tenant", project, stack)
        self.client_id = stable_guid("client", project, stack)
        self.object_id = stable_guid("object", project, stack)
        # Registered states by (type, resource group, name), so invokes can answer about resources the program made.
        self.states: dict[tuple[str, str, str], dict] = {}
        # Resources this run declares that do not exist yet (a first preview): an invoke about one is ResourceNotFound,
        # as Azure answers, instead of a made-up state.
        self.pending: set[tuple[str, str, str]] = set()
        self.invokes: dict[str, Callable[[dict], dict]] = {
            "azure-native:authorization:getClientConfig": self._client_config,
            "azure-native:containerservice:listManagedClusterUserCredentials": self._user_credentials,
            "azure-native:containerservice:listManagedClusterAdminCredentials": self._admin_credentials,
            "azure-native:resources:getResourceGroup": self._get_resource_group,
            "azure-native:keyvault:getVault": self._get_vault,
            "azuread:index/getClientConfig:getClientConfig": self._client_config,
            "azuread:index/getServicePrincipal:getServicePrincipal": self._get_service_principal,
            "azuread:index/getApplicationPublishedAppIds:getApplicationPublishedAppIds": lambda _args: {
                "result": dict(PUBLISHED_APP_IDS)
            },
            # ConfigGroup/ConfigFile v1 expand client side: the SDK decodes YAML through this invoke.
            "kubernetes:yaml:decode": lambda args: {"result": kubernetes.decode(args.get("text") or "")},
        }
        # Graph objects the program created, by type and client id (applications) or object id.
        self.graph: dict[tuple[str, str], dict[Any, Any]] = {}

    # ---- resources ---------------------------------------------------------------------------------------------
    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict]:
        seed = getattr(args, "urn", None) or f"{args.typ}::{args.name}"
        typ = args.typ
        inputs = dict(args.inputs)
        if typ.startswith("pulumi:providers:"):
            return stable_guid("provider", self.stack, seed), inputs
        if typ.startswith("random:"):
            return self._random(typ, args.name, inputs, seed)
        if typ.startswith("kubernetes:"):
            return self._kubernetes(typ, args.name, inputs, seed)
        if typ.startswith("azure-native:"):
            return self._azure(typ, args.name, inputs, seed, args.resource_id)
        if typ.startswith("azuread:"):
            return self._graph(typ, inputs, seed)
        return f"{args.name}-{_stable_hex(self.stack, seed)}", inputs

    def autoname(self, name: str, seed: str, separator: str = "") -> str:
        """Pulumi autonaming: the logical name plus a stable random-looking suffix."""
        return f"{name}{separator}{_stable_hex(self.stack, seed)}"

    def _azure(self, typ: str, name: str, inputs: dict, seed: str, import_id: str | None) -> tuple[str, dict]:
        _, module, class_name = typ.split(":")
        state = dict(inputs)
        if typ == "azure-native:resources:ResourceGroup":
            rg_name = inputs.get("resourceGroupName") or self.autoname(name, seed)
            state.update(name=rg_name, type="Microsoft.Resources/resourceGroups")
            state.setdefault("location", self.location)
            state["properties"] = {"provisioningState": "Succeeded"}
            rid = f"/subscriptions/{self.subscription_id}/resourceGroups/{rg_name}"
            self.states[(typ, rg_name, rg_name)] = state
            return import_id or rid, state

        arm = ARM_TYPES.get(typ) or ArmType(
            f"{NAMESPACES.get(module, 'Microsoft.' + module.capitalize())}/{lower_camel_plural(class_name)}"
        )
        # azure-native calls a resource's own name input `<resource>Name` (dataCollectionRuleName, ...).
        own_name = f"{class_name[0].lower()}{class_name[1:]}Name"
        name_input = arm.name_input or next((k for k in (own_name, *_FALLBACK_NAME_INPUTS) if inputs.get(k)), None)
        if import_id:  # read or imported: the existing resource's name is the last segment of its id
            resource_name = import_id.rstrip("/").rsplit("/", 1)[1]
        elif typ in GUID_NAMED:
            resource_name = (inputs.get(name_input) if name_input else None) or stable_guid(self.stack, seed)
        else:
            resource_name = (inputs.get(name_input) if name_input else None) or self.autoname(name, seed)
        path = arm.path.format_map(_Placeholders(inputs))
        if typ == "azure-native:authorization:RoleDefinition":
            scope = str(inputs.get("scope") or "")
            subscription = scope.split("/")[2] if scope.lower().startswith("/subscriptions/") else self.subscription_id
            prefix = f"/subscriptions/{subscription}"
        elif arm.scope_input:
            prefix = str(inputs.get(arm.scope_input) or f"/subscriptions/{self.subscription_id}")
        else:
            rg = inputs.get("resourceGroupName", "unknown-resource-group")
            prefix = f"/subscriptions/{self.subscription_id}/resourceGroups/{rg}"
        rid = f"{prefix}/providers/{path}/{resource_name}"
        state.update(name=resource_name, type=_arm_type(arm.path))
        state.setdefault("provisioningState", "Succeeded")
        if "{" not in arm.path and not arm.scope_input:
            # Tracked top-level resources default to their resource group's location, as azure-native does.
            rg_state = self.states.get(("azure-native:resources:ResourceGroup", rg, rg), {})
            state.setdefault("location", rg_state.get("location", self.location))
        for output in GUID_OUTPUTS_BY_TYPE.get(typ, ()):
            state[output] = stable_guid(output, self.stack, seed)
        if typ == "azure-native:managedidentity:UserAssignedIdentity":
            state["tenantId"] = self.tenant_id
        identity = inputs.get("identity")
        if isinstance(identity, dict):
            state["identity"] = self._identity_outputs(identity, seed)
        extra = COMPUTED.get(typ)
        if extra:
            extra(self, state, rid, seed)
        self.states[(typ, str(inputs.get("resourceGroupName", "")), resource_name)] = state
        return import_id or rid, state

    def _graph(self, typ: str, inputs: dict, seed: str) -> tuple[str, dict]:
        """Entra objects as Microsoft Graph returns them (pulumi-azuread ids and computed attributes)."""
        kind = typ.rsplit(":", 1)[1]
        answer = GRAPH_TYPES.get(kind, _graph_object)
        return answer(self, dict(inputs), seed)

    def _identity_outputs(self, identity: dict, seed: str) -> dict:
        """``identity`` as Azure returns it: GUIDs for the system identity and for each user-assigned one."""
        out = dict(identity)
        if "SystemAssigned" in str(identity.get("type", "")):
            out["principalId"] = stable_guid("identity", self.stack, seed)
            out["tenantId"] = self.tenant_id
        assigned = identity.get("userAssignedIdentities")  # azure-native 3 takes a list of ids; ARM returns a map
        if isinstance(assigned, (list, dict)):
            out["userAssignedIdentities"] = {
                rid: {"principalId": stable_guid("principal", rid), "clientId": stable_guid("client", rid)}
                for rid in assigned
            }
        return out

    def _rng(self, seed: str) -> random.Random:
        """Cryptographic randomness, or a generator seeded per resource when the run asks for reproducible draws."""
        if self.random_seed is None:
            return random.SystemRandom()
        return random.Random(f"{self.random_seed}\x1f{self.stack}\x1f{seed}")

    def _random(self, typ: str, name: str, inputs: dict, seed: str) -> tuple[str, dict]:
        state = dict(inputs)
        kind = typ.rsplit(":", 1)[1]
        rng = self._rng(seed)
        if kind in ("RandomPassword", "RandomString"):
            state["result"] = random_string(inputs, rng)
            return ("none" if kind == "RandomPassword" else state["result"]), state
        if kind == "RandomBytes":
            raw = rng.randbytes(int(inputs["length"]))
            state.update(base64=base64.b64encode(raw).decode(), hex=raw.hex())
            return "none", state
        if kind == "RandomId":
            raw = rng.randbytes(int(inputs["byteLength"]))
            prefix = inputs.get("prefix", "")
            b64url = base64.urlsafe_b64encode(raw).decode().rstrip("=")
            state.update(
                b64Url=prefix + b64url,
                b64Std=prefix + base64.b64encode(raw).decode(),
                hex=prefix + raw.hex(),
                dec=prefix + str(int.from_bytes(raw, "big")),
            )
            return b64url, state
        if kind in ("RandomUuid", "RandomUuid4"):
            state["result"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            return state["result"], state
        if kind == "RandomInteger":
            low, high = int(inputs["min"]), int(inputs["max"])
            state["result"] = rng.randint(low, high)
            return str(state["result"]), state
        if kind == "RandomPet":
            words = [rng.choice(_PET_WORDS) for _ in range(int(inputs.get("length", 2)))]
            prefix = [inputs["prefix"]] if inputs.get("prefix") else []
            state["id"] = inputs.get("separator", "-").join(prefix + words)
            return state["id"], state
        if kind == "RandomShuffle":
            items = list(inputs.get("inputs", []))
            shuffled = [items.pop(rng.randrange(len(items))) for _ in range(len(items))]
            state["results"] = shuffled[: int(inputs.get("resultCount", len(shuffled)))]
            return "-", state
        return self.autoname(name, seed, "-"), state

    def _kubernetes(self, typ: str, name: str, inputs: dict, seed: str) -> tuple[str, dict]:
        state = dict(inputs)
        if typ == "kubernetes:helm.sh/v3:Release":
            release = inputs.get("name") or self.autoname(name, seed, "-")
            namespace = inputs.get("namespace", "default")
            state["name"] = release
            state["status"] = {
                "name": release,
                "namespace": namespace,
                "chart": inputs.get("chart", ""),
                "version": inputs.get("version", ""),
                "status": "deployed",
                "revision": 1,
            }
            return f"{namespace}/{release}", state
        metadata = dict(inputs.get("metadata") or {})
        metadata.setdefault("name", self.autoname(name, seed, "-"))
        metadata.setdefault("uid", stable_guid("uid", self.stack, seed))
        state["metadata"] = metadata
        namespace = metadata.get("namespace")
        return (f"{namespace}/{metadata['name']}" if namespace else metadata["name"]), state

    # ---- invokes -----------------------------------------------------------------------------------------------
    def call(self, args: MockCallArgs) -> tuple[dict, list | None]:
        answer = self.invokes.get(args.token)
        if answer is None:
            raise UnansweredInvoke(args.token)
        return answer(args.args), None

    def _get_service_principal(self, args: dict) -> dict:
        """GET /servicePrincipals by client id, display name or object id: Microsoft's first-party APIs exist in every
        tenant; the program's own service principals are answered from what it created; anything else is Graph's
        404."""
        for (kind, _), state in self.graph.items():
            if kind == "service-principal" and any(
                args.get(key) and args.get(key) == state.get(key) for key in ("clientId", "objectId", "displayName")
            ):
                return dict(state)
        if args.get("clientId") == MICROSOFT_GRAPH_APP_ID or args.get("displayName") == "Microsoft Graph":
            return microsoft_graph_service_principal(self)
        raise OfflineError(
            f"Microsoft Graph 404 Not Found: no service principal with {', '.join(f'{k}={v}' for k, v in args.items())}"
        )

    def _client_config(self, _args: dict) -> dict:
        return {
            "clientId": self.client_id,
            "objectId": self.object_id,
            "subscriptionId": self.subscription_id,
            "tenantId": self.tenant_id,
        }

    def _existing(self, type_: str, resource_group: str, name: str) -> dict | None:
        """The state of a resource the program created, None for one that exists outside it (a pre-existing
        resource the mocks answer for), and ResourceNotFound for one this run declares but has not created."""
        key = (type_, resource_group, name)
        if key in self.states:
            return self.states[key]
        if key in self.pending:
            kind = type_.rsplit(":", 1)[-1]
            raise OfflineError(
                f"ResourceNotFound: {kind} '{name}' in resource group '{resource_group}' does not exist yet: an invoke "
                "about a resource this program creates must wait for it (use its outputs as the invoke's arguments)"
            )
        return None

    def _cluster(self, args: dict) -> dict:
        name = str(args.get("resourceName", ""))
        known = self._existing(
            "azure-native:containerservice:ManagedCluster", str(args.get("resourceGroupName", "")), name
        )
        return known or {"fqdn": cluster_fqdn(name, self.location, "")}

    def _credentials(self, args: dict, user_name: str, admin: bool) -> dict:
        cluster = self._cluster(args)
        config = aks_kubeconfig(
            cluster_name=str(args.get("resourceName")),
            server=f"https://{cluster['fqdn']}:443",
            tenant_id=self.tenant_id,
            user=f"{user_name}_{args.get('resourceGroupName')}_{args.get('resourceName')}",
            admin=admin,
        )
        return {"kubeconfigs": [{"name": user_name, "value": base64.b64encode(config.encode()).decode()}]}

    def _user_credentials(self, args: dict) -> dict:
        return self._credentials(args, "clusterUser", admin=False)

    def _admin_credentials(self, args: dict) -> dict:
        return self._credentials(args, "clusterAdmin", admin=True)

    def _get_resource_group(self, args: dict) -> dict:
        rg = str(args.get("resourceGroupName"))
        known = self._existing("azure-native:resources:ResourceGroup", rg, rg) or {}
        return {
            "id": f"/subscriptions/{self.subscription_id}/resourceGroups/{rg}",
            "name": rg,
            "location": known.get("location", self.location),
            "type": "Microsoft.Resources/resourceGroups",
            "tags": known.get("tags", {}),
            "properties": {"provisioningState": "Succeeded"},
            "azureApiVersion": "2024-03-01",
        }

    def _get_vault(self, args: dict) -> dict:
        rg, vault = str(args.get("resourceGroupName")), str(args.get("vaultName"))
        known = self._existing("azure-native:keyvault:Vault", rg, vault)
        if known is None:
            properties = {"tenantId": self.tenant_id, "sku": {"family": "A", "name": "standard"}}
            known = {"location": self.location, "properties": properties}
            _vault_outputs(self, known, "", vault)
        return {
            **known,
            "id": f"/subscriptions/{self.subscription_id}/resourceGroups/{rg}/providers/"
            f"Microsoft.KeyVault/vaults/{vault}",
            "name": vault,
            "type": "Microsoft.KeyVault/vaults",
        }


class _Placeholders(dict):
    """``str.format_map`` source that leaves a visible marker for a missing parent-name input."""

    def __missing__(self, key: str) -> str:
        return f"<{key}>"


def _arm_type(template: str) -> str:
    """ARM resource type from the provider path: drop the parent-name segments (``{...}``) and fixed names."""
    parts = template.split("/")
    namespace, segments = parts[0], parts[1:]
    kept = [s for i, s in enumerate(segments) if i % 2 == 0]
    return "/".join([namespace, *kept])


def random_string(inputs: dict, rng: random.Random | None = None) -> str:
    """RandomPassword/RandomString semantics: character classes on by default, minimums honoured."""
    rng = rng or random.SystemRandom()
    length = int(inputs.get("length", 16))
    special_chars = inputs.get("overrideSpecial") or "!@#$%&*()-_=+[]{}<>:?"
    classes = [
        ("upper", "minUpper", string.ascii_uppercase),
        ("lower", "minLower", string.ascii_lowercase),
        ("numeric", "minNumeric", string.digits),
        ("special", "minSpecial", special_chars),
    ]
    pool = ""
    chars: list[str] = []
    for flag, minimum, alphabet in classes:
        enabled = inputs.get(flag, True) and (flag != "numeric" or inputs.get("number", True))
        if not enabled:
            continue
        pool += alphabet
        chars += [rng.choice(alphabet) for _ in range(int(inputs.get(minimum, 0)))]
    if not pool:
        raise ValueError("random string: every character class is disabled")
    chars += [rng.choice(pool) for _ in range(max(0, length - len(chars)))]
    order = list(range(len(chars)))
    shuffled = [chars[order.pop(rng.randrange(len(order)))] for _ in range(len(chars))]
    return "".join(shuffled)


def cluster_fqdn(cluster_name: str, location: str, dns_prefix: str) -> str:
    prefix = (dns_prefix or cluster_name)[:54]
    return f"{prefix}-{_stable_hex(cluster_name, location)}.hcp.{location}.azmk8s.io"


def aks_kubeconfig(*, cluster_name: str, server: str, tenant_id: str, user: str, admin: bool) -> str:
    """A kubeconfig shaped like the one AKS returns for an Entra ID (AAD) enabled cluster."""
    ca = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIoffline\n-----END CERTIFICATE-----\n").decode()
    if admin:
        user_entry: dict[str, Any] = {
            "client-certificate-data": base64.b64encode(b"offline-client-certificate").decode(),
            "client-key-data": base64.b64encode(b"offline-client-key").decode(),
            "token": _stable_hex(cluster_name, "admin-token", length=32),
        }
    else:
        user_entry = {
            "exec": {
                "apiVersion": "client.authentication.k8s.io/v1beta1",
                "command": "kubelogin",
                "args": [
                    "get-token",
                    "--login",
                    "devicecode",
                    "--server-id",
                    "6dae42f8-4368-4678-94ff-3960e28e3630",
                    "--client-id",
                    "80faf920-1908-4b52-b5ef-a8e7bedfc67a",
                    "--tenant-id",
                    tenant_id,
                    "--environment",
                    "AzurePublicCloud",
                ],
                "env": None,
                "installHint": "\nkubelogin is not installed which is required to connect to AAD enabled cluster.\n",
                "provideClusterInfo": False,
                "interactiveMode": "IfAvailable",
            }
        }
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster_name, "cluster": {"certificate-authority-data": ca, "server": server}}],
        "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": user}}],
        "current-context": cluster_name,
        "preferences": {},
        "users": [{"name": user, "user": user_entry}],
    }
    return yaml.safe_dump(doc, sort_keys=False)


# ---- computed outputs per type ---------------------------------------------------------------------------------
def _managed_cluster_outputs(mocks: AzureMocks, state: dict, rid: str, seed: str) -> None:
    location = state.get("location", mocks.location)
    fqdn = cluster_fqdn(state["name"], location, state.get("dnsPrefix", ""))
    state["fqdn"] = fqdn
    state["azurePortalFQDN"] = fqdn.replace(".hcp.", ".portal.hcp.")
    state["currentKubernetesVersion"] = state.get("kubernetesVersion", "1.33.0")
    state["powerState"] = {"code": "Running"}
    state["maxAgentPools"] = 100
    state.setdefault("nodeResourceGroup", f"MC_{rid.split('/')[4]}_{state['name']}_{location}")
    oidc = dict(state.get("oidcIssuerProfile") or {})
    if oidc.get("enabled"):
        oidc["issuerURL"] = f"https://{location}.oic.prod-aks.azure.com/{mocks.tenant_id}/{stable_guid('oidc', seed)}/"
    state["oidcIssuerProfile"] = oidc
    node_rg = state["nodeResourceGroup"]
    kubelet_name = f"{state['name']}-agentpool"
    state["identityProfile"] = {
        "kubeletidentity": {
            "clientId": stable_guid("kubelet-client", mocks.stack, seed),
            "objectId": stable_guid("kubelet-object", mocks.stack, seed),
            "resourceId": f"/subscriptions/{mocks.subscription_id}/resourcegroups/{node_rg}/providers/"
            f"Microsoft.ManagedIdentity/userAssignedIdentities/{kubelet_name}",
        }
    }
    profiles = state.get("agentPoolProfiles")
    if isinstance(profiles, list):
        state["agentPoolProfiles"] = [
            {
                **p,
                "provisioningState": "Succeeded",
                "powerState": {"code": "Running"},
                "currentOrchestratorVersion": state["currentKubernetesVersion"],
            }
            for p in profiles
        ]


def _agent_pool_outputs(mocks: AzureMocks, state: dict, rid: str, seed: str) -> None:
    state["powerState"] = {"code": "Running"}
    state.setdefault("orchestratorVersion", "1.33.0")
    state["currentOrchestratorVersion"] = state["orchestratorVersion"]
    state["nodeImageVersion"] = "AKSUbuntu-2204gen2containerd-202510.03.0"


def _vault_outputs(mocks: AzureMocks, state: dict, rid: str, seed: str) -> None:
    props = dict(state.get("properties") or {})
    props["vaultUri"] = f"https://{state.get('name', seed)}.vault.azure.net/"
    props.setdefault("provisioningState", "Succeeded")
    state["properties"] = props


def _secret_outputs(mocks: AzureMocks, state: dict, rid: str, seed: str) -> None:
    vault = rid.split("/vaults/")[1].split("/")[0]
    props = dict(state.get("properties") or {})
    props.pop("value", None)  # Azure never returns a secret's value
    base = f"https://{vault}.vault.azure.net/secrets/{state['name']}"
    props["secretUri"] = base
    props["secretUriWithVersion"] = f"{base}/{_stable_hex(mocks.stack, seed, length=32)}"
    state["properties"] = props


def _storage_account_outputs(mocks: AzureMocks, state: dict, rid: str, seed: str) -> None:
    account = state["name"]
    state["primaryEndpoints"] = {
        service: f"https://{account}.{service}.core.windows.net/"
        for service in ("blob", "dfs", "file", "queue", "table", "web")
    }
    state["primaryLocation"] = state.get("location", mocks.location)
    state["statusOfPrimary"] = "available"
    state["creationTime"] = "2026-01-01T00:00:00.0000000Z"


def _postgres_outputs(mocks: AzureMocks, state: dict, rid: str, seed: str) -> None:
    state["fullyQualifiedDomainName"] = f"{state['name']}.postgres.database.azure.com"
    state["state"] = "Ready"
    state.setdefault("version", "16")
    state["minorVersion"] = "8"


def _public_ip_outputs(mocks: AzureMocks, state: dict, rid: str, seed: str) -> None:
    digest = hashlib.sha256(seed.encode()).digest()
    state.setdefault("ipAddress", f"20.{digest[0]}.{digest[1]}.{digest[2] or 1}")
    state["resourceGuid"] = stable_guid("ip", seed)


def _private_zone_outputs(mocks: AzureMocks, state: dict, rid: str, seed: str) -> None:
    state["numberOfRecordSets"] = 1
    state["internalId"] = stable_guid("zone", seed)
    state["location"] = "global"


def _registry_outputs(mocks: AzureMocks, state: dict, rid: str, seed: str) -> None:
    """What ACR returns: the login server (the name, lowercase, under azurecr.io) and its computed defaults."""
    state["loginServer"] = f"{state['name'].lower()}.azurecr.io"
    state["creationDate"] = "2026-01-01T00:00:00.0000000Z"
    state.setdefault("adminUserEnabled", False)
    state.setdefault("publicNetworkAccess", "Enabled")
    state.setdefault("zoneRedundancy", "Disabled")
    state["dataEndpointHostNames"] = []
    state["status"] = {"displayStatus": "Succeeded"}


def _cache_rule_outputs(mocks: AzureMocks, state: dict, rid: str, seed: str) -> None:
    state["creationDate"] = "2026-01-01T00:00:00.0000000Z"


def _role_assignment_outputs(mocks: AzureMocks, state: dict, rid: str, seed: str) -> None:
    state.setdefault("principalType", "ServicePrincipal")
    state["createdOn"] = "2026-01-01T00:00:00Z"


def _monitor_workspace_outputs(mocks: AzureMocks, state: dict, rid: str, seed: str) -> None:
    """An Azure Monitor workspace: its PromQL endpoint, and the default rule and endpoint Azure creates for it in a
    managed resource group `MA_<workspace>_<location>_managed`."""
    name, location = state["name"], state.get("location", mocks.location)
    state["accountId"] = stable_guid("account", seed)
    state["metrics"] = {
        "internalId": f"mac_{state['accountId']}",
        "prometheusQueryEndpoint": f"https://{name}-{_stable_hex(seed, length=4)}.{location}.prometheus.monitor.azure.com",
    }
    managed = f"/subscriptions/{mocks.subscription_id}/resourceGroups/MA_{name}_{location}_managed/providers"
    state["defaultIngestionSettings"] = {
        "dataCollectionEndpointResourceId": f"{managed}/Microsoft.Insights/dataCollectionEndpoints/{name}",
        "dataCollectionRuleResourceId": f"{managed}/Microsoft.Insights/dataCollectionRules/{name}",
    }
    state["provisioningState"] = "Succeeded"
    state.setdefault("publicNetworkAccess", "Enabled")


def _collection_endpoint_outputs(mocks: AzureMocks, state: dict, rid: str, seed: str) -> None:
    host = f"{state['name']}-{_stable_hex(seed, length=4)}.{state.get('location', mocks.location)}"
    state["immutableId"] = f"dce-{_stable_hex(seed, length=32)}"
    state["logsIngestion"] = {"endpoint": f"https://{host}-1.ingest.monitor.azure.com"}
    state["metricsIngestion"] = {"endpoint": f"https://{host}-1.metrics.ingest.monitor.azure.com"}
    state["configurationAccess"] = {"endpoint": f"https://{host}-1.handler.control.monitor.azure.com"}


def _collection_rule_outputs(mocks: AzureMocks, state: dict, rid: str, seed: str) -> None:
    state["immutableId"] = f"dcr-{_stable_hex(seed, length=32)}"


_GRAFANA_REGION_CODES = {
    "westeurope": "weu",
    "northeurope": "neu",
    "eastus": "eus",
    "eastus2": "eus2",
    "westus2": "wus2",
}


def _grafana_outputs(mocks: AzureMocks, state: dict, rid: str, seed: str) -> None:
    """Managed Grafana: its endpoint `https://<name>-<hash>.<region code>.grafana.azure.com`, version and state."""
    props = dict(state.get("properties") or {})
    location = state.get("location", mocks.location)
    code = _GRAFANA_REGION_CODES.get(location, location)
    props["endpoint"] = f"https://{state['name']}-{_stable_hex(seed, length=8)}.{code}.grafana.azure.com"
    props["grafanaVersion"] = "11.6.0"
    props["provisioningState"] = "Succeeded"
    state["properties"] = props


COMPUTED: dict[str, Callable[[AzureMocks, dict, str, str], None]] = {
    "azure-native:containerservice:ManagedCluster": _managed_cluster_outputs,
    "azure-native:containerservice:AgentPool": _agent_pool_outputs,
    "azure-native:containerregistry:Registry": _registry_outputs,
    "azure-native:containerregistry:CacheRule": _cache_rule_outputs,
    "azure-native:keyvault:Vault": _vault_outputs,
    "azure-native:keyvault:Secret": _secret_outputs,
    "azure-native:storage:StorageAccount": _storage_account_outputs,
    "azure-native:dbforpostgresql:Server": _postgres_outputs,
    "azure-native:network:PublicIPAddress": _public_ip_outputs,
    "azure-native:privatedns:PrivateZone": _private_zone_outputs,
    "azure-native:authorization:RoleAssignment": _role_assignment_outputs,
    "azure-native:monitor:AzureMonitorWorkspace": _monitor_workspace_outputs,
    "azure-native:monitor:DataCollectionEndpoint": _collection_endpoint_outputs,
    "azure-native:monitor:DataCollectionRule": _collection_rule_outputs,
    "azure-native:dashboard:Grafana": _grafana_outputs,
}


def graph_error(message: str) -> OfflineError:
    return OfflineError(f"Microsoft Graph 400 Bad Request: {message}")


def _graph_application(mocks: AzureMocks, state: dict, seed: str) -> tuple[str, dict]:
    """POST /applications: appId (the client id) and id (the object id) are Graph's, app roles keep the given ids.

    Graph refuses redirect URIs that are neither https nor http://localhost, and app roles with a duplicate id or
    value (https://learn.microsoft.com/entra/identity-platform/reply-url, .../howto-add-app-roles-in-apps).
    """
    web = state.get("web") or {}
    for uri in web.get("redirectUris") or []:
        if not (str(uri).startswith("https://") or str(uri).startswith("http://localhost")):
            raise graph_error(f"redirect URI '{uri}' must use https (http only for localhost)")
    roles = state.get("appRoles") or []
    for key in ("id", "value"):
        seen = [role.get(key) for role in roles]
        if len(seen) != len(set(seen)):
            raise graph_error(f"app roles must have unique {key}s: {seen}")
    object_id = stable_guid("application", mocks.stack, seed)
    state.update(
        objectId=object_id,
        clientId=stable_guid("appId", mocks.stack, seed),
        appRoleIds={role["value"]: role["id"] for role in roles if role.get("value")},
        oauth2PermissionScopeIds={},
        publisherDomain=f"{mocks.project.replace('-', '')}.onmicrosoft.com",
        disabledByMicrosoft="",
    )
    state.setdefault("signInAudience", "AzureADMyOrg")
    mocks.graph[("application", state["clientId"])] = state
    mocks.graph[("application-object", object_id)] = state
    return f"/applications/{object_id}", state


def _graph_service_principal(mocks: AzureMocks, state: dict, seed: str) -> tuple[str, dict]:
    """POST /servicePrincipals: the enterprise application of an application, which must exist (by client id)."""
    application = mocks.graph.get(("application", str(state.get("clientId"))))
    object_id = stable_guid("servicePrincipal", mocks.stack, seed)
    state.update(
        objectId=object_id,
        applicationTenantId=mocks.tenant_id,
        type="Application",
        servicePrincipalNames=[str(state.get("clientId"))],
    )
    if application is not None:
        state.update(
            displayName=application.get("displayName"),
            appRoleIds=application["appRoleIds"],
            appRoles=application.get("appRoles") or [],
        )
    if state.get("useExisting") and str(state.get("clientId")) == MICROSOFT_GRAPH_APP_ID:
        existing = microsoft_graph_service_principal(mocks)
        state.update({**existing, **{k: v for k, v in state.items() if k not in existing}})
        return existing["objectId"], state
    state.setdefault("appRoleAssignmentRequired", False)
    mocks.graph[("service-principal", object_id)] = state
    return object_id, state


MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
PUBLISHED_APP_IDS = {
    "MicrosoftGraph": MICROSOFT_GRAPH_APP_ID,
    "AzureActiveDirectoryGraph": "00000002-0000-0000-c000-000000000000",
    "AzureKeyVault": "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
    "AzureServiceManagement": "797f4846-ba00-4fd7-ba43-dac1f8f63013",
    "AzureStorage": "e406a681-f3d4-42a8-90b6-c2b029497af1",
}
"""Client ids of Microsoft's first-party APIs, the same in every tenant (pulumi-azuread's
getApplicationPublishedAppIds; learn.microsoft.com/troubleshoot/entra/entra-id/governance/verify-first-party-apps-sign-in)."""

MICROSOFT_GRAPH_APP_ROLES = {
    "AppRoleAssignment.ReadWrite.All": "06b708a9-e830-4db3-a914-8e69da51d44f",
    "Application.Read.All": "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
    "Application.ReadWrite.All": "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
    "Application.ReadWrite.OwnedBy": "18a4783c-866b-4cc7-a460-3d5e5662c884",
    "DelegatedPermissionGrant.ReadWrite.All": "8e8e4742-1d95-4f68-9d56-6ee75648c72a",
    "Directory.Read.All": "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
    "Directory.ReadWrite.All": "19dbc75e-c2e2-444c-a770-ec69d8559fc7",
    "Domain.ReadWrite.All": "7e05723c-0bb0-42da-be95-ae9f08a6e53c",
    "Group.Read.All": "5b567255-7703-4780-807c-7be8301ae99b",
    "Group.ReadWrite.All": "62a82d76-70ea-41e2-9197-370581804d09",
    "GroupMember.ReadWrite.All": "dbaae8cf-10b5-4b86-a4a1-f871c94c6695",
    "Policy.Read.All": "246dd0d5-5bd0-4def-940b-0421030a5b68",
    "Policy.ReadWrite.AuthenticationMethod": "29c18626-4985-4dcd-85c0-193eef327366",
    "Policy.ReadWrite.ConditionalAccess": "01c0a623-fc9b-48e9-b794-0756f8e8f067",
    "PrivilegedAccess.ReadWrite.AzureADGroup": "2f6817f8-7b12-4f0f-bc18-eeaf60705a9e",
    "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup": "41202f2c-f7ab-45be-b001-85c9728b9d69",
    "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup": "618b6020-bca8-4de6-99f6-ef445fa4d857",
    "RoleAssignmentSchedule.ReadWrite.Directory": "dd199f4a-f148-40a4-a2ec-f0069cc799ec",
    "RoleEligibilitySchedule.ReadWrite.Directory": "fee28b28-e1f3-4841-818e-2704dc62245f",
    "RoleManagement.ReadWrite.Directory": "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8",
    "RoleManagementPolicy.ReadWrite.Directory": "31e08e0a-d3f7-4ca2-ac39-7343fb83e8ad",
    "ServicePrincipalEndpoint.ReadWrite.All": "89c8469c-83ad-45f7-8ff2-6e3d4285709e",
    "User.Read.All": "df021288-bdef-4463-88db-98f22de89214",
    "User.ReadWrite.All": "741f803b-c850-494e-b5df-cde7c675a1ca",
    "UserAuthenticationMethod.Read.All": "38d9df27-64da-44fd-b7c5-a6fbac20248f",
    "UserAuthenticationMethod.ReadWrite.All": "50483e42-d915-4231-9639-7fdb7fd190e5",
}
"""Application permissions (app roles) of Microsoft Graph's service principal, the same ids in every tenant
(learn.microsoft.com/graph/permissions-reference; ``az ad sp show --id 00000003-0000-0000-c000-000000000000 --query
appRoles``). A subset: the directory-wide ones and common read permissions; a program asking for another by name
fails on it here, as it would on a misspelt permission under the CLI."""


def microsoft_graph_service_principal(mocks: AzureMocks) -> dict:
    """Microsoft Graph's service principal in the tenant: a tenant-specific object id, Graph's app roles."""
    return {
        "objectId": stable_guid("servicePrincipal", "microsoft-graph", mocks.tenant_id),
        "clientId": MICROSOFT_GRAPH_APP_ID,
        "displayName": "Microsoft Graph",
        "applicationTenantId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a",  # Microsoft's tenant owns first-party apps
        "type": "Application",
        "appRoleIds": dict(MICROSOFT_GRAPH_APP_ROLES),
        "appRoles": [
            {"id": role_id, "value": name, "displayName": name, "allowedMemberTypes": ["Application"], "enabled": True}
            for name, role_id in MICROSOFT_GRAPH_APP_ROLES.items()
        ],
        "oauth2PermissionScopeIds": {},
        "servicePrincipalNames": [MICROSOFT_GRAPH_APP_ID, "https://graph.microsoft.com"],
    }


MAX_APP_FEDERATED_CREDENTIALS = 20
"""Graph's limit of federated identity credentials on one application."""


def _graph_federated_credential(mocks: AzureMocks, state: dict, seed: str) -> tuple[str, dict]:
    """POST /applications/{id}/federatedIdentityCredentials: one audience, an https issuer, (issuer, subject) unique."""
    application_id = str(state.get("applicationId", ""))
    object_id = application_id.removeprefix("/applications/")
    if (audiences := state.get("audiences") or []) and len(audiences) != 1:
        raise graph_error(f"a federated identity credential takes exactly one audience, not {audiences}")
    issuer = str(state.get("issuer", ""))
    if issuer and not issuer.startswith("https://") and issuer != "offline-preview-unknown":
        raise graph_error(f"issuer '{issuer}' must be an https URL")
    credentials = mocks.graph.setdefault(("federated-credentials", object_id), {})
    pair = (issuer, str(state.get("subject")))
    if pair in credentials:
        raise graph_error(f"application {object_id} already trusts issuer {pair[0]} for subject {pair[1]}")
    if len(credentials) >= MAX_APP_FEDERATED_CREDENTIALS:
        raise graph_error(
            f"application {object_id} has {MAX_APP_FEDERATED_CREDENTIALS} federated credentials, the limit"
        )
    credential_id = stable_guid("federatedCredential", mocks.stack, seed)
    credentials[pair] = state
    state["credentialId"] = credential_id
    return f"{object_id}/federatedIdentityCredential/{credential_id}", state


def _graph_object(mocks: AzureMocks, state: dict, seed: str) -> tuple[str, dict]:
    """Any other Entra object: Graph assigns it an object id, which pulumi-azuread exposes as ``objectId`` (and uses
    as the resource id) for the directory objects it creates (groups, users, grants, role assignments)."""
    object_id = stable_guid("graphObject", mocks.stack, seed)
    state.setdefault("objectId", object_id)
    return object_id, state


def _graph_app_role_assignment(mocks: AzureMocks, state: dict, seed: str) -> tuple[str, dict]:
    """POST /servicePrincipals/{resourceId}/appRoleAssignedTo: Graph requires GUIDs for the principal, the resource
    and the app role, and refuses a role the resource service principal does not define
    (https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto)."""
    for key in ("appRoleId", "principalObjectId", "resourceObjectId"):
        value = str(state.get(key, ""))
        if value != "offline-preview-unknown" and not _is_guid(value):
            raise graph_error(f"{key} '{value}' is not a GUID")
    resource = mocks.graph.get(("service-principal", str(state["resourceObjectId"])))
    defined = {str(role.get("id")) for role in (resource or {}).get("appRoles") or []}
    if resource is not None and defined and str(state["appRoleId"]) not in defined:
        raise graph_error(f"service principal {state['resourceObjectId']} defines no app role {state['appRoleId']}")
    assignment_id = stable_guid("appRoleAssignment", mocks.stack, seed)
    state.update(
        principalType="ServicePrincipal",
        principalDisplayName=state.get("principalDisplayName", ""),
        resourceDisplayName=(resource or {}).get("displayName") or "",
    )
    return f"/servicePrincipals/{state['resourceObjectId']}/appRoleAssignedTo/{assignment_id}", state


def _is_guid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


GRAPH_TYPES: dict[str, Callable[[AzureMocks, dict, str], tuple[str, dict]]] = {
    "Application": _graph_application,
    "ServicePrincipal": _graph_service_principal,
    "ApplicationFederatedIdentityCredential": _graph_federated_credential,
    "AppRoleAssignment": _graph_app_role_assignment,
}
"""Entra objects with their own Graph answer; every other azuread type gets :func:`_graph_object`."""

_PET_WORDS = ["otter", "heron", "lynx", "badger", "wren", "marten", "ibis", "stoat", "crane", "vole"]
