"""What every component needs from the stack, built once: the `StackContext`.

Resource group, location, naming, tags, the random name suffix, the tenant, the deployer and whether stateful
resources are protected: components read these from one object instead of a dozen arguments each, and
`__main__.py` only wires components together.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pulumi
import pulumi_random as random
from pulumi_azure_native import authorization, resources

from components.role_assignments import Principal
from facts.naming import SUFFIX_LENGTH, Naming
from stackconfig import StackSettings


@dataclass(frozen=True)
class StackContext:
    """The stack-wide inputs of every component."""

    resource_group_name: pulumi.Output[str]
    location: str
    naming: Naming
    tags: Mapping[str, str]
    name_suffix: pulumi.Output[str]
    """Ends every globally unique name (vault, storage account, server); kept in state, new after a destroy."""
    tenant_id: pulumi.Output[str]
    deployer: Principal
    """Who runs `pulumi up`: cluster admin on the cluster and Secrets Officer on the vault, nothing wider."""
    protect: bool
    """Protect stateful resources (vault, storage account, database) from deletion."""

    def unique_name(self, make: Callable[[str], str]) -> pulumi.Output[str]:
        """A globally unique name made from the suffix, e.g. `ctx.unique_name(ctx.naming.key_vault)`."""
        return self.name_suffix.apply(make)

    @property
    def tag_map(self) -> dict[str, str]:
        """A fresh copy of the tags for a resource's `tags` input."""
        return dict(self.tags)


def renamed(name: str, old: str, opts: pulumi.ResourceOptions) -> tuple[str, pulumi.ResourceOptions]:
    """The name and options of a child once called plain `old`: now `f"{name}-{old}"`, like every child, with an
    alias so Pulumi keeps the deployed resource instead of replacing it. Spread into the resource call:
    `network.VirtualNetwork(*renamed(name, "vnet", child), ...)`."""
    return f"{name}-{old}", pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=[pulumi.Alias(name=old)]))


def stack_context(settings: StackSettings) -> StackContext:
    """Create the stack's resource group and name suffix and read who deploys; nothing else is registered."""
    config = settings.config
    # Named in the stack's config, never the signed-in principal, so every runner plans the same role assignments;
    # a missing setting stops the program here, before the first resource.
    deployer = config.identity.deployer(settings.project)
    resource_group = resources.ResourceGroup(
        "resource-group",
        resource_group_name=settings.naming.resource_group(),
        location=config.location,
        tags=settings.tags,
    )
    # The suffix lives in state, so it is stable across updates and new after a destroy, which keeps a soft-deleted
    # Key Vault name from blocking re-creation.
    name_suffix = random.RandomString(
        "name-suffix",
        length=SUFFIX_LENGTH,
        special=False,
        upper=False,
        keepers={"location": config.location},
    )
    client_config = authorization.get_client_config_output()
    return StackContext(
        resource_group_name=resource_group.name,
        location=config.location,
        naming=settings.naming,
        tags=settings.tags,
        name_suffix=name_suffix.result,
        tenant_id=client_config.tenant_id,
        deployer=Principal(
            principal_id=deployer.object_id,
            principal_key=deployer.object_id,
            principal_type=deployer.principal_type,
        ),
        protect=config.protect_stateful_resources,
    )
