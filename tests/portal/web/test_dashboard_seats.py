"""The dashboard's seat totals never count seats the vendor does not report as unused
(issue 22, point 3): kept totals, shifted totals and live (scoped) totals agree."""

from __future__ import annotations

from portal.customers.models import Subscription
from portal.customers.totals import (
    connection_totals_refresh,
    connection_totals_shift,
    tenant_contribution,
)
from tests.factories import SubscriptionFactory, TenantFactory


def _health(client, connection):
    page = client.get("/")
    health = next(h for h in page.context["d"].connections if h.connection == connection)
    row = page.content.decode()
    return health, row


def test_seats_no_vendor_reading_covers_read_not_reported(viewer_client, world):
    connection = world["connection"]
    SubscriptionFactory(tenant=world["inside_tenant"], seats=12, seats_used=None, status="active")
    connection_totals_refresh(connection_id=connection.pk)

    health, page = _health(viewer_client, connection)

    assert (health.seats, health.seats_used, health.seats_unreported) == (12, 0, 12)
    assert f"not reported by {health.vendor_name} / 12" in page
    assert "0 / 12" not in page


def test_partly_reported_seats_say_how_many_are_not_and_shift_with_an_operation(
    viewer_client, world
):
    connection = world["connection"]
    SubscriptionFactory(tenant=world["inside_tenant"], seats=10, seats_used=4, status="active")
    unknown = SubscriptionFactory(
        tenant=world["outside_tenant"], seats=6, seats_used=None, status="active"
    )
    connection_totals_refresh(connection_id=connection.pk)

    health, page = _health(viewer_client, connection)
    assert (health.seats, health.seats_used, health.seats_unreported) == (16, 4, 6)
    assert f"use of 6 not reported by {health.vendor_name}" in page

    before = tenant_contribution(tenant_id=unknown.tenant_id)
    Subscription.objects.filter(pk=unknown.pk).update(seats_used=5)  # the vendor now reports it
    connection_totals_shift(
        connection_id=connection.pk,
        before=before,
        after=tenant_contribution(tenant_id=unknown.tenant_id),
    )
    health, page = _health(viewer_client, connection)
    assert (health.seats_used, health.seats_unreported) == (9, 0)
    assert "9 / 16" in page and "use of" not in page


def test_a_scoped_user_reads_the_same_from_the_live_totals(scoped_client, world):
    SubscriptionFactory(tenant=world["inside_tenant"], seats=7, seats_used=None, status="active")
    TenantFactory(connection=world["connection"])  # outside the scope
    health, _ = _health(scoped_client, world["connection"])
    assert (health.seats, health.seats_unreported) == (7, 7)
