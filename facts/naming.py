"""Azure resource names and tags, derived in one place from the project, environment, location and a suffix.

Pure functions: no Pulumi calls, so every rule is testable without mocks. Globally unique names (storage account,
Key Vault, PostgreSQL server) end with a short random suffix that Pulumi keeps in state (the stack context's
`name_suffix`, components/context.py): it makes them unique across tenants and lets a destroyed stack be re-created while Azure still
reserves the soft-deleted Key Vault name.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

SUFFIX_LENGTH = 5
"""Characters of the random suffix; 36^5 ≈ 60 million combinations per prefix and environment."""

# Azure's rules for the names this program derives (learn.microsoft.com, "Naming rules and restrictions").
STORAGE_ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")
CONTAINER_REGISTRY = re.compile(r"^[a-zA-Z0-9]{5,50}$")
KEY_VAULT = re.compile(r"^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$")
POSTGRES_SERVER = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")
AKS_CLUSTER = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{0,61}[a-zA-Z0-9]$")
AKS_DNS_PREFIX = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]{0,52}[a-zA-Z0-9]$")
RESOURCE_GROUP = re.compile(r"^[-\w._()]{1,89}[-\w_()]$")
TAG_NAME_FORBIDDEN = set("<>%&\\?/")

# Short location codes keep names inside Azure's length limits (rg-airflow-dev-weu rather than ...-westeurope).
_LOCATION_CODES = {
    "eastus": "eus",
    "eastus2": "eus2",
    "westus": "wus",
    "westus2": "wus2",
    "westus3": "wus3",
    "centralus": "cus",
    "northcentralus": "ncus",
    "southcentralus": "scus",
    "westcentralus": "wcus",
    "canadacentral": "cac",
    "brazilsouth": "brs",
    "northeurope": "neu",
    "westeurope": "weu",
    "uksouth": "uks",
    "ukwest": "ukw",
    "francecentral": "frc",
    "germanywestcentral": "gwc",
    "swedencentral": "sdc",
    "switzerlandnorth": "szn",
    "norwayeast": "nwe",
    "polandcentral": "plc",
    "italynorth": "itn",
    "spaincentral": "spc",
    "australiaeast": "aue",
    "southeastasia": "sea",
    "eastasia": "ea",
    "japaneast": "jpe",
    "koreacentral": "krc",
    "centralindia": "inc",
    "southafricanorth": "san",
    "uaenorth": "uan",
}


def location_code(location: str) -> str:
    """A short, stable code for an Azure region; unknown regions fall back to their first six characters."""
    return _LOCATION_CODES.get(location, location[:6])


@dataclass(frozen=True)
class Naming:
    """Everything a name is made of. `prefix` and `environment` are validated by the config (see `problems`)."""

    prefix: str
    environment: str
    location: str

    @property
    def _stem(self) -> str:
        return f"{self.prefix}-{self.environment}"

    def resource_group(self) -> str:
        return f"rg-{self._stem}-{location_code(self.location)}"

    def resource(self, abbreviation: str) -> str:
        """Name for resources unique only within their resource group (VNet, identity, workspace, cluster...)."""
        return f"{abbreviation}-{self._stem}-{location_code(self.location)}"

    def storage_account(self, suffix: str) -> str:
        return f"st{self.prefix}{self.environment}{suffix}".lower()

    def key_vault(self, suffix: str) -> str:
        return f"kv-{self._stem}-{suffix}"

    def container_registry(self, subscription_id: str) -> str:
        """Globally unique, alphanumeric, and known before anything is created (unlike a random suffix).

        Registry names are global and cannot contain hyphens. A hash of the subscription and resource group tells
        stacks of different tenants apart and is known in a first preview, so every image reference of the release
        is too. Deleted registry names are not reserved: a re-created stack takes the same name again.
        """
        unique = hashlib.sha256(f"{subscription_id}/{self.resource_group()}".lower().encode()).hexdigest()[:8]
        return f"cr{self.prefix}{self.environment}{unique}"

    def postgres_server(self, suffix: str) -> str:
        return f"psql-{self._stem}-{suffix}"

    def dns_prefix(self) -> str:
        return f"{self._stem}-{location_code(self.location)}"

    def problems(self) -> list[str]:
        """Why names built from these parts would break Azure's rules (checked with the longest suffix)."""
        probe = "x" * SUFFIX_LENGTH
        checks = [
            ("storage account", self.storage_account(probe), STORAGE_ACCOUNT, "3-24 lowercase letters and digits"),
            ("Key Vault", self.key_vault(probe), KEY_VAULT, "3-24 letters, digits and single hyphens"),
            (
                "PostgreSQL server",
                self.postgres_server(probe),
                POSTGRES_SERVER,
                "3-63 lowercase letters, digits, hyphens",
            ),
            ("container registry", self.container_registry(probe), CONTAINER_REGISTRY, "5-50 letters and digits"),
            ("AKS cluster", self.resource("aks"), AKS_CLUSTER, "1-63 letters, digits, '-' and '_'"),
            ("AKS DNS prefix", self.dns_prefix(), AKS_DNS_PREFIX, "1-54 letters, digits and hyphens"),
            ("resource group", self.resource_group(), RESOURCE_GROUP, "1-90 word characters, '.', '-', '(' and ')'"),
        ]
        return [
            f"derived {what} name '{name}' breaks Azure's rule ({rule}); shorten namePrefix or environment"
            for what, name, pattern, rule in checks
            if not pattern.fullmatch(name)
        ]


def tags(
    *,
    project: str,
    stack: str,
    environment: str,
    owner: str,
    cost_center: str,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The tags every taggable resource carries. Extra tags from config cannot override the standard ones."""
    standard = {
        "environment": environment,
        "project": project,
        "stack": stack,
        "managed-by": "pulumi",
        "owner": owner,
        "cost-center": cost_center,
    }
    return {**dict(extra or {}), **standard}


def tag_problems(extra: Mapping[str, str]) -> list[tuple[str, str]]:
    """(tag name, message) for extra tags Azure would reject or that would shadow a standard tag."""
    reserved = {"environment", "project", "stack", "managed-by", "owner", "cost-center"}
    found = []
    for name, value in extra.items():
        if name.lower() in reserved:
            found.append((name, f"is set by the program; choose another name than {sorted(reserved)}"))
        elif (
            not 1 <= len(name) <= 512
            or TAG_NAME_FORBIDDEN & set(name)
            or name.lower().startswith(("azure", "microsoft", "windows"))
        ):
            found.append(
                (
                    name,
                    "tag names are 1-512 characters without < > % & \\ ? / and not starting with azure, microsoft or windows",
                )
            )
        elif len(str(value)) > 256:
            found.append((name, "tag values are at most 256 characters"))
    return found
