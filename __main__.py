"""airflow-aks: load the stack's config, wire the components, export what operators need."""

import pulumi
import pulumi_random as random
from pulumi_azure_native import resources

from stackconfig import load_stack_config

settings = load_stack_config()

resource_group = resources.ResourceGroup(
    "resource-group",
    resource_group_name=settings.naming.resource_group(),
    location=settings.config.location,
    tags=settings.tags,
)

# Globally unique names end with this suffix; it lives in state, so it is stable across updates and new after a
# destroy, which keeps a soft-deleted Key Vault name from blocking re-creation.
name_suffix = random.RandomString(
    "name-suffix",
    length=5,
    special=False,
    upper=False,
    keepers={"location": settings.config.location},
)

pulumi.export("resourceGroupName", resource_group.name)
