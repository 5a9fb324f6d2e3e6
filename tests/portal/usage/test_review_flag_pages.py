"""Flagged pages walk customers a stretch at a time: same rows, in pages, as the whole month."""

from __future__ import annotations

import pytest

from portal.usage import selectors
from portal.usage.selectors import ROW_FLAGS, ReviewFilter, usage_review_page, usage_review_rows
from tests.factories import CustomerFactory, ResellerFactory, TenantFactory
from vendors.types import Metric

from .conftest import PERIOD


@pytest.fixture
def month(seat_usage):
    """Customers (some of the same name, some with two tenants, two resellers' subtrees) whose
    rows carry every flag, mixed with unflagged ones, across two vendors."""
    resellers = [ResellerFactory(name="North"), ResellerFactory(name="South")]
    sub_reseller = CustomerFactory(name="North East", parent=resellers[0])
    figures = [(10, 12, 11), (100, 20, 22), (10, 10, 10), (50, 40, 5), (10, 3, None), (0, 9, 9)]
    for n in range(30):
        parent = (resellers[0], resellers[1], sub_reseller)[n % 3]
        customer = CustomerFactory(name=f"Customer {n % 7}", parent=parent)
        for k in range(1 + n % 2):
            seats, used, previous = figures[(n + k) % len(figures)]
            vendor = ("redstor", "egnyte")[n % 4 < 2]
            tenant = TenantFactory(customer=customer, connection__vendor=vendor)
            seat_usage(tenant=tenant, seats=seats, used=used, previous=previous)
            seat_usage(
                tenant=tenant, seats=0, used=used * 3, previous=previous, metric=Metric.WORKLOADS
            )
    return resellers


def paged(user, filters, size):
    rows, page = [], 1
    while True:
        table = usage_review_page(user=user, filters=filters, page=page, size=size)
        rows += table["rows"]
        assert len(table["rows"]) == size or not table["has_next"]
        if not table["has_next"]:
            return rows
        page += 1


KEY = ("customer_id", "vendor", "product", "metric", "used", "purchased", "previous")


@pytest.mark.parametrize(
    "stretch", [(4, 4, 10_000), (1, 2, 3), (1, 1, 1_000)], ids=["default", "rest", "walk"]
)
@pytest.mark.parametrize("flag", ROW_FLAGS)
@pytest.mark.parametrize("narrow", ["", "vendor", "reseller"])
def test_flagged_pages_hold_the_months_flagged_rows_in_order(
    admin_client, month, monkeypatch, stretch, flag, narrow
):
    per_row, growth, most = stretch
    monkeypatch.setattr(selectors, "_STRETCH_PER_ROW", per_row)
    monkeypatch.setattr(selectors, "_STRETCH_GROWTH", growth)
    monkeypatch.setattr(selectors, "_STRETCH_MAX", most)
    filters = ReviewFilter(
        period=PERIOD,
        flag=flag,
        vendor="egnyte" if narrow == "vendor" else "",
        reseller=month[0] if narrow == "reseller" else None,
    )
    whole = usage_review_rows(user=admin_client.user, filters=filters)
    assert whole and all(row[f"is_{flag}"] for row in whole)

    for size in (1, 3, 25):
        rows = paged(admin_client.user, filters, size)
        assert [[r[k] for k in KEY] for r in rows] == [[r[k] for k in KEY] for r in whole]


def test_a_page_past_the_flagged_rows_is_empty(admin_client, month):
    filters = ReviewFilter(period=PERIOD, flag="overuse")
    table = usage_review_page(user=admin_client.user, filters=filters, page=99, size=25)
    assert table["rows"] == [] and not table["has_next"]
