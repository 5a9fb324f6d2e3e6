"""The billing page: staff see the frozen lines with cost and margin; a reseller's user sees its
own subtree's lines and sell prices only; an open month shows the dry run to staff only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from portal.accounts.models import Role
from tests.factories import (
    BillingLineFactory,
    CustomerFactory,
    PriceEntryFactory,
    ProfileFactory,
    ResellerFactory,
    SeatChangeFactory,
    SubscriptionFactory,
    SuperUserFactory,
    TenantFactory,
)

pytestmark = pytest.mark.django_db
PERIOD = dt.date(2026, 11, 1)


@pytest.fixture
def two_resellers():
    ours, theirs = ResellerFactory(name="Ours MSP"), ResellerFactory(name="Theirs MSP")
    line = BillingLineFactory(
        run__period=PERIOD,
        tenant__customer=CustomerFactory(parent=ours, name="Our Client"),
        reseller=ours,
    )
    BillingLineFactory(
        price=line.price,
        run=line.run,
        reseller=theirs,
        tenant=TenantFactory(
            connection=line.run.connection,
            customer=CustomerFactory(parent=theirs, name="Their Client"),
        ),
    )
    return ours, line


def test_staff_see_every_line_with_cost_and_margin(client, two_resellers):
    client.force_login(SuperUserFactory())
    _, line = two_resellers

    page = client.get(f"/billing/?period=2026-11&connection={line.run.connection_id}")

    body = page.content.decode()
    assert page.status_code == 200
    assert "Our Client" in body and "Their Client" in body
    assert ">Margin</th>" in body and ">Cost</th>" in body
    assert page.context["totals"].data[0]["amount"] == Decimal("80.00")  # two lines of 40


def test_a_resellers_user_sees_its_own_lines_and_no_cost_or_margin(client, two_resellers):
    ours, line = two_resellers
    client.force_login(ProfileFactory(role=Role.VIEWER, reseller=ours).user)

    page = client.get(f"/billing/?period=2026-11&connection={line.run.connection_id}")

    body = page.content.decode()
    assert "Our Client" in body and "Their Client" not in body
    assert ">Margin</th>" not in body and ">Cost</th>" not in body
    assert page.context["totals"].data == [
        {"currency": "EUR", "amount": Decimal("40.00"), "lines": 1}
    ]


def test_an_open_month_shows_staff_the_dry_run_and_resellers_nothing(client):
    entry = PriceEntryFactory(list_price=Decimal("2"))
    reseller = ResellerFactory()
    tenant = TenantFactory(
        connection=entry.product.connection, customer=CustomerFactory(parent=reseller)
    )
    sub = SubscriptionFactory(tenant=tenant, product=entry.product, seats=30)
    SeatChangeFactory(subscription=sub, observed_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC))
    url = f"/billing/?period=2026-11&connection={entry.product.connection_id}"

    client.force_login(SuperUserFactory())
    staff = client.get(url)
    assert "Not closed yet" in staff.content.decode()
    assert [x.amount for x in staff.context["lines"].data] == [Decimal("60.00")]

    client.force_login(ProfileFactory(role=Role.VIEWER, reseller=reseller).user)
    scoped = client.get(url)
    assert "not billed yet" in scoped.content.decode()
    assert scoped.context["preview"] is None


def test_the_billing_page_needs_a_sign_in(client):
    assert client.get("/billing/").status_code == 302


def _csv(response) -> list[dict]:
    import csv
    import io

    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_csv_export_sums_to_the_page_and_keeps_cost_for_staff_only(client, two_resellers):
    ours, line = two_resellers
    url = f"/billing/export.csv?period=2026-11&connection={line.run.connection_id}"

    client.force_login(SuperUserFactory())
    rows = _csv(client.get(url))
    assert sum(Decimal(r["amount"]) for r in rows) == Decimal("80.00")
    assert {r["margin"] for r in rows} == {"10.00"}

    client.force_login(ProfileFactory(role=Role.VIEWER, reseller=ours).user)
    rows = _csv(client.get(url))
    assert [r["customer_name"] for r in rows] == ["Our Client"]
    assert "margin" not in rows[0] and "unit_cost" not in rows[0]


def test_exporting_a_month_not_closed_answers_404(client, two_resellers):
    _, line = two_resellers
    client.force_login(SuperUserFactory())
    assert (
        client.get(
            f"/billing/export.csv?period=2026-10&connection={line.run.connection_id}"
        ).status_code
        == 404
    )


def test_the_api_lists_frozen_lines_in_scope_with_cost_for_staff_only(two_resellers):
    from tests.portal.api.conftest import client_for

    ours, line = two_resellers
    staff = client_for(ProfileFactory(role=Role.ADMIN).user)
    answer = staff.get("/api/v1/billing-lines/", {"period": "2026-11"}).json()
    assert answer["count"] == 2
    assert {r["margin"] for r in answer["results"]} == {"10.00"}
    assert staff.get("/api/v1/billing-lines/", {"period": "2026-10"}).json()["count"] == 0
    assert staff.get("/api/v1/billing-lines/", {"period": "November"}).status_code == 400

    scoped = client_for(ProfileFactory(role=Role.VIEWER, reseller=ours).user)
    (row,) = scoped.get("/api/v1/billing-lines/").json()["results"]
    assert row["customer"] == line.customer_id and row["amount"] == "40.00"
    assert (row["cost"], row["margin"], row["unit_cost"], row["price_source"]) == (None,) * 4


def test_the_xlsx_export_opens_and_sums_to_the_page(client, two_resellers):
    import io

    from openpyxl import load_workbook

    _, line = two_resellers
    client.force_login(SuperUserFactory())
    response = client.get(
        f"/billing/export.csv?period=2026-11&connection={line.run.connection_id}&format=xlsx"
    )

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header, *rows = list(sheet.values)
    amounts = [row[header.index("amount")] for row in rows]
    assert len(rows) == 2 and sum(Decimal(str(a)) for a in amounts) == Decimal("80.00")
    assert "margin" in header
