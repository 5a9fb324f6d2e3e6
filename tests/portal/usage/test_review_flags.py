"""The review page: utilization and each flag, from crafted figures, computed in SQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from portal.usage.selectors import ReviewFilter, usage_review_rows
from tests.factories import CustomerFactory, ResellerFactory, TenantFactory, UsageRecordFactory
from vendors.types import Metric, TenantStatus

from .conftest import PERIOD, PREVIOUS


def review(client, **params):
    params.setdefault("period", f"{PERIOD:%Y-%m}")
    response = client.get(reverse("usage:review"), params)
    assert response.status_code == 200
    return response


def rows(user, **filters):
    return list(usage_review_rows(user=user, filters=ReviewFilter(period=PERIOD, **filters)))


def test_it_flags_over_use_when_used_exceeds_purchased(admin_client, seat_usage):
    over = seat_usage(seats=10, used=12)
    seat_usage(seats=10, used=10)

    flagged = rows(admin_client.user, flag="overuse")

    assert [(r["customer_id"], r["used"], r["purchased"]) for r in flagged] == [
        (over.tenant.customer_id, Decimal(12), Decimal(10))
    ]
    page = review(admin_client, flag="overuse").content.decode()
    assert over.tenant.customer.name in page and "over-use" in page and "120%" in page


def test_it_flags_idle_licences_when_used_is_well_below_purchased(admin_client, seat_usage):
    idle = seat_usage(seats=100, used=20)
    seat_usage(seats=100, used=60)

    flagged = rows(admin_client.user, flag="idle")

    assert [r["customer_id"] for r in flagged] == [idle.tenant.customer_id]
    assert "idle" in review(admin_client, flag="idle").content.decode()


def test_it_prefers_the_vendors_purchased_figure_to_the_mirrored_seats(admin_client, seat_usage):
    sub = seat_usage(seats=10, used=12)  # over-use against the mirror ...
    UsageRecordFactory(
        tenant=sub.tenant,
        subscription=sub,
        subscription_key=sub.external_id,
        period=PERIOD,
        metric=Metric.SEATS_PURCHASED,
        quantity=Decimal(15),  # ... but the vendor says 15 were purchased that month
        unit="seats",
    )

    (row,) = rows(admin_client.user)

    assert row["purchased"] == 15 and not row["is_overuse"]


def test_it_flags_a_large_change_against_the_previous_month(admin_client, seat_usage):
    jump = seat_usage(seats=100, used=90, previous=40)
    seat_usage(seats=100, used=60, previous=55)  # small change
    seat_usage(seats=100, used=4, previous=1)  # large share, below the minimum delta

    flagged = rows(admin_client.user, flag="jump")

    assert [(r["customer_id"], r["previous"]) for r in flagged] == [
        (jump.tenant.customer_id, Decimal(40))
    ]
    page = review(admin_client, flag="jump").content.decode()
    assert "jump" in page and "125%" in page


def test_it_lists_active_tenants_without_usage(admin_client, seat_usage):
    seen = dt.datetime(2025, 1, 10, tzinfo=dt.UTC)
    seat_usage(used=5, first_seen_at=seen)
    TenantFactory(name="Silent Ltd @ vendor", status=TenantStatus.ACTIVE, first_seen_at=seen)
    TenantFactory(name="Trial Ltd", status=TenantStatus.TRIAL, first_seen_at=seen)
    TenantFactory(name="Cancelled Ltd", status=TenantStatus.CANCELLED, first_seen_at=seen)
    # First seen after March on a connection the portal already had then: not March's tenant.
    newcomer = TenantFactory(name="Newcomer Ltd", status=TenantStatus.ACTIVE)
    type(newcomer.connection).objects.filter(pk=newcomer.connection_id).update(created_at=seen)

    page = review(admin_client, flag="missing").content.decode()

    assert "Silent Ltd @ vendor" in page
    assert "Trial Ltd" not in page and "Cancelled Ltd" not in page and "Newcomer" not in page
    assert "1 active tenant without usage" in review(admin_client).content.decode()


def test_it_uses_settings_for_the_thresholds(admin_client, seat_usage, settings):
    sub = seat_usage(seats=100, used=60)
    assert rows(admin_client.user, flag="idle") == []

    settings.USAGE_IDLE_RATIO = "0.7"

    assert [r["customer_id"] for r in rows(admin_client.user, flag="idle")] == [
        sub.tenant.customer_id
    ]


def test_it_filters_to_a_reseller_subtree_and_a_vendor(admin_client, seat_usage):
    reseller = ResellerFactory()
    below = CustomerFactory(parent=CustomerFactory(parent=reseller, kind="reseller"))
    inside = seat_usage(tenant=TenantFactory(customer=below, connection__vendor="redstor"))
    outside = seat_usage(tenant=TenantFactory(connection__vendor="redstor"))
    other_vendor = seat_usage(tenant=TenantFactory(customer=below, connection__vendor="egnyte"))

    ids = {r["customer_id"] for r in rows(admin_client.user, reseller=reseller, vendor="redstor")}

    assert ids == {inside.tenant.customer_id}
    page = review(admin_client, reseller=reseller.pk, vendor="redstor").content.decode()
    assert below.name in page and outside.tenant.customer.name not in page
    assert other_vendor.tenant.connection.name not in page


def test_a_scoped_user_sees_only_their_resellers_customers(client, seat_usage):
    from portal.accounts.models import Role
    from tests.factories import ProfileFactory

    reseller = ResellerFactory()
    mine = seat_usage(tenant=TenantFactory(customer=CustomerFactory(parent=reseller)))
    theirs = seat_usage()
    client.force_login(ProfileFactory(role=Role.VIEWER, reseller=reseller).user)

    page = review(client).content.decode()

    assert mine.tenant.customer.name in page and theirs.tenant.customer.name not in page
    assert "Month-end close" not in page  # closing is the distributor's
    history = reverse("usage:customer", args=[theirs.tenant.customer_id])
    assert client.get(history).status_code == 404


def test_it_requires_sign_in(client, db):
    response = client.get(reverse("usage:review"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_queries_do_not_grow_with_rows(
    admin_client, seat_usage, django_assert_max_num_queries
):
    for _ in range(3):
        seat_usage(used=5, previous=4)
    with django_assert_max_num_queries(20) as few:
        review(admin_client)
    for _ in range(30):
        seat_usage(used=5, previous=4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        review(admin_client)


def test_it_draws_a_customers_twelve_month_history(admin_client, seat_usage):
    sub = seat_usage(seats=10, used=7, previous=6)

    page = admin_client.get(
        reverse("usage:customer", args=[sub.tenant.customer_id]), {"period": f"{PERIOD:%Y-%m}"}
    ).content.decode()

    assert "<svg" in page and page.count('class="bar"') == 12
    assert f"{PREVIOUS:%B %Y}: 6" in page and f"{PERIOD:%B %Y}: 7" in page


def test_it_lists_vendor_corrections_of_the_month_within_scope(client, admin_client, seat_usage):
    from portal.accounts.models import Role
    from tests.factories import ProfileFactory, UsageAdjustmentFactory

    reseller = ResellerFactory()
    mine = seat_usage(tenant=TenantFactory(customer=CustomerFactory(parent=reseller)))
    theirs = seat_usage()
    for sub, quantity in ((mine, 41), (theirs, 97)):
        record = sub.usage.get(period=PERIOD)
        UsageAdjustmentFactory(
            record=record, frozen_quantity=record.quantity, vendor_quantity=Decimal(quantity)
        )
    vendors = {mine.tenant.connection.vendor, theirs.tenant.connection.vendor}
    other = next(v for v in ("lookout", "egnyte", "redstor", "trendmicro") if v not in vendors)
    assert (
        "Vendor corrections after close" not in review(admin_client, vendor=other).content.decode()
    )

    page = review(admin_client).content.decode()
    assert "Vendor corrections after close" in page
    assert mine.tenant.name in page and theirs.tenant.name in page and ">97<" in page

    client.force_login(ProfileFactory(role=Role.VIEWER, reseller=reseller).user)
    scoped = review(client).content.decode()
    assert ">41<" in scoped and ">97<" not in scoped
