"""Fixtures for the usage review: signed-in staff and crafted months of usage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from portal.accounts.models import Role
from tests.factories import (
    ProfileFactory,
    SubscriptionFactory,
    SuperUserFactory,
    TenantFactory,
    UsageRecordFactory,
)
from tests.portal.sync.conftest import connect  # noqa: F401  (a connection to a sandbox)
from vendors.types import METRIC_UNITS, Metric

PERIOD = dt.date(2025, 3, 1)
PREVIOUS = dt.date(2025, 2, 1)


@pytest.fixture
def admin_client(client, db):
    user = SuperUserFactory()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def operator(db):
    return ProfileFactory(role=Role.OPERATOR).user


@pytest.fixture
def seat_usage(db):
    """``seat_usage(seats=10, used=7, previous=6)``: one tenant's subscription with figures."""

    def make(
        *, seats=10, used=7, previous=None, metric=Metric.SEATS_USED, tenant=None, **tenant_kw
    ):
        tenant = tenant or TenantFactory(**tenant_kw)
        sub = SubscriptionFactory(tenant=tenant, seats=seats)
        for period, quantity in ((PERIOD, used), (PREVIOUS, previous)):
            if quantity is not None:
                UsageRecordFactory(
                    tenant=tenant,
                    subscription=sub,
                    subscription_key=sub.external_id,
                    period=period,
                    metric=metric,
                    quantity=Decimal(quantity),
                    unit=METRIC_UNITS[metric],
                )
        return sub

    return make
