"""Acceptance 3: invalid requests are refused with a clear message and leave no Operation row."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from portal.operations.models import Operation
from portal.operations.services import (
    subscription_seats_change,
    tenant_create,
    tenant_resume,
    tenant_suspend,
)
from tests.factories import CustomerFactory

from .conftest import base_product, connect, provision

pytestmark = pytest.mark.django_db
VENDOR = "redstor"
#: Seat limits need a vendor that shows seat counts (Redstor's documents carry none) and
#: declares no ceiling of its own (Trend Micro does).
SEATS_VENDOR = "lookout"


def refused(call) -> str:
    before = Operation.objects.count()
    with pytest.raises(ValidationError) as error:
        call()
    assert Operation.objects.count() == before
    return error.value.messages[0]


@pytest.mark.parametrize("seats", [0, -3])
def test_it_refuses_zero_or_negative_seats(sandbox, staff, seats):
    connection = connect(sandbox, VENDOR)
    code = base_product(connection).code

    message = refused(
        lambda: tenant_create(
            customer=CustomerFactory(), connection=connection, product_code=code, seats=seats
        )
    )

    assert "Seats must be at least 1" in message


def test_it_refuses_more_seats_than_allowed_and_non_numbers(sandbox, staff, settings):
    settings.OPERATIONS_MAX_SEATS = 500
    connection = connect(sandbox, SEATS_VENDOR)
    subscription = provision(connection).subscriptions.get()

    assert "at most 500 seats" in refused(
        lambda: subscription_seats_change(subscription=subscription, seats=501)
    )
    assert "whole number" in refused(
        lambda: subscription_seats_change(subscription=subscription, seats="ten")
    )
    assert "already has 5 seats" in refused(
        lambda: subscription_seats_change(subscription=subscription, seats=5)
    )


def test_it_refuses_an_unknown_product(sandbox, staff):
    connection = connect(sandbox, VENDOR)

    message = refused(
        lambda: tenant_create(
            customer=CustomerFactory(), connection=connection, product_code="NOPE-1", seats=3
        )
    )

    assert "Unknown product 'NOPE-1'" in message


def test_it_refuses_to_suspend_a_cancelled_tenant(sandbox, staff):
    connection = connect(sandbox, VENDOR)
    tenant = provision(connection)
    tenant.status = "cancelled"
    tenant.save()

    message = refused(lambda: tenant_suspend(tenant=tenant, actor=staff))

    assert message == f"{tenant.name} is cancelled at the vendor; nothing can be changed any more."


def test_it_refuses_to_resume_an_active_tenant(sandbox, staff):
    tenant = provision(connect(sandbox, VENDOR))

    assert refused(lambda: tenant_resume(tenant=tenant)) == f"{tenant.name} is already active."


def test_it_refuses_what_the_vendor_cannot_do_with_its_reason(sandbox, staff):
    tenant = provision(connect(sandbox, "lookout"))

    message = refused(lambda: tenant_suspend(tenant=tenant, actor=staff))

    assert message.startswith("Lookout cannot suspend:")


def test_it_refuses_a_second_tenant_for_the_same_customer_and_connection(sandbox, staff):
    connection = connect(sandbox, VENDOR)
    tenant = provision(connection)

    message = refused(
        lambda: tenant_create(
            customer=tenant.customer,
            connection=connection,
            product_code=base_product(connection).code,
            seats=3,
        )
    )

    assert "already has the tenant" in message


def test_it_refuses_requests_on_a_disabled_connection(sandbox, staff):
    connection = connect(sandbox, VENDOR)
    connection.enabled = False
    connection.save()

    message = refused(
        lambda: tenant_create(
            customer=CustomerFactory(),
            connection=connection,
            product_code=base_product(connection).code,
            seats=3,
        )
    )

    assert "is disabled" in message
