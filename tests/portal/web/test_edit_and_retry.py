"""A request the vendor refused for good offers "edit and retry", never a resend that cannot
succeed; a passing failure (an outage) still offers Retry."""

from __future__ import annotations

import pytest

from portal.operations.models import OperationKind, OperationState
from tests.factories import OperationFactory, ProductFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

REFUSED = {"kind": "VendorBadRequest", "message": "contactLastName is required"}


def _failed(**fields):
    return OperationFactory(state=OperationState.FAILED, last_error="refused", **fields)


def test_a_refused_create_links_to_the_provision_page_filled_in(operator_client, world):
    connection, customer = world["connection"], world["inside"]
    ProductFactory(connection=connection, code="GZ-ES", name="Endpoint Security")
    operation = _failed(
        kind=OperationKind.CREATE_TENANT,
        tenant=None,
        connection=connection,
        customer=customer,
        params={"product_code": "GZ-ES", "seats": 17, "trial": False, "addons": [], "options": {}},
        error_detail=REFUSED,
    )

    page = operator_client.get(f"/operations/{operation.pk}/")

    assert b"Edit and retry" in page.content
    assert b'action="/operations/%d/retry/"' % operation.pk not in page.content
    edit = page.context["edit_url"]
    form = operator_client.get(edit).context["form"]
    assert form["seats"].value() == 17 and form["product_code"].value() == "GZ-ES"
    assert form["connection"].value() == connection.pk


def test_a_refused_seat_change_links_to_its_subscription_form(operator_client, world):
    subscription = SubscriptionFactory(tenant=world["inside_tenant"])
    operation = _failed(
        tenant=world["inside_tenant"], subscription=subscription, error_detail=REFUSED
    )

    page = operator_client.get(f"/operations/{operation.pk}/")

    edit = f"/subscriptions/{subscription.pk}/change_seats/?edit={operation.pk}"
    assert page.context["edit_url"] == edit
    assert b"Edit and retry" in page.content


def test_an_outage_still_offers_a_retry(operator_client, world):
    operation = _failed(
        tenant=world["inside_tenant"],
        error_detail={"kind": "VendorTransientError", "message": "503"},
    )

    page = operator_client.get(f"/operations/{operation.pk}/")

    assert b"Edit and retry" not in page.content
    assert b"/retry/" in page.content
