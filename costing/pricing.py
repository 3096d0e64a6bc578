"""Pricing primitives (`Meter`: a dated price table's amounts into cost lines) and the price of each compute,
network, data and registry resource. A resource whose price the table does not know gives an unpriced line and a
warning, never a silent zero."""

from __future__ import annotations

import re
from collections.abc import Iterable

from facts.vm_sizes import DEFAULT_OS_DISK_GB

from .capacity import ServiceLoad
from .lines import Assumptions, CostLine
from .prices import PriceTable
from .records import PoolRecord, number, path

DISK_TIERS_GB = (
    ("P4", 32),
    ("P6", 64),
    ("P10", 128),
    ("P15", 256),
    ("P20", 512),
    ("P30", 1024),
    ("E4", 32),
    ("E6", 64),
    ("E10", 128),
    ("E15", 256),
    ("E20", 512),
    ("E30", 1024),
)
"""Managed disk tiers and their sizes, smallest first (https://learn.microsoft.com/azure/virtual-machines/disks-types)."""


class Meter:
    """Turns price table amounts into the stack's cost lines and warnings."""

    def __init__(self, prices: PriceTable, assumptions: Assumptions, default_region: str | None):
        self.prices = prices
        self.assumptions = assumptions
        self.default_region = default_region
        self.lines: list[CostLine] = []
        self.warnings: list[str] = []
        self.hours = prices.hours_per_month
        self.cluster_region: str | None = None
        self.log_tables: dict[str, dict] = {}
        """Log Analytics tables the stack configures, by name: their plan and total retention."""

    @property
    def region(self) -> str | None:
        """Where the cluster's nodes run (the default region until the cluster is seen)."""
        return self.cluster_region or self.default_region

    def price(
        self, region: str | None, key: str, resource: str, type_: str, item: str, detail: str = ""
    ) -> float | None:
        """The amount for `key`, or None after recording an unpriced line and a warning."""
        if region is None:
            reason = "region unknown"
        elif not self.prices.knows_region(region):
            reason = f"region '{region}' is not in the price table"
        else:
            price = self.prices.lookup(region, key)
            if price is not None:
                return price.amount
            reason = f"no price for '{key}' in {region}"
        self.lines.append(CostLine(resource, type_, item, None, None, note=reason, detail=detail))
        self.warnings.append(f"unpriced: {item} ({resource}): {reason}; add it to costing/prices.json")
        return None

    def hourly(
        self,
        region,
        key,
        resource,
        type_,
        item,
        idle_units: float,
        burst_units: float | None = None,
        evictable: bool = False,
        note: str = "",
        detail: str = "",
        stoppable: bool = False,
    ) -> None:
        """A per-hour meter used `idle_units` at a time when idle and `burst_units` at full burst."""
        amount = self.price(region, key, resource, type_, item, detail)
        if amount is not None:
            burst = idle_units if burst_units is None else burst_units
            self.lines.append(
                CostLine(
                    resource,
                    type_,
                    item,
                    amount * idle_units * self.hours,
                    amount * burst,
                    evictable=evictable,
                    note=note,
                    detail=detail,
                    stoppable=stoppable,
                )
            )

    def monthly(self, region, key, resource, type_, item, quantity: float, note: str = "", detail: str = "") -> None:
        """A monthly meter (per GB-month, per month, per 10K operations) at a steady `quantity`."""
        amount = self.price(region, key, resource, type_, item, detail)
        if amount is not None:
            cost = amount * quantity
            self.lines.append(CostLine(resource, type_, item, cost, cost / self.hours, note=note, detail=detail))

    def unpriced(self, resource: str, type_: str, item: str, reason: str, detail: str = "") -> None:
        self.lines.append(CostLine(resource, type_, item, None, None, note=reason, detail=detail))
        self.warnings.append(f"unpriced: {item} ({resource}): {reason}")


