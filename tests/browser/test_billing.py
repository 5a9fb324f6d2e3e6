"""Issue 16 in a real browser: staff set prices (one by the form, the rest by CSV import),
close the month, read the billing lines and the margin report, export CSV and XLSX (both sum to
the page's totals), then upload the vendor's statement with wrong lines and see exactly those
differences."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import requests
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from portal.accounts.models import Role
from portal.billing.models import BillingLine, PriceEntry
from portal.catalog.models import Product
from portal.customers.models import SeatChange, Tenant
from portal.usage.collection import connection_collect_usage, previous_month
from tests.browser.conftest import screenshot
from tests.factories import CustomerFactory, ProfileFactory, ResellerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VENDOR = "trendmicro"


def _mirrored_for_years(connection) -> None:
    """Seat history dated back, as if the portal had mirrored the connection for years (the
    sandbox bills its current seats), and every tenant under one reseller's customers."""
    SeatChange.objects.filter(subscription__tenant__connection=connection).update(
        observed_at=timezone.make_aware(dt.datetime(2020, 1, 1))
    )
    reseller = ResellerFactory(name="Northwind MSP")
    for index, tenant in enumerate(Tenant.objects.filter(connection=connection).order_by("pk")):
        tenant.customer = CustomerFactory(parent=reseller, name=f"Client {index:02d}")
        tenant.save()


def _totals(page) -> Decimal:
    cells = page.locator("#billing-totals tbody tr td:nth-child(3)").all_inner_texts()
    return sum((Decimal(c.replace(",", "")) for c in cells), Decimal(0))


def test_staff_price_close_report_export_and_reconcile_a_month(
    page, sign_in, sandbox_connection, sandbox
):
    connection = sandbox_connection(VENDOR)
    period = previous_month()
    month = f"{period:%Y-%m}"
    _mirrored_for_years(connection)
    connection_collect_usage(connection, period)
    products = list(Product.objects.filter(connection=connection).order_by("code"))
    assert len(products) >= 2
    sign_in(ProfileFactory(role=Role.ADMIN).user)

    # one price through the form
    page.goto("/billing/prices/")
    page.get_by_role("link", name="New price").click()
    page.get_by_label("Product").select_option(label=str(products[0]))
    page.get_by_label("Basis").select_option("per_seat_month")
    page.get_by_label("Unit cost").fill("2.50")
    page.get_by_label("List price").fill("3.10")
    page.get_by_label("Currency").fill("EUR")
    page.get_by_label("Effective from").fill("2020-01-01")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Price saved")

    # the others by CSV import (a bad file first: nothing changes, the bad line is named)
    header = "product_code,addon,basis,metric,unit_cost,list_price,currency,effective_from,effective_to\n"
    rows = "".join(f"{p.code},,per_seat_month,,2.50,3.25,EUR,2020-01-01,\n" for p in products[1:])
    page.goto("/billing/prices/import/")
    page.get_by_label("Connection").select_option(str(connection.pk))
    page.get_by_label("Price list (CSV)").set_input_files(
        {
            "name": "bad.csv",
            "mimeType": "text/csv",
            "buffer": (header + rows + "NOPE,,per_seat_month,,1,2,EUR,2020-01-01,\n").encode(),
        }
    )
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-refused")).to_contain_text("Nothing was imported")
    expect(page.locator("#import-errors")).to_contain_text("No product NOPE")
    assert PriceEntry.objects.count() == 1
    page.get_by_label("Connection").select_option(str(connection.pk))
    page.get_by_label("Price list (CSV)").set_input_files(
        {"name": "prices.csv", "mimeType": "text/csv", "buffer": (header + rows).encode()}
    )
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status")).to_contain_text(f"{len(products) - 1} new")
    screenshot(page, "billing-price-book")

    # close the month on the usage review
    page.goto(f"/usage/?period={month}")
    page.locator("#close-heading ~ * tr", has_text=connection.name).get_by_role(
        "button", name="Close"
    ).click()
    card = page.locator("#close-confirm")
    reason = card.get_by_label("Reason")
    if reason.count():
        reason.fill("Browser test: tenants without usage bill seats only")
    card.get_by_role("button", name="Close").click()
    expect(page.get_by_role("status")).to_contain_text(f"Closed {month}")

    # the frozen lines and their totals; the exports sum to them
    page.goto(f"/billing/?period={month}&connection={connection.pk}")
    expect(page.locator("#run-state")).to_contain_text("Frozen")
    lines = BillingLine.objects.filter(run__connection=connection)
    assert lines.exists()
    expect(page.locator("#billing-lines tbody tr")).to_have_count(min(lines.count(), 50))
    shown_total = _totals(page)
    assert shown_total == sum(line.amount for line in lines) > 0
    screenshot(page, "billing-month")
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Export CSV").click()
    exported = list(csv.DictReader(io.StringIO(csv_download.value.path().read_text())))
    assert sum(Decimal(r["amount"]) for r in exported) == shown_total
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Export XLSX").click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    with xlsx_download.value.path().open("rb") as xlsx:  # the saved download has no suffix
        sheet = load_workbook(xlsx, read_only=True).active
        values = list(sheet.iter_rows(values_only=True))
    amount = values[0].index("amount")
    assert sum(Decimal(str(row[amount])) for row in values[1:]) == shown_total

    # the margin report draws the month
    page.get_by_role("link", name="Margin report").click()
    expect(page.locator("#margins")).to_contain_text("Northwind MSP")
    expect(page.locator("figure.chart rect").first).to_be_visible()
    screenshot(page, "billing-margins")

    # the vendor's statement with three wrong lines: exactly those are the differences
    control = f"{sandbox.url}/_control/statements/{VENDOR}"
    requests.put(control, json={"wrong_lines": 3}, timeout=10).raise_for_status()
    statement = requests.get(
        f"{sandbox.url}/_control/{VENDOR}/statement", params={"period": month}, timeout=10
    ).content
    wrong = requests.get(control, timeout=10).json()["last_wrong"]
    page.get_by_role("link", name="Vendor statements").click()
    page.get_by_label("Connection").select_option(str(connection.pk))
    page.get_by_label("Month").fill(month)
    page.get_by_label("Statement (CSV)").set_input_files(
        {"name": "statement.csv", "mimeType": "text/csv", "buffer": statement}
    )
    page.get_by_role("button", name="Upload and compare").click()
    expect(page.locator("#statement-state")).to_contain_text("Differences to look at")
    shown = page.locator("#statement-rows tbody tr td:nth-child(1)").all_inner_texts()
    skus = page.locator("#statement-rows tbody tr td:nth-child(2)").all_inner_texts()
    got = {(t.splitlines()[0].strip(), s.strip()) for t, s in zip(shown, skus, strict=True)}
    assert got == {(w["tenant"], w["sku"]) for w in wrong}
    screenshot(page, "billing-statement")
