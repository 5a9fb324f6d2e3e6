"""Acceptance: a month collected through each adapter equals the sandbox's own figures.

The expected figures are read from each sandbox's state (not through the adapter), and the
field -> metric mapping from the vendor's page in docs/vendors/, so the test holds the code, the
documentation and the vendor's numbers to one another, field by field.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from portal.customers.models import Tenant
from portal.sync.models import SyncRunStatus
from portal.sync.services import connection_sync
from portal.usage.collection import COLLECTED_STATUSES, connection_collect_usage, default_period
from portal.usage.models import UsageRecord
from vendors.registry import ADAPTERS

DOCS = Path(__file__).resolve().parents[3] / "docs" / "vendors"


def documented_mapping(vendor: str) -> dict[str, tuple[str, str]]:
    """vendor field -> (metric, unit) from the '## Usage mapping' table of the vendor's page."""
    text = (DOCS / f"{vendor}.md").read_text()
    section = text.split("## Usage mapping", 1)[1].split("\n## ", 1)[0]
    mapping = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith("`") and cells[1].startswith("`"):
            mapping[cells[0].strip("`")] = (cells[1].strip("`"), cells[2])
    assert mapping, f"no usage mapping table in docs/vendors/{vendor}.md"
    return mapping


def vendor_figures(sandbox, vendor: str, period) -> dict[tuple[str, str], dict[str, int]]:
    """(tenant id, subscription id) -> {vendor field: figure} for the month, from sandbox state."""
    box = sandbox.sandboxes[vendor]
    snapshot = box.snapshot()
    month = f"{period:%Y-%m}"
    figures = {}
    current = month == f"{dt.date.today():%Y-%m}"  # vendors without usage history: live figures
    if vendor == "lookout":
        for t in snapshot["tenants"]:
            tid = t["externalPartnerId"]
            live = {
                "licensesPurchased": t["subscriptions"][0]["seatTotal"],
                "licensesUsed": t["licensesUsed"],
            }
            figures[(tid, tid)] = live if current else t["usage"].get(month, {})
    elif vendor == "bitdefender":
        fields = box.state.monthly_usage
        for t in snapshot["tenants"]:
            figures[(t["id"], t["id"])] = fields(box.state.companies[t["id"]], month)
    elif vendor == "egnyte":
        for t in snapshot["tenants"]:
            live = t["record"]
            figures[(t["external_id"], t["external_id"])] = (
                live if current else t["usage"].get(month, {})
            )
    elif vendor == "trendmicro":
        for t in snapshot["tenants"]:
            for s in t["subscriptions"]:
                values = s["usage"].get(period.isoformat())
                if values is not None:
                    figures[(t["external_id"], s["external_id"])] = values
    elif vendor == "redstor":
        for t in snapshot["tenants"]:
            for row in box.consumption(t["external_id"], period):
                if not row["isTrial"]:  # asked with shouldExcludeTrials=true
                    figures[(t["external_id"], row["subscriptionId"])] = row
    else:  # a new vendor must say where its sandbox keeps usage
        pytest.fail(f"no sandbox usage reader for {vendor}")
    return figures


@pytest.mark.parametrize("vendor", list(ADAPTERS))
def test_it_stores_a_month_equal_to_the_sandbox_with_the_documented_mapping(
    sandbox, connect, vendor
):
    connection = connect(vendor)
    connection_sync(connection)
    period = default_period(connection)  # last month, or this one without usage history

    run = connection_collect_usage(connection, period)

    assert run.status == SyncRunStatus.SUCCEEDED, (run.error, run.errors)
    mapping = documented_mapping(vendor)
    collected = set(
        Tenant.objects.filter(connection=connection, status__in=COLLECTED_STATUSES).values_list(
            "external_id", flat=True
        )
    )
    expected = {
        (tenant_id, sub_id, metric): (Decimal(str(values[field])), unit, field)
        for (tenant_id, sub_id), values in vendor_figures(sandbox, vendor, period).items()
        if tenant_id in collected
        for field, (metric, unit) in mapping.items()
        if values.get(field) is not None
    }
    stored = {
        (r.tenant.external_id, r.subscription_key, r.metric): (r.quantity, r.unit, r.vendor_field)
        for r in UsageRecord.objects.filter(tenant__connection=connection).select_related("tenant")
    }
    assert len(expected) > len(collected) > 0
    assert stored == expected
    assert set(UsageRecord.objects.values_list("period", flat=True)) == {period}