def cluster(meter: Meter, name, type_, props, region):
    tier = path(props, "sku", "tier") or "Free"
    meter.hourly(region, f"aks/{tier}", name, type_, "AKS control plane", 1, detail=f"{tier} tier", stoppable=True)
    meter.cluster_region = region
    outbound = path(props, "networkProfile", "outboundType") or "loadBalancer"
    if outbound == "loadBalancer":
        ips = number(path(props, "networkProfile", "loadBalancerProfile", "managedOutboundIPs", "count")) or 1
        meter.hourly(region, "load-balancer/Standard", name, type_, "outbound load balancer", 1, detail="Standard")
        meter.hourly(
            region, "public-ip/Standard", name, type_, "outbound public IPs", ips, detail=f"{int(ips)} x Standard"
        )
    elif outbound == "managedNATGateway":
        ips = number(path(props, "networkProfile", "natGatewayProfile", "managedOutboundIPProfile", "count")) or 1
        meter.hourly(
            region,
            "nat-gateway/Standard",
            name,
            type_,
            "managed NAT gateway",
            1,
            note="data processed not included",
        )
        meter.hourly(
            region, "public-ip/Standard", name, type_, "outbound public IPs", ips, detail=f"{int(ips)} x Standard"
        )
    # userAssignedNATGateway / userDefinedRouting: the NAT gateway and IPs are resources of their own.


def node_pools(meter: Meter, pools: Iterable[PoolRecord], loads: Iterable[ServiceLoad] = ()) -> None:
    """Every pool at its minimum count idle (more when Airflow's services need more, `loads`) and its maximum at full
    burst; managed OS disks where not ephemeral."""
    region = meter.region
    needed = {load.pool.name: load for load in loads}
    for record in pools:
        pool = record.spec
        item = f"{pool.name} pool"
        detail = f"{pool.min_count}-{pool.max_count} x {pool.vm_size}{', spot' if pool.spot else ''}"
        if pool.vm_size is None or pool.min_count is None or pool.max_count is None:
            meter.unpriced(record.resource, record.type, item, "VM size or node counts unknown", detail)
            continue
        key = f"{'vm-spot' if pool.spot else 'vm'}/{pool.vm_size}"
        note = "spot: evictable at any time, priced at the spot rate" if pool.spot else ""
        load = needed.get(pool.name)
        idle = pool.min_count if load is None else load.idle_nodes or pool.min_count
        if idle > pool.min_count:
            note = f"Airflow's services request more than minCount nodes hold: {idle} nodes idle"
            meter.warnings.append(f"{item}: {note} (raise minCount or pick a larger VM size to plan for it)")
        meter.hourly(
            region,
            key,
            record.resource,
            record.type,
            item,
            idle,
            pool.max_count,
            evictable=pool.spot,
            note=note,
            detail=detail,
            stoppable=True,
        )
        if record.os_disk_type != "Ephemeral":
            _os_disks(meter, region, record, pool.vm_size, idle, pool.max_count)


def _os_disks(meter: Meter, region, record: PoolRecord, vm_size: str, low: int, high: int) -> None:
    """Managed OS disks (AKS's default when the OS disk does not fit the VM's cache or temp disk): the smallest
    tier that holds the disk, Premium SSD on VM sizes that support it (an `s` in the size's features)."""
    size = record.os_disk_size_gb or DEFAULT_OS_DISK_GB
    features = re.sub(r"^Standard_[A-Z]+[0-9]+", "", vm_size).split("_")[0]
    family, prefix = ("Premium_LRS", "P") if "s" in features else ("StandardSSD_LRS", "E")
    tier = next((name for name, gb in DISK_TIERS_GB if name.startswith(prefix) and gb >= size), f"{prefix}>{size}GB")
    item, detail = f"{record.spec.name} pool OS disks", f"managed {family} {tier}, {size} GB"
    amount = meter.price(region, f"disk/{family}/{tier}", record.resource, record.type, item, detail)
    if amount is not None:
        meter.lines.append(
            CostLine(
                record.resource,
                record.type,
                item,
                amount * low,
                amount * high / meter.hours,
                detail=detail,
                note="osDiskType not Ephemeral: every node pays for a managed OS disk",
            )
        )


