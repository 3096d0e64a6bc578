"""Refresh costing/prices.json from the Azure Retail Prices API (needs network access; no credentials).

    python scripts/refresh_prices.py [--table costing/prices.json] [--dry-run]

Every entry of the table names its meter (API fields such as serviceName, armSkuName, skuName, meterName); for each
region and entry this asks https://prices.azure.com/api/retail/prices for the consumption prices matching those fields
in that region (an `armRegionName` in the meter overrides the region, for meters priced per zone group such as DNS),
follows NextPageLink, and takes the one item whose fields all match (the `tierMinimumUnits` tier when the meter names
one, else the 0 tier). `retailPrice x quantity` (quantity: vCores for per-vCore meters, default 1) becomes the price.
Entries whose meter is null (free tiers) are kept. An entry that matches no item, or several, keeps its old price and
is reported; the exit code is 1 if any entry was not refreshed, so a renamed meter is never silently stale.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

API = "https://prices.azure.com/api/retail/prices"
API_VERSION = "2023-01-01-preview"
TABLE = Path(__file__).resolve().parents[1] / "costing" / "prices.json"

Fetch = Callable[[str], Mapping[str, Any]]


def odata_filter(meter: Mapping[str, Any], region: str) -> str:
    """The $filter for a meter: every string field an equality, in the region unless the meter names its own."""
    fields = {"armRegionName": region, "priceType": "Consumption"}
    fields.update({k: v for k, v in meter.items() if isinstance(v, str)})
    return " and ".join(f"{key} eq '{value.replace(chr(39), chr(39) * 2)}'" for key, value in fields.items())


def query_url(meter: Mapping[str, Any], region: str) -> str:
    return f"{API}?" + urllib.parse.urlencode({"api-version": API_VERSION, "$filter": odata_filter(meter, region)})


def items(url: str, fetch: Fetch) -> Iterator[Mapping[str, Any]]:
    """Every item of a query, following NextPageLink."""
    while url:
        page = fetch(url)
        yield from page.get("Items", [])
        url = page.get("NextPageLink") or ""


def select(candidates: list[Mapping[str, Any]], meter: Mapping[str, Any]) -> Mapping[str, Any]:
    """The one item matching every field of the meter (the API's filter is not trusted to be exact) at its tier."""
    tier = float(meter.get("tierMinimumUnits", 0))
    wanted = {k: v for k, v in meter.items() if k != "tierMinimumUnits"}
    matching = [
        item
        for item in candidates
        if all(item.get(k) == v for k, v in wanted.items())
        and float(item.get("tierMinimumUnits", 0)) == tier
        and item.get("type", "Consumption") == "Consumption"
    ]
    if len(matching) != 1:
        found = (
            ", ".join(
                sorted({f"{i.get('productName')} / {i.get('skuName')} / {i.get('meterName')}" for i in candidates})
            )
            or "none"
        )
        raise LookupError(f"{len(matching)} items match (candidates: {found})")
    return matching[0]


def refresh(table: dict[str, Any], fetch: Fetch, today: dt.date) -> list[str]:
    """Update `table` in place from the API; return one problem line per entry that could not be refreshed."""
    problems = []
    for region, entries in table["regions"].items():
        for key, entry in entries.items():
            meter = entry.get("meter")
            if meter is None:
                continue
            try:
                item = select(list(items(query_url(meter, region), fetch)), meter)
            except (LookupError, OSError, ValueError) as exc:
                problems.append(f"{region} {key}: {exc}")
                continue
            if item.get("currencyCode", table["currency"]) != table["currency"]:
                problems.append(f"{region} {key}: currency {item.get('currencyCode')} is not {table['currency']}")
                continue
            entry["price"] = round(float(item["retailPrice"]) * float(entry.get("quantity", 1)), 6)
            entry["unit"] = item.get("unitOfMeasure", entry["unit"])
            entry["meterId"] = item.get("meterId")
            entry["effectiveStartDate"] = item.get("effectiveStartDate")
    table["retrieved"] = today.isoformat()
    table["source"] = f"Azure Retail Prices API, {API} (api-version {API_VERSION})"
    table["provenance"] = "Fetched by scripts/refresh_prices.py: retail pay-as-you-go prices of each entry's meter." + (
        f" {len(problems)} entries kept older prices; see the script's output." if problems else ""
    )
    return problems


def fetch_json(url: str) -> Mapping[str, Any]:
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.load(response)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", type=Path, default=TABLE)
    parser.add_argument("--dry-run", action="store_true", help="print the refreshed table instead of writing it")
    args = parser.parse_args(argv)
    table = json.loads(args.table.read_text())
    problems = refresh(table, fetch_json, dt.date.today())
    text = json.dumps(table, indent=2) + "\n"
    if args.dry_run:
        print(text, end="")
    else:
        args.table.write_text(text)
    for problem in problems:
        print(f"not refreshed: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
