"""scripts/refresh_prices.py against responses shaped like the Azure Retail Prices API's (recorded-looking samples)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import urllib.parse

import pytest
from support import ROOT

spec = importlib.util.spec_from_file_location("refresh_prices", ROOT / "scripts" / "refresh_prices.py")
refresh_prices = importlib.util.module_from_spec(spec)
spec.loader.exec_module(refresh_prices)


def item(**fields):
    """One price item with every field the API documents (values like a real westeurope D4ads v5 answer)."""
    base = {
        "currencyCode": "USD",
        "tierMinimumUnits": 0.0,
        "retailPrice": 0.0,
        "unitPrice": 0.0,
        "armRegionName": "westeurope",
        "location": "EU West",
        "effectiveStartDate": "2025-05-01T00:00:00Z",
        "meterId": "00000000-0000-0000-0000-000000000001",
        "meterName": "D4ads v5",
        "productId": "DZH318Z0C4Q8",
        "skuId": "DZH318Z0C4Q8/00KZ",
        "productName": "Virtual Machines Dadsv5 Series",
        "skuName": "D4ads v5",
        "serviceName": "Virtual Machines",
        "serviceId": "DZH313Z7MMC8",
        "serviceFamily": "Compute",
        "unitOfMeasure": "1 Hour",
        "type": "Consumption",
        "isPrimaryMeterRegion": True,
        "armSkuName": "Standard_D4ads_v5",
    }
    return {**base, **fields}


VM_METER = {
    "serviceName": "Virtual Machines",
    "armSkuName": "Standard_D4ads_v5",
    "productName": "Virtual Machines Dadsv5 Series",
    "skuName": "D4ads v5",
}


def table(*entries):
    return {
        "currency": "USD",
        "retrieved": "2020-01-01",
        "source": "hand",
        "provenance": "hand",
        "hoursPerMonth": 730,
        "regions": {"westeurope": dict(entries)},
    }


class FakeApi:
    """Serves pages by URL; the first page links to a second, as the API does past 100 items."""

    def __init__(self, pages):
        self.pages, self.urls = pages, []

    def __call__(self, url):
        self.urls.append(url)
        return self.pages[len(self.urls) - 1]


def test_filter_names_every_meter_field_the_region_and_consumption():
    text = refresh_prices.odata_filter(VM_METER, "westeurope")
    assert "armRegionName eq 'westeurope'" in text and "priceType eq 'Consumption'" in text
    assert "skuName eq 'D4ads v5'" in text
    url = urllib.parse.urlparse(
        refresh_prices.query_url({"serviceName": "Azure DNS", "armRegionName": "Zone 1"}, "westeurope")
    )
    query = urllib.parse.parse_qs(url.query)
    assert url.netloc == "prices.azure.com" and query["api-version"] == ["2023-01-01-preview"]
    assert "armRegionName eq 'Zone 1'" in query["$filter"][0]


def test_refresh_follows_pages_picks_the_linux_meter_and_dates_the_table():
    api = FakeApi(
        [
            {
                "BillingCurrency": "USD",
                "CustomerEntityId": "Default",
                "CustomerEntityType": "Retail",
                "Count": 1,
                "Items": [item(productName="Virtual Machines Dadsv5 Series Windows", retailPrice=0.414)],
                "NextPageLink": "https://prices.azure.com/api/retail/prices?$skip=100",
            },
            {
                "Count": 2,
                "Items": [
                    item(retailPrice=0.2304, unitPrice=0.2304),
                    item(skuName="D4ads v5 Spot", meterName="D4ads v5 Spot", retailPrice=0.0461),
                ],
                "NextPageLink": None,
            },
        ]
    )
    prices = table(
        ("vm/Standard_D4ads_v5", {"price": 0.1, "unit": "1 Hour", "meter": VM_METER}),
        ("aks/Free", {"price": 0.0, "unit": "1 Hour", "meter": None}),
    )
    problems = refresh_prices.refresh(prices, api, dt.date(2026, 11, 23))
    assert problems == []
    entry = prices["regions"]["westeurope"]["vm/Standard_D4ads_v5"]
    assert entry["price"] == 0.2304 and entry["meterId"] == "00000000-0000-0000-0000-000000000001"
    assert prices["retrieved"] == "2026-11-23" and prices["source"].startswith("Azure Retail Prices API")
    assert len(api.urls) == 2 and api.urls[1].endswith("$skip=100")


def test_per_vcore_meters_are_multiplied_and_tiers_selected():
    vcore = {"serviceName": "Azure Database for PostgreSQL", "meterName": "vCore"}
    ingestion = {"serviceName": "Log Analytics", "meterName": "Pay-as-you-go Data Ingestion", "tierMinimumUnits": 5}
    api = FakeApi(
        [
            {
                "Items": [item(serviceName="Azure Database for PostgreSQL", meterName="vCore", retailPrice=0.098)],
                "NextPageLink": None,
            },
            {
                "Items": [
                    item(serviceName="Log Analytics", meterName="Pay-as-you-go Data Ingestion", retailPrice=0.0),
                    item(
                        serviceName="Log Analytics",
                        meterName="Pay-as-you-go Data Ingestion",
                        retailPrice=2.99,
                        tierMinimumUnits=5.0,
                        unitOfMeasure="1 GB",
                    ),
                ],
                "NextPageLink": None,
            },
        ]
    )
    prices = table(
        ("postgres/Standard_D2ds_v5", {"price": 0, "unit": "1 Hour", "quantity": 2, "meter": vcore}),
        ("log-analytics/ingestion", {"price": 0, "unit": "1 GB", "meter": ingestion}),
    )
    assert refresh_prices.refresh(prices, api, dt.date(2026, 1, 1)) == []
    entries = prices["regions"]["westeurope"]
    assert entries["postgres/Standard_D2ds_v5"]["price"] == pytest.approx(0.196)
    assert entries["log-analytics/ingestion"]["price"] == 2.99 and entries["log-analytics/ingestion"]["unit"] == "1 GB"


def test_a_meter_that_matches_nothing_or_twice_keeps_its_price_and_is_reported():
    api = FakeApi(
        [
            {"Items": [], "NextPageLink": None},
            {"Items": [item(retailPrice=1.0), item(retailPrice=2.0)], "NextPageLink": None},
        ]
    )
    prices = table(
        ("vm/Standard_D4ads_v5", {"price": 0.1, "unit": "1 Hour", "meter": VM_METER}),
        ("vm/other", {"price": 0.3, "unit": "1 Hour", "meter": VM_METER}),
    )
    problems = refresh_prices.refresh(prices, api, dt.date(2026, 1, 1))
    assert [p.split(":")[0] for p in problems] == ["westeurope vm/Standard_D4ads_v5", "westeurope vm/other"]
    assert "0 items match (candidates: none)" in problems[0] and "2 items match" in problems[1]
    assert prices["regions"]["westeurope"]["vm/Standard_D4ads_v5"]["price"] == 0.1
    assert "2 entries kept older prices" in prices["provenance"]


def test_every_meter_in_the_shipped_table_builds_a_filter():
    shipped = json.loads((ROOT / "costing" / "prices.json").read_text())
    for region, entries in shipped["regions"].items():
        for key, entry in entries.items():
            if entry["meter"] is None:
                assert entry["price"] == 0, key
            else:
                assert "serviceName eq" in refresh_prices.odata_filter(entry["meter"], region), key
