"""The margin report sums frozen lines by month, vendor and reseller per currency, draws its
bars as SVG on the server (no script, no inline style: the CSP), and is staff-only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from portal.accounts.models import Role
from portal.billing.models import RunState
from tests.factories import (
    BillingLineFactory,
    BillingRunFactory,
    ProfileFactory,
    ResellerFactory,
    SuperUserFactory,
)

pytestmark = pytest.mark.django_db


def line(run, reseller, amount: str, cost: str):
    return BillingLineFactory(
        run=run,
        price__product__connection=run.connection,
        tenant__connection=run.connection,
        reseller=reseller,
        amount=Decimal(amount),
        cost=Decimal(cost),
        margin=Decimal(amount) - Decimal(cost),
    )


def test_it_sums_margins_per_month_vendor_and_reseller_and_charts_them(client):
    client.force_login(SuperUserFactory())
    msp = ResellerFactory(name="Acme MSP")
    october = BillingRunFactory(period=dt.date(2026, 10, 1))
    november = BillingRunFactory(connection=october.connection, period=dt.date(2026, 11, 1))
    line(october, msp, "10.00", "7.50")
    line(november, msp, "10.00", "7.50")
    line(november, msp, "5.05", "4.00")
    void = BillingRunFactory(
        connection=october.connection, period=dt.date(2026, 9, 1), state=RunState.VOID
    )
    line(void, msp, "999.00", "1.00")

    page = client.get("/billing/margins/?start=2026-09&end=2026-11")

    rows = page.context["report"].data
    assert [(r["run__period"], r["amount"], r["margin"]) for r in rows] == [
        (dt.date(2026, 11, 1), Decimal("15.05"), Decimal("3.55")),
        (dt.date(2026, 10, 1), Decimal("10.00"), Decimal("2.50")),
    ]
    by_month = page.context["by_month"]
    assert [(b.label, b.value, b.percent) for b in by_month] == [
        ("2026-10 EUR", Decimal("2.50"), Decimal("70.4")),
        ("2026-11 EUR", Decimal("3.55"), Decimal("100.0")),
    ]
    body = page.content.decode()
    assert '<rect x="0" y="0" height="10" width="70.4">' in body
    assert "<script" not in body.split("<main", 1)[-1] and " style=" not in body
    assert "23.6%" in body  # 3.55 of 15.05


def test_a_resellers_user_gets_no_margin_report(client):
    client.force_login(ProfileFactory(role=Role.ADMIN, reseller=ResellerFactory()).user)

    assert client.get("/billing/margins/").status_code == 404
