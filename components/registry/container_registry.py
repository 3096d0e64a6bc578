"""The stack's Azure Container Registry: every image of the release is pulled through it.

Admin user and anonymous pull off (nodes pull as the kubelet identity with AcrPull, granted by the cluster
component), on Premium optionally private (public network access off, a private endpoint in the VNet) and zone
redundant where the region has zones, audit and pull logs to the workspace. Cache rules serve the upstreams that
allow anonymous pulls; Docker Hub images are imported by digest instead (see `facts.images` for why).
The CI identity that builds and imports images gets AcrPush and the import role on this registry only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import containerregistry

from components.context import StackContext
from components.monitoring.diagnostics import Diagnostics
from components.network.private_link import PrivateAccess
from components.role_assignments import Principal
from facts.images import cache_rules, imports, login_server
from stackconfig.cluster import ZONE_REGIONS
from stackconfig.registry import RegistryConfig

DNS_ZONE = "privatelink.azurecr.io"
"""One zone for the login server and the regional data endpoint: a `registry` private endpoint gets both."""
PUSH_ROLES = {"acr-push": "AcrPush", "acr-import": "Container Registry Data Importer and Data Reader"}
"""What the image workflow does: push the built image, and `az acr import` Docker Hub images by digest."""


@dataclass(frozen=True)
class ContainerRegistryArgs:
    config: RegistryConfig
    registry_name: str
    """Known up front (`Naming.container_registry`), so every image reference is known in a first preview."""
    upstream_repositories: Sequence[str]
    """Upstream repositories of the release's images; those of anonymous upstreams get a cache rule."""
    private_access: PrivateAccess
    diagnostics: Diagnostics


def registry_properties(config: RegistryConfig, location: str) -> dict:
    """The registry's settings from config. Zone redundancy is a Premium feature (the SDK's default: Disabled)."""
    return {
        "sku": containerregistry.SkuArgs(name=config.sku),
        "admin_user_enabled": False,
        "anonymous_pull_enabled": False,
        "public_network_access": config.public_network_access,
        # Trusted Azure services (e.g. Defender for Containers' image scanning) still reach a private registry.
        "network_rule_bypass_options": "AzureServices",
        "zone_redundancy": "Enabled" if config.zone_redundant(location in ZONE_REGIONS) else "Disabled",
    }


class ContainerRegistry(pulumi.ComponentResource):
    registry_id: pulumi.Output[str]
    registry_name: str
    login_server: str
    """`<name>.azurecr.io`: the prefix of every image reference of the release."""
    required_imports: list[dict[str, str]]
    """What must be imported (`az acr import`, by digest) because no cache rule serves it: Docker Hub's images."""
    cache_rules: list[containerregistry.CacheRule]

    def __init__(
        self, name: str, ctx: StackContext, args: ContainerRegistryArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("airflow-aks:registry:ContainerRegistry", name, None, opts)
        cfg = args.config
        child = pulumi.ResourceOptions(parent=self)

        registry = containerregistry.Registry(
            f"{name}-acr",
            registry_name=args.registry_name,
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            tags=ctx.tag_map,
            **registry_properties(cfg, ctx.location),
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect),
        )

        self.cache_rules = [
            containerregistry.CacheRule(
                f"{name}-cache-{rule.name}",
                cache_rule_name=rule.name,
                registry_name=registry.name,
                resource_group_name=ctx.resource_group_name,
                source_repository=rule.source,
                target_repository=rule.target,
                opts=child,
            )
            for rule in (cache_rules(list(args.upstream_repositories)) if cfg.cache_rules else [])
        ]

        if cfg.push_principal_id:
            ci = Principal(cfg.push_principal_id, cfg.push_principal_id, "ServicePrincipal")
            for key, role in PUSH_ROLES.items():
                ci.grant(f"{name}-ci-{key}", role, registry.id, child)

        args.diagnostics.send(f"{name}-diagnostics", resource_id=registry.id, opts=child)

        if cfg.private_endpoint:
            args.private_access.endpoint(
                f"{name}-pe", target_id=registry.id, group_id="registry", dns_zone=DNS_ZONE, opts=child
            )

        self.registry_id = registry.id
        self.registry_name = args.registry_name
        self.login_server = login_server(args.registry_name)
        self.required_imports = [
            {"source": found.source, "target": found.target}
            for found in imports(list(args.upstream_repositories), cache_anonymous=cfg.cache_rules)
        ]
        self.register_outputs(
            {
                "registryId": self.registry_id,
                "registryName": registry.name,
                "loginServer": registry.login_server,
                "requiredImports": self.required_imports,
            }
        )
