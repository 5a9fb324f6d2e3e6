"""Provisioning validates first, then confirms exactly what will be sent and what it will cost;
only "Yes, send it" records the request (issue 22, point 5)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.operations.models import Operation
from tests.factories import CustomerFactory, PriceEntryFactory, ResellerMarkupFactory
from tests.portal.operations.conftest import base_product, connect

pytestmark = pytest.mark.django_db

TM_OPTIONS = {"option_city": "Reading", "option_state": "Berkshire"}


@pytest.fixture
def trendmicro(sandbox, db):
    return connect(sandbox, "trendmicro")


def _form(connection, customer, seats: int) -> dict:
    return {
        "customer": customer.pk,
        "connection": connection.pk,
        "product_code": base_product(connection).code,
        "seats": str(seats),
        **TM_OPTIONS,
    }


def test_a_valid_request_is_shown_back_before_anything_is_recorded(operator_client, trendmicro):
    customer = CustomerFactory(name="Fabrikam Review Ltd")
    product = base_product(trendmicro)
    url = f"/provision/?customer={customer.pk}"

    page = operator_client.post(url, _form(trendmicro, customer, seats=7))

    assert page.status_code == 200
    review = dict(page.context["review"])
    assert review["Vendor connection"].startswith(trendmicro.name)
    assert review["Product / plan"].startswith(product.name)
    assert review["Seats (licences)"] == "7"
    assert review["City"] == "Reading"
    assert b"Yes, send it" in page.content
    assert not Operation.objects.exists()

    sent = operator_client.post(url, {**_form(trendmicro, customer, seats=7), "confirmed": "yes"})

    assert sent.status_code == 302
    assert Operation.objects.get().params["seats"] == 7


def test_a_request_the_service_refuses_stays_in_the_form_and_offers_no_confirmation(
    operator_client, trendmicro
):
    customer = CustomerFactory(contact_email="")  # the vendor needs a contact
    page = operator_client.post(
        f"/provision/?customer={customer.pk}", _form(trendmicro, customer, seats=3)
    )

    assert page.status_code == 200
    assert "needs a contact email" in " ".join(page.context["form"].non_field_errors())
    assert not page.context["review"]
    assert b"Yes, send it" not in page.content
    assert not Operation.objects.exists()


def test_a_confirmation_the_service_now_refuses_records_nothing(operator_client, trendmicro):
    """Confirming re-runs every check: a request that became invalid meanwhile is refused."""
    customer = CustomerFactory()
    url = f"/provision/?customer={customer.pk}"
    form = {**_form(trendmicro, customer, seats=3), "confirmed": "yes"}
    operator_client.post(url, form)  # the first one is recorded
    page = operator_client.post(url, {**form, "idempotency_key": "another"})

    assert page.status_code == 200
    assert "is already pending" in " ".join(page.context["form"].non_field_errors())
    assert Operation.objects.count() == 1


def test_the_confirmation_says_what_a_month_will_cost_at_the_customers_price(
    operator_client, trendmicro, reseller
):
    customer = CustomerFactory(parent=reseller)
    PriceEntryFactory(product=base_product(trendmicro), list_price=Decimal("4.0000"))
    ResellerMarkupFactory(customer=reseller, percent=Decimal("10.00"))

    page = operator_client.post(
        f"/provision/?customer={customer.pk}", _form(trendmicro, customer, seats=7)
    )

    quote = page.context["quote"]
    (line,) = quote.lines
    assert (line.quantity, line.unit_price, line.amount) == (7, Decimal("4.4000"), Decimal("30.80"))
    assert quote.totals() == {"EUR": Decimal("30.80")}
    assert "+10.00% at Northwind MSP" in line.source
    assert b"Total a month: 30.80 EUR" in page.content
    assert b"unit_cost" not in page.content and b"3.0000" not in page.content


def test_without_a_price_book_the_confirmation_says_nothing_about_price(
    operator_client, trendmicro
):
    customer = CustomerFactory()
    page = operator_client.post(
        f"/provision/?customer={customer.pk}", _form(trendmicro, customer, seats=2)
    )

    assert page.context["review"] and page.context["quote"] is None
    assert b'id="quote"' not in page.content
