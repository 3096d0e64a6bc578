"""Advisory cap on what an environment costs idle (issue 8), priced by the project's own cost model (`costing`).

Configured per stack in the pack config (policies/config/<stack>.json), because a CrossGuard policy cannot read stack
config: `{"idle-monthly-cost": {"maxIdleMonthly": 250}}`. Without `maxIdleMonthly` the policy checks nothing. The usage
estimates default to the model's own (`costing.DEFAULT_ASSUMPTIONS`, which stack config defaults to as well) and can be
overridden in the same object when a stack changes them. `costing` is pure; the published pack carries a copy of it
(scripts/assemble_policy_pack.py), the checkout imports it from the project root.
"""

from __future__ import annotations

from dataclasses import replace

from pulumi_policy import EnforcementLevel, PolicyConfigSchema, Severity, StackValidationArgs, StackValidationPolicy

from costing import DEFAULT_ASSUMPTIONS, USAGE_ESTIMATES, estimate, load_price_table
from costing.records import DEFAULT_CAPACITY_SETTINGS

from ._props import plain

RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
ESTIMATES = {  # policy config key -> Assumptions field
    "logIngestionGbPerDay": "log_ingestion_gb_per_day",
    "containerLogGbPerDay": "container_log_gb_per_day",
    "taskLogStorageGb": "task_log_storage_gb",
    "keyVaultOperationsPerDay": "key_vault_operations_per_day",
    "prometheusActiveSeries": "prometheus_active_series",
}


def _capacity(result) -> str:
    """What the idle cost buys: tasks at once, by the capacity model."""
    if result.concurrent_tasks is None:
        return "tasks at once unknown"
    return f"{result.concurrent_tasks} tasks at once"


def validate_idle_monthly_cost(args: StackValidationArgs, report_violation) -> None:
    config = args.get_config()
    cap = config.get("maxIdleMonthly")
    if cap is None:
        return
    assumptions = replace(
        DEFAULT_ASSUMPTIONS, **{field: config[key] for key, field in ESTIMATES.items() if key in config}
    )
    records = [{"type": r.resource_type, "name": r.name, "inputs": plain(r.props)} for r in args.resources]
    region = next((r["inputs"].get("location") for r in records if r["type"] == RESOURCE_GROUP), None)
    result = estimate(
        records, load_price_table(), assumptions, default_region=region, settings=DEFAULT_CAPACITY_SETTINGS
    )
    biggest = sorted(
        (line for line in result.lines if line.idle_monthly is not None), key=lambda line: -(line.idle_monthly or 0.0)
    )[:3]
    top = ", ".join(f"{line.label} {line.idle_monthly:,.0f}" for line in biggest)
    if result.idle_monthly > cap:
        report_violation(
            f"idle monthly cost {result.idle_monthly:,.2f} {result.currency} exceeds the cap of {cap:,.2f} "
            f"(prices of {result.price_table_date}; largest: {top}; {_capacity(result)}). Lower pool minimums, share the system pool "
            "(cluster.dedicatedSystemPool: false), pick smaller SKUs, or raise maxIdleMonthly."
        )
    elif result.unpriced:
        names = ", ".join(line.label for line in result.unpriced)
        report_violation(
            f"cannot verify the idle cost cap of {cap:,.2f} {result.currency}: {len(result.unpriced)} unpriced "
            f"item(s) ({names}); add their prices to costing/prices.json."
        )


idle_monthly_cost = StackValidationPolicy(
    name="idle-monthly-cost",
    description="The environment's estimated idle monthly cost (every pool at its minimum, control plane, database, "
    "network, storage, Key Vault, log ingestion) stays under the stack's cap (config maxIdleMonthly).",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    validate=validate_idle_monthly_cost,
    config_schema=PolicyConfigSchema(
        properties={
            "maxIdleMonthly": {
                "type": "number",
                "exclusiveMinimum": 0,
                "description": "Cap on the idle monthly cost in the price table's currency.",
            },
            **{
                key: {
                    "type": "number",
                    "minimum": 0,
                    "default": getattr(DEFAULT_ASSUMPTIONS, field),
                    "description": USAGE_ESTIMATES[field],
                }
                for key, field in ESTIMATES.items()
            },
        },
    ),
    remediation_steps="Lower pool minimums or SKUs, share the system pool on small stacks, or raise maxIdleMonthly.",
)