def postgres(meter: Meter, name, type_, props, region):
    sku = path(props, "sku", "name")
    ha = str(path(props, "highAvailability", "mode") or "Disabled") != "Disabled"
    copies = 2 if ha else 1
    suffix = " with a zone-redundant standby" if ha else ""
    if sku is None:
        meter.unpriced(name, type_, "PostgreSQL compute", "SKU unknown")
    else:
        meter.hourly(
            region,
            f"postgres/{sku}",
            name,
            type_,
            "PostgreSQL compute",
            copies,
            detail=f"{sku}{suffix}",
            stoppable=True,
        )
    size = number(path(props, "storage", "storageSizeGB")) or 32
    storage_type = path(props, "storage", "type") or "Premium_LRS"
    meter.monthly(
        region,
        f"postgres-storage/{storage_type}",
        name,
        type_,
        "PostgreSQL storage",
        size * copies,
        detail=f"{int(size)} GB{suffix}",
    )
    if str(path(props, "backup", "geoRedundantBackup") or "Disabled") == "Enabled":
        meter.monthly(
            region,
            "postgres-backup/GRS",
            name,
            type_,
            "PostgreSQL geo-redundant backups",
            size,
            note="assumes backups about the size of the provisioned storage",
            detail=f"~{int(size)} GB",
        )


def storage_account(meter: Meter, name, type_, props, region):
    sku = path(props, "sku", "name") or ""
    replication = sku.split("_")[-1] if "_" in sku else None
    gb = meter.assumptions.task_log_storage_gb
    if replication is None:
        meter.unpriced(name, type_, "task-log storage", "storage SKU unknown")
        return
    meter.monthly(
        region,
        f"blob-hot/{replication}",
        name,
        type_,
        "task-log storage",
        gb,
        note="estimate: cost.taskLogStorageGb",
        detail=f"~{gb:g} GB hot {replication}",
    )


def key_vault(meter: Meter, name, type_, props, region):
    sku = (path(props, "properties", "sku", "name") or "standard").lower()
    per_month = meter.assumptions.key_vault_operations_per_day * meter.hours / 24
    meter.monthly(
        region,
        f"key-vault/{sku}",
        name,
        type_,
        "Key Vault operations",
        per_month / 10_000,
        note="estimate: cost.keyVaultOperationsPerDay",
        detail=f"~{per_month:,.0f}/month",
    )


def nat_gateway(meter: Meter, name, type_, props, region):
    meter.hourly(region, "nat-gateway/Standard", name, type_, "NAT gateway", 1, note="data processed not included")


def public_ip(meter: Meter, name, type_, props, region):
    sku = path(props, "sku", "name") or "Standard"
    meter.hourly(region, f"public-ip/{sku}", name, type_, "public IP", 1, detail=sku)


def container_registry(meter: Meter, name, type_, props, region):
    """A registry is billed per day by tier (storage up to the tier's included amount comes with it)."""
    sku = path(props, "sku", "name")
    if sku is None:
        meter.unpriced(name, type_, "container registry", "registry tier unknown")
        return
    meter.hourly(
        region,
        f"container-registry/{sku}",
        name,
        type_,
        "container registry",
        1 / 24,
        detail=sku,
        note="billed per day; storage beyond the tier's included amount not included",
    )


def private_endpoint(meter: Meter, name, type_, props, region):
    meter.hourly(region, "private-endpoint", name, type_, "private endpoint", 1, note="data processed not included")


def private_zone(meter: Meter, name, type_, props, region):
    meter.monthly(meter.default_region, "private-dns-zone", name, type_, "private DNS zone", 1)


def load_balancer(meter: Meter, name, type_, props, region):
    sku = path(props, "sku", "name") or "Standard"
    meter.hourly(region, f"load-balancer/{sku}", name, type_, "load balancer", 1, detail=sku)
