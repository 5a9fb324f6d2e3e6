"""The review page's close checklist, its pages of customers and how it reads its filters."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.urls import reverse

from portal.accounts.models import Role
from portal.usage.selectors import ReviewFilter, usage_review_page
from portal.usage.views import _filters, _page_filters
from tests.factories import (
    CustomerFactory,
    MonthCloseFactory,
    ProfileFactory,
    TenantFactory,
    UsageAdjustmentFactory,
    UsageRecordFactory,
    UserFactory,
    VendorConnectionFactory,
)
from vendors.types import Metric, TenantStatus

from .conftest import PERIOD

SEEN = dt.datetime(2025, 1, 10, tzinfo=dt.UTC)


def review(client, **params):
    params.setdefault("period", f"{PERIOD:%Y-%m}")
    response = client.get(reverse("usage:review"), params)
    assert response.status_code == 200
    return response.content.decode()


def checklist_row(page: str, connection) -> str:
    match = re.search(rf'<tr data-connection="{connection.pk}">(.*?)</tr>', page, re.S)
    assert match, f"no checklist row for {connection}"
    return match.group(1)


@pytest.fixture
def three_connections(seat_usage):
    """A closed, a reopened and an open connection (with one active tenant missing usage)."""
    closer = UserFactory(username="carol<&>")
    closed = VendorConnectionFactory(vendor="redstor", name="Redstor EU")
    reopened = VendorConnectionFactory(vendor="egnyte", name="Egnyte & co")
    still_open = VendorConnectionFactory(vendor="lookout", name="Lookout")
    for connection in (closed, reopened, still_open):
        seat_usage(tenant=TenantFactory(connection=connection, first_seen_at=SEEN))
    TenantFactory(connection=still_open, status=TenantStatus.ACTIVE, first_seen_at=SEEN)
    closed_at = dt.datetime(2025, 4, 2, 9, 30, tzinfo=dt.UTC)
    MonthCloseFactory(connection=closed, period=PERIOD, closed_at=closed_at, closed_by=closer)
    MonthCloseFactory(
        connection=reopened,
        period=PERIOD,
        is_closed=False,
        closed_at=closed_at,
        reopened_at=dt.datetime(2025, 4, 3, 14, 5, tzinfo=dt.UTC),
        reopened_by=None,
    )
    record = closed.tenants.get().usage.get(period=PERIOD)
    UsageAdjustmentFactory(record=record, vendor_quantity=Decimal(41))
    return closed, reopened, still_open


def test_the_checklist_shows_each_connections_state_and_its_form(admin_client, three_connections):
    closed, reopened, still_open = three_connections

    page = review(admin_client)

    row = checklist_row(page, closed)
    assert "Redstor EU" in row and "Redstor" in row and ">closed</span>" in row
    assert "2025-04-02 09:30 by carol&lt;&amp;&gt;" in row
    assert "<td>none</td><td>1</td>" in row  # nothing missing, one correction
    assert 'action="/usage/reopen/"' in row and 'name="reason"' in row
    assert 'name="csrfmiddlewaretoken"' in row and 'name="period" value="2025-03"' in row

    row = checklist_row(page, reopened)
    assert "Egnyte &amp; co" in row and ">reopened</span>" in row
    assert "2025-04-03 14:05 by system" in row
    assert 'action="/usage/close/"' in row and "Close Mar 2025" in row

    row = checklist_row(page, still_open)
    assert ">open</span>" in row
    assert 'href="?period=2025-03&amp;flag=missing&amp;vendor=lookout">1 active tenant</a>' in row
    assert 'action="/usage/close/"' in row


def test_operators_close_but_do_not_reopen_and_viewers_only_look(client, three_connections):
    closed, _, still_open = three_connections
    client.force_login(ProfileFactory(role=Role.OPERATOR).user)

    page = review(client)

    assert 'action="/usage/reopen/"' not in checklist_row(page, closed)
    assert 'action="/usage/close/"' in checklist_row(page, still_open)

    client.force_login(ProfileFactory(role=Role.VIEWER).user)
    page = review(client)
    assert "<form" not in checklist_row(page, closed) + checklist_row(page, still_open)


def test_the_checklist_lists_the_connections_of_the_filtered_vendor(
    admin_client, three_connections
):
    closed, reopened, still_open = three_connections

    page = review(admin_client, vendor="egnyte")

    assert f'data-connection="{reopened.pk}"' in page
    assert f'data-connection="{closed.pk}"' not in page
    assert f'data-connection="{still_open.pk}"' not in page


def test_a_connection_of_unmatched_tenants_is_on_the_checklist(admin_client, seat_usage):
    seat_usage(tenant=TenantFactory(connection__vendor="redstor"))
    unmatched = TenantFactory(customer=None, connection__vendor="redstor").connection

    for params in ({}, {"vendor": "redstor"}):
        assert f'data-connection="{unmatched.pk}"' in review(admin_client, **params)


def test_a_page_holds_size_customers_with_rows_and_says_when_more_follow(admin_client, seat_usage):
    names = ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
    for name in names:
        seat_usage(tenant=TenantFactory(customer=CustomerFactory(name=name)))
    # Only the vendor's purchased figure: no row of its own, so it takes no place on a page.
    UsageRecordFactory(
        tenant=TenantFactory(customer=CustomerFactory(name="Bingo")),
        period=PERIOD,
        metric=Metric.SEATS_PURCHASED,
        quantity=Decimal(5),
    )
    user = admin_client.user

    def shown(page):
        table = usage_review_page(user=user, filters=ReviewFilter(period=PERIOD), page=page, size=2)
        return [r["customer_name"] for r in table["rows"]], table["has_next"]

    assert shown(1) == (["Alpha", "Bravo"], True)
    assert shown(2) == (["Charlie", "Delta"], True)
    assert shown(3) == (["Echo"], False)
    assert shown(4) == ([], False)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "period=2025-03",
        "period=%202025-03%20&vendor=redstor",
        "period=2025-03&vendor=redstor&flag=idle&page=2",
        "period=&vendor=",
        "period=March",  # invalid: the FilterSet drops every filter
        "period=2025-03&vendor=nobody",
        "period=2025-03&vendor=redstor&vendor=egnyte",
        "period=2025-03&vendor=egnyte&metric=nothing",
        "period=2025-03&reseller=999999",
    ],
)
def test_the_page_reads_its_filters_as_the_shared_filterset_does(admin_client, query):
    request = RequestFactory().get(f"/usage/?{query}")
    request.user = admin_client.user

    assert _page_filters(request) == _filters(request)[1]
