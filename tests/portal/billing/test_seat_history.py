"""The mirror keeps each subscription's seat history, the record billing prorates from."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from portal.customers.models import SeatChange
from portal.sync.mirror import apply_tenants
from tests.factories import VendorConnectionFactory
from vendors.types import SubscriptionStatus, TenantStatus, VendorSubscription, VendorTenant

pytestmark = pytest.mark.django_db


def tenant(seats: int, status=SubscriptionStatus.ACTIVE, addons=(), seats_used=1) -> VendorTenant:
    sub = VendorSubscription(
        "s-1", "PLAN", status, seats=seats, seats_used=seats_used, addons=addons
    )
    return VendorTenant("t-1", "Acme", TenantStatus.ACTIVE, subscriptions=(sub,))


def history() -> list[tuple]:
    return list(SeatChange.objects.values_list("seats", "status", "addons").order_by("pk"))


def test_a_change_of_seats_status_or_addons_is_recorded_once_and_nothing_else_is():
    connection = VendorConnectionFactory()
    start = timezone.now() - dt.timedelta(days=3)
    apply_tenants(connection, [tenant(5)], now=start)
    apply_tenants(connection, [tenant(5)], now=start + dt.timedelta(hours=1))  # unchanged
    apply_tenants(connection, [tenant(5, seats_used=4)], now=start + dt.timedelta(hours=2))
    apply_tenants(connection, [tenant(8)], now=start + dt.timedelta(days=1))
    apply_tenants(connection, [tenant(8, addons=("edr",))], now=start + dt.timedelta(days=2))
    apply_tenants(connection, [tenant(8, SubscriptionStatus.SUSPENDED, ("edr",))])

    assert history() == [
        (5, "active", []),
        (8, "active", []),
        (8, "active", ["edr"]),
        (8, "suspended", ["edr"]),
    ]
    assert SeatChange.objects.order_by("pk").first().observed_at == start


def test_a_subscription_the_vendor_no_longer_lists_ends_its_history_as_missing():
    connection = VendorConnectionFactory()
    apply_tenants(connection, [tenant(5)])
    apply_tenants(connection, [VendorTenant("t-1", "Acme renamed", TenantStatus.ACTIVE)])

    assert history() == [(5, "active", []), (5, "missing", [])]
