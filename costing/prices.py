"""The dated price table (`costing/prices.json`): list prices per region, each with the Retail Prices API meter it is.

Every entry names its meter (the Azure Retail Prices API fields that select it), so `scripts/refresh_prices.py` can
refresh the table from https://prices.azure.com/api/retail/prices without a second mapping, and a reader can check any
figure. Keys are `<kind>/<sku>`: `vm/Standard_D4ads_v5`, `vm-spot/...`, `aks/Standard`, `postgres/Standard_B1ms`, ...
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_TABLE = Path(__file__).with_name("prices.json")


@dataclass(frozen=True)
class Price:
    """One list price: `amount` in the table's currency per `unit` (e.g. "1 Hour", "1 GB/Month", "10K")."""

    key: str
    amount: float
    unit: str
    meter: dict[str, Any] | None


@dataclass(frozen=True)
class PriceTable:
    currency: str
    retrieved: str
    source: str
    hours_per_month: float
    regions: dict[str, dict[str, Price]]

    def lookup(self, region: str, key: str) -> Price | None:
        """The price of `key` in `region`, or None when the table does not know it (never a silent zero)."""
        return self.regions.get(region, {}).get(key)

    def knows_region(self, region: str) -> bool:
        return region in self.regions


def parse_price_table(document: dict[str, Any]) -> PriceTable:
    regions = {
        region: {
            key: Price(key=key, amount=float(entry["price"]), unit=entry["unit"], meter=entry.get("meter"))
            for key, entry in entries.items()
        }
        for region, entries in document["regions"].items()
    }
    return PriceTable(
        currency=document["currency"],
        retrieved=document["retrieved"],
        source=document["source"],
        hours_per_month=float(document["hoursPerMonth"]),
        regions=regions,
    )


def load_price_table(path: str | Path = DEFAULT_TABLE) -> PriceTable:
    return parse_price_table(json.loads(Path(path).read_text()))
