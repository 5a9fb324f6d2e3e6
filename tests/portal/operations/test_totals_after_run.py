"""An operation shifts its connection's kept totals by exactly what a recount would find,
the seats whose use the vendor does not report included."""

from __future__ import annotations

import pytest

from portal.customers.models import ConnectionTotals, Subscription, Tenant
from portal.customers.totals import connection_totals_refresh, live_totals
from portal.operations.services import subscription_seats_change

from .conftest import connect, provision, settle

pytestmark = pytest.mark.django_db


def _kept_and_counted(connection) -> tuple[tuple, tuple]:
    kept = ConnectionTotals.objects.get(connection=connection)
    counted = live_totals(
        tenants=Tenant.objects.filter(connection=connection),
        subscriptions=Subscription.objects.filter(tenant__connection=connection),
    )[connection.pk]
    return (
        (kept.tenants, kept.seats, kept.seats_used, kept.seats_unreported),
        (counted.tenants, counted.seats, counted.seats_used, counted.seats_unreported),
    )


def test_a_seat_change_keeps_the_totals_a_recount_would_find(sandbox):
    connection = connect(sandbox, "trendmicro")  # reports no used seats on subscriptions
    tenant = provision(connection, seats=2)
    subscription = tenant.subscriptions.get()
    Subscription.objects.filter(pk=subscription.pk).update(seats_used=1)  # as a report said
    connection_totals_refresh(connection_id=connection.pk)

    operation = settle(subscription_seats_change(subscription=subscription, seats=5))

    assert operation.state == "succeeded", operation.last_error
    kept, counted = _kept_and_counted(connection)
    assert kept == counted
    assert kept[3] >= 5  # the vendor's reading has no used figure: 5 seats unreported
