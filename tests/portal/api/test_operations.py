"""Operations over the API: 202 + URL, the Idempotency-Key rules, retry, cancel, bulk batches."""

from __future__ import annotations

import pytest

from portal.accounts.models import Role
from portal.operations.models import Operation, OperationBatch, OperationState
from tests.factories import CustomerFactory, OperationFactory, TenantFactory
from tests.portal.api.conftest import client_for
from tests.portal.operations.conftest import base_product, connect
from tests.vendors.options import connection_options as vendor_options


@pytest.fixture
def lookout(sandbox, db):
    return connect(sandbox, "lookout")


@pytest.fixture
def bitdefender(sandbox, db):
    """A vendor that can suspend and resume (Lookout cannot)."""
    return connect(sandbox, "bitdefender")


@pytest.fixture
def provision_body(lookout):
    customer = CustomerFactory()
    return {
        "kind": "create_tenant",
        "customer": customer.pk,
        "connection": lookout.pk,
        "product_code": base_product(lookout).code,
        "seats": 10,
        "options": vendor_options(lookout),
    }


def _post(client, body, key="key-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post("/api/v1/operations/", body, format="json", **headers)


def test_it_accepts_an_operation_with_its_url(api, provision_body):
    answer = _post(api, provision_body)

    assert answer.status_code == 202, answer.json()
    body = answer.json()
    assert answer["Location"] == body["url"] and body["url"].endswith(f"/operations/{body['id']}/")
    assert body["state"] == "pending" and body["kind"] == "create_tenant"
    assert body["idempotency_key"] == "key-1" and body["source"] == "api"
    assert api.get(body["url"]).json()["id"] == body["id"]


def test_it_returns_the_original_operation_for_a_repeated_key_and_body(api, provision_body):
    first = _post(api, provision_body)
    again = _post(api, provision_body)

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Operation.objects.count() == 1


def test_it_refuses_the_same_key_with_a_different_body(api, provision_body):
    _post(api, provision_body)
    answer = _post(api, {**provision_body, "seats": 11})

    assert answer.status_code == 409
    assert answer.json()["code"] == "idempotency_key_reused"
    assert Operation.objects.count() == 1


def test_it_refuses_the_same_key_even_when_the_new_body_would_be_refused(api, provision_body):
    _post(api, provision_body)
    answer = _post(api, {**provision_body, "product_code": "NO-SUCH-PRODUCT"})
    assert answer.status_code == 409


def test_it_requires_an_idempotency_key(api, provision_body):
    for key in (None, "", "has spaces", "x" * 65):
        answer = _post(api, provision_body, key=key)
        assert answer.status_code == 400, key
        assert "Idempotency-Key" in answer.json()["details"]
    assert not Operation.objects.exists()


def test_it_keeps_keys_per_user(api, provision_body, make_user):
    first = _post(api, provision_body)
    other = _post(client_for(make_user(Role.OPERATOR)), {**provision_body, "seats": 3})
    assert other.status_code in (202, 400)  # a new request of its own, never the 409 or a replay
    assert other.json().get("id") != first.json()["id"]


def test_it_answers_a_service_refusal_as_400_with_its_reason(api, provision_body):
    customer = CustomerFactory(contact_email="")
    answer = _post(api, {**provision_body, "customer": customer.pk})
    assert answer.status_code == 400
    assert "contact email" in answer.json()["message"]


def test_it_asks_for_the_fields_the_kind_needs(api):
    answer = _post(api, {"kind": "change_seats"})
    assert answer.status_code == 400
    assert set(answer.json()["details"]) == {"subscription", "seats"}


def test_it_suspends_a_tenant(api, bitdefender):
    tenant = TenantFactory(connection=bitdefender)
    answer = _post(api, {"kind": "suspend", "tenant": tenant.pk}, key="suspend-1")
    assert answer.status_code == 202, answer.json()
    assert Operation.objects.get().tenant == tenant


def test_it_refuses_viewers(make_user, provision_body):
    answer = _post(client_for(make_user(Role.VIEWER)), provision_body)
    assert answer.status_code == 403


def test_it_keeps_scoped_users_inside_their_subtree(scoped_operator, reseller, provision_body):
    scoped = client_for(scoped_operator)
    answer = _post(scoped, provision_body)  # the customer is not below the reseller
    assert answer.status_code == 400 and "customer" in answer.json()["details"]

    outside = OperationFactory()
    inside = OperationFactory(tenant=TenantFactory(customer=CustomerFactory(parent=reseller)))
    assert scoped.get(f"/api/v1/operations/{outside.pk}/").status_code == 404
    assert [o["id"] for o in scoped.get("/api/v1/operations/").json()["results"]] == [inside.pk]
    assert scoped.post(f"/api/v1/operations/{outside.pk}/cancel/").status_code == 404


def test_it_cancels_a_pending_operation_once(api):
    operation = OperationFactory()
    answer = api.post(f"/api/v1/operations/{operation.pk}/cancel/")
    assert answer.status_code == 200 and answer.json()["state"] == "cancelled"
    again = api.post(f"/api/v1/operations/{operation.pk}/cancel/")
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_it_retries_only_a_failed_operation(api, lookout):
    operation = OperationFactory(tenant=TenantFactory(connection=lookout))
    assert api.post(f"/api/v1/operations/{operation.pk}/retry/").status_code == 409
    Operation.objects.filter(pk=operation.pk).update(state=OperationState.FAILED, attempts=5)
    answer = api.post(f"/api/v1/operations/{operation.pk}/retry/")
    assert answer.status_code == 200 and answer.json()["state"] == "pending"


def test_it_refuses_retry_and_cancel_to_viewers(make_user):
    operation = OperationFactory()
    viewer = client_for(make_user(Role.VIEWER))
    assert viewer.post(f"/api/v1/operations/{operation.pk}/retry/").status_code == 403
    assert viewer.post(f"/api/v1/operations/{operation.pk}/cancel/").status_code == 403


def test_it_filters_operations(api):
    pending = OperationFactory()
    OperationFactory(state=OperationState.SUCCEEDED)
    found = api.get("/api/v1/operations/", {"state": "pending"}).json()["results"]
    assert [o["id"] for o in found] == [pending.pk]


def test_it_previews_a_batch_without_writing_then_creates_it(api, bitdefender):
    reseller = CustomerFactory(kind="reseller")
    active = TenantFactory(connection=bitdefender, customer=CustomerFactory(parent=reseller))
    TenantFactory(
        connection=bitdefender, customer=CustomerFactory(parent=reseller), status="suspended"
    )
    body = {"customer": reseller.pk, "kind": "suspend", "dry_run": True}

    preview = api.post("/api/v1/operation-batches/", body, format="json")

    assert preview.status_code == 200
    assert preview.json()["will_run"] == 1
    assert {item["action"] for item in preview.json()["plan"]} == {"suspend", "skip"}
    assert not OperationBatch.objects.exists() and not Operation.objects.exists()

    created = api.post("/api/v1/operation-batches/", {**body, "dry_run": False}, format="json")

    assert created.status_code == 202, created.json()
    batch = created.json()
    assert batch["progress"]["total"] == 1 and batch["progress"]["skipped"] == 1
    assert Operation.objects.get(batch_id=batch["id"]).tenant == active
    assert api.get(f"/api/v1/operation-batches/{batch['id']}/").json()["progress"]["by_state"] == {
        "pending": 1
    }


def test_it_refuses_batches_to_viewers_and_outside_scope(make_user, scoped_operator):
    customer = CustomerFactory()
    body = {"customer": customer.pk, "kind": "suspend", "dry_run": True}
    viewer = client_for(make_user(Role.VIEWER))
    assert viewer.post("/api/v1/operation-batches/", body, format="json").status_code == 403
    answer = client_for(scoped_operator).post("/api/v1/operation-batches/", body, format="json")
    assert answer.status_code == 400 and "customer" in answer.json()["details"]
