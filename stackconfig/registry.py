"""Container registry settings: the stack's own Azure Container Registry that every image is pulled through."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import ConfigSection
from .types import EntraObjectId


class RegistryConfig(ConfigSection):
    """The stack's Azure Container Registry (admin user and anonymous pull always off). When enabled, every image of
    the release comes from it: upstreams that allow anonymous pulls through cache rules, Docker Hub images by import."""

    enabled: bool = Field(
        False, description="Create the registry and pull every image of the release through it (prod: true)."
    )
    sku: Literal["Basic", "Standard", "Premium"] = Field(
        "Standard", description="Registry tier; Premium is required for a private endpoint and zone redundancy."
    )
    private_endpoint: bool = Field(
        False,
        description="Reach the registry through a private endpoint in the VNet and turn public network access off "
        "(Premium only). Pushes then need line of sight to the VNet (see docs/images.md).",
    )
    zone_redundancy: bool = Field(
        True, description="Zone-redundant registry where the region has availability zones (Premium only)."
    )
    cache_rules: bool = Field(
        True,
        description="Cache rules for the images whose upstream allows anonymous pulls (quay.io, registry.k8s.io, "
        "mcr.microsoft.com); false means every image is imported (az acr import) instead.",
    )
    push_principal_id: EntraObjectId | None = Field(
        None,
        description="Object id of the CI identity that builds and imports images (set by scripts/bootstrap/"
        "bootstrap.sh): AcrPush and Container Registry Data Importer and Data Reader on this registry only.",
    )

    def problems(self):
        if not self.enabled:
            return
        if self.private_endpoint and self.sku != "Premium":
            yield (
                ("privateEndpoint",),
                (f"needs sku Premium (Azure offers private endpoints on Premium only), not {self.sku}"),
            )

    @property
    def public_network_access(self) -> str:
        """Off once a private endpoint carries the traffic: nodes pull through it, nothing else needs the registry."""
        return "Disabled" if self.private_endpoint else "Enabled"

    def zone_redundant(self, location_has_zones: bool) -> bool:
        """Zone redundancy is a Premium feature, and only possible in a region with zones."""
        return self.zone_redundancy and self.sku == "Premium" and location_has_zones
