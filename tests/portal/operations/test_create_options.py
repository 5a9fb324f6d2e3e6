"""A vendor's create options: asked for by the page and the API, checked before anything is
queued, kept on the operation and handed to the adapter (Trend Micro requires city and state)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from portal.accounts.models import Role
from portal.operations.models import Operation
from portal.operations.options import OptionsInvalid, clean_options, connection_options
from portal.operations.services import tenant_create
from tests.factories import CustomerFactory, ProfileFactory, UserFactory
from tests.portal.api.conftest import client_for
from tests.portal.operations.conftest import base_product, connect, settle

TM_OPTIONS = {"city": "Reading", "state": "Berkshire"}


@pytest.fixture
def trendmicro(sandbox, db):
    return connect(sandbox, "trendmicro")


@pytest.fixture
def operator(db):
    return ProfileFactory(user=UserFactory(), role=Role.OPERATOR).user


def _create(connection, actor, options):
    return tenant_create(
        customer=CustomerFactory(),
        connection=connection,
        product_code=base_product(connection).code,
        seats=3,
        options=options,
        actor=actor,
    )


def test_it_refuses_missing_required_options_before_anything_is_queued(trendmicro, operator):
    with pytest.raises(OptionsInvalid) as refused:
        _create(trendmicro, operator, {"city": "Reading"})

    assert set(refused.value.message_dict) == {"state"}
    assert not Operation.objects.exists()


def test_it_refuses_an_option_the_vendor_does_not_declare_and_one_too_long(trendmicro, operator):
    with pytest.raises(OptionsInvalid) as refused:
        _create(trendmicro, operator, {**TM_OPTIONS, "city": "x" * 65, "colour": "blue"})

    assert set(refused.value.message_dict) == {"city", "colour"}
    assert not Operation.objects.exists()


def test_it_is_a_validation_error_so_callers_that_catch_those_see_it(trendmicro):
    assert issubclass(OptionsInvalid, ValidationError)
    cleaned = clean_options(connection_options(trendmicro), {**TM_OPTIONS, "address": "  "})
    assert cleaned == TM_OPTIONS  # blanks dropped, text trimmed


def test_it_keeps_the_options_on_the_operation_and_sends_them_to_the_vendor(
    trendmicro, operator, sandbox
):
    operation = settle(_create(trendmicro, operator, {**TM_OPTIONS, "country": "GB"}))

    assert operation.state == "succeeded", operation.last_error
    assert operation.params["options"] == {**TM_OPTIONS, "country": "GB"}
    raw = operation.tenant.raw
    company = raw.get("company", raw)
    assert (company.get("city"), company.get("state")) == ("Reading", "Berkshire"), raw


def test_it_asks_for_nothing_extra_at_a_vendor_without_options(sandbox, operator):
    redstor = connect(sandbox, "redstor")
    assert connection_options(redstor) == ()
    with pytest.raises(OptionsInvalid):
        _create(redstor, operator, {"city": "Reading"})


# -- the API ----------------------------------------------------------------------------------


def test_the_api_lists_a_connections_create_options(trendmicro, operator):
    api = client_for(ProfileFactory(user=UserFactory(), role=Role.ADMIN).user)
    body = api.get(f"/api/v1/connections/{trendmicro.pk}/").json()

    by_name = {o["name"]: o for o in body["create_options"]}
    assert by_name["city"]["required"] is True and by_name["city"]["max_value"] == 64
    assert by_name["email"]["type"] == "email" and by_name["address"]["required"] is False


def test_the_api_answers_bad_options_as_400_by_field(trendmicro, operator):
    body = {
        "kind": "create_tenant",
        "customer": CustomerFactory().pk,
        "connection": trendmicro.pk,
        "product_code": base_product(trendmicro).code,
        "seats": 3,
        "options": {"city": "Reading"},
    }
    api = client_for(operator)
    refused = api.post("/api/v1/operations/", body, format="json", HTTP_IDEMPOTENCY_KEY="opt-1")

    assert refused.status_code == 400, refused.json()
    assert set(refused.json()["details"]["options"]) == {"state"}
    assert not Operation.objects.exists()

    body["options"] = TM_OPTIONS
    accepted = api.post("/api/v1/operations/", body, format="json", HTTP_IDEMPOTENCY_KEY="opt-2")
    assert accepted.status_code == 202, accepted.json()
    assert Operation.objects.get().params["options"] == TM_OPTIONS


# -- the page ---------------------------------------------------------------------------------


def test_the_page_asks_for_the_chosen_vendors_fields(client, trendmicro, operator):
    client.force_login(operator)
    customer = CustomerFactory()
    page = client.get(f"/provision/products/?connection={trendmicro.pk}&customer={customer.pk}")

    assert b'id="vendor-options"' in page.content
    assert b'name="option_city"' in page.content and b'name="option_state"' in page.content


def test_the_page_shows_a_missing_option_next_to_its_field_and_keeps_the_rest(
    client, trendmicro, operator
):
    client.force_login(operator)
    customer = CustomerFactory()
    form = {
        "customer": customer.pk,
        "connection": trendmicro.pk,
        "product_code": base_product(trendmicro).code,
        "seats": "3",
        "option_city": "Reading",
    }
    page = client.post(f"/provision/?customer={customer.pk}", form)

    assert page.status_code == 200
    assert page.context["form"].errors["option_state"]
    assert b'value="Reading"' in page.content
    assert not Operation.objects.exists()

    form["option_state"] = "Berks"
    page = client.post(f"/provision/?customer={customer.pk}", form)
    assert page.context["review"], page.context["form"].errors  # valid: confirm first
    assert not Operation.objects.exists()
    page = client.post(f"/provision/?customer={customer.pk}", {**form, "confirmed": "yes"})
    assert page.status_code == 302, page.context["form"].errors
    assert Operation.objects.get().params["options"] == {"city": "Reading", "state": "Berks"}
