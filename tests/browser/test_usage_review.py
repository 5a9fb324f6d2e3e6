"""Browser: staff review last month's usage, narrow it to one reseller and download the CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from portal.customers.models import Tenant
from portal.usage.collection import connection_collect_usage, previous_month
from portal.usage.models import UsageRecord
from tests.browser.conftest import screenshot
from tests.factories import CustomerFactory, ResellerFactory


def test_it_reviews_last_month_for_one_reseller_and_downloads_the_matching_csv(
    page, sign_in, sandbox_connection
):
    connection = sandbox_connection("redstor")
    period = previous_month()
    connection_collect_usage(connection, period)
    reseller, other = ResellerFactory(name="Northwind MSP"), ResellerFactory(name="Contoso MSP")
    tenants = list(Tenant.objects.filter(connection=connection, usage__period=period).distinct())
    assert len(tenants) >= 3
    for index, tenant in enumerate(tenants):
        owner = reseller if index % 2 == 0 else other
        customer = CustomerFactory(parent=owner, name=f"Customer {index:02d} of {owner.name}")
        customer.external_ref = f"PSA-{index:04d}"
        customer.save()
        tenant.customer = customer
        tenant.save()

    sign_in()
    page.get_by_role("link", name="Usage").click()
    page.get_by_role("heading", name=f"Usage review · {period:%B %Y}").wait_for()
    assert page.get_by_label("Month", exact=True).input_value() == f"{period:%Y-%m}"
    page.get_by_label("Reseller").select_option(label=reseller.name)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**reseller={reseller.pk}**")

    shown = page.locator("#usage-table tbody tr td:first-child").all_inner_texts()
    assert shown and all(name.endswith("of Northwind MSP") for name in shown)
    screenshot(page, "usage-review-reseller")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    body = download_info.value.path().read_text()

    rows = list(csv.DictReader(io.StringIO(body)))
    mirror = UsageRecord.objects.filter(
        period=period, tenant__customer__path__startswith=reseller.path
    ).select_related("tenant__customer")
    assert len(rows) == mirror.count() > 0
    expected = {
        (r.tenant.external_id, r.subscription_key, r.metric): (
            r.quantity,
            r.unit,
            r.tenant.customer.external_ref,
        )
        for r in mirror
    }
    got = {
        (row["tenant_external_id"], row["subscription_external_id"], row["metric"]): (
            Decimal(row["quantity"]),
            row["unit"],
            row["customer_external_ref"],
        )
        for row in rows
    }
    assert got == expected
