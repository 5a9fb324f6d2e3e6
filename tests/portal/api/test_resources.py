"""Connections, customers, tenants, subscriptions, products, usage, sync runs, drift, audit."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.accounts.models import Role
from portal.audit.models import AuditEvent
from portal.catalog.models import VendorConnection
from portal.customers.models import Customer
from portal.sync.models import DiscrepancyStatus
from tests.factories import (
    AuditEventFactory,
    CustomerFactory,
    DiscrepancyFactory,
    ProductFactory,
    ResellerFactory,
    SubscriptionFactory,
    SyncRunFactory,
    TenantFactory,
    UsageRecordFactory,
    VendorConnectionFactory,
)
from tests.portal.api.conftest import client_for

# -- connections ------------------------------------------------------------------------------


def test_it_creates_a_connection_with_write_only_credentials(api):
    body = {
        "vendor": "redstor",
        "name": "Redstor EU",
        "base_url": "https://api.redstor.example",
        "credentials": {"client_id": "id-1", "client_secret": "s3cret"},
    }
    from vendors.registry import get_adapter_class

    body["credentials"] = {f: f"value-{f}" for f in get_adapter_class("redstor").credential_fields}
    answer = api.post("/api/v1/connections/", body, format="json")

    assert answer.status_code == 201, answer.json()
    assert "credentials" not in answer.json() and answer.json()["has_credentials"] is True
    connection = VendorConnection.objects.get(name="Redstor EU")
    assert connection.credentials == body["credentials"]
    assert "value-" not in str(api.get(f"/api/v1/connections/{connection.pk}/").content)
    event = AuditEvent.objects.get(action="connection.created")
    assert "value-" not in str(event.detail)


def test_it_keeps_credentials_when_an_update_leaves_them_out(api):
    connection = VendorConnectionFactory()
    before = connection.credentials
    answer = api.patch(f"/api/v1/connections/{connection.pk}/", {"enabled": False}, format="json")
    assert answer.status_code == 200
    connection.refresh_from_db()
    assert connection.credentials == before and connection.enabled is False


def test_it_refuses_missing_credential_fields_and_vendor_changes(api):
    answer = api.post(
        "/api/v1/connections/",
        {"vendor": "lookout", "name": "L", "base_url": "https://x.example", "credentials": {}},
        format="json",
    )
    assert answer.status_code == 400 and "credentials" in answer.json()["details"]
    connection = VendorConnectionFactory()
    answer = api.patch(f"/api/v1/connections/{connection.pk}/", {"vendor": "egnyte"}, format="json")
    assert answer.status_code == 400 and "vendor" in answer.json()["details"]


def test_it_lets_only_distributor_admins_change_connections(operator, scoped_operator):
    connection = VendorConnectionFactory()
    for user in (operator, scoped_operator):
        client = client_for(user)
        assert client.get("/api/v1/connections/").status_code == 200
        url = f"/api/v1/connections/{connection.pk}/"
        assert client.patch(url, {"enabled": False}, format="json").status_code == 403
        assert client.post(url + "test/").status_code == 403
        assert client.post(url + "sync/").status_code == 403
        assert client.post(url + "collect-usage/", {}, format="json").status_code == 403


def test_it_tests_a_connection_against_the_sandbox(api, sandbox):
    from tests.portal.operations.conftest import connect

    good = connect(sandbox, "egnyte")
    assert api.post(f"/api/v1/connections/{good.pk}/test/").json() == {
        "ok": True,
        "message": "Connection works: the vendor accepted the credentials.",
    }
    bad = VendorConnectionFactory(
        vendor="egnyte", base_url=sandbox.vendor_url("egnyte"), credentials={"api_key": "wrong"}
    )
    answer = api.post(f"/api/v1/connections/{bad.pk}/test/").json()
    assert answer["ok"] is False and "rejected" in answer["message"]


def test_it_answers_409_to_a_sync_of_a_disabled_connection(api):
    connection = VendorConnectionFactory(enabled=False)
    answer = api.post(f"/api/v1/connections/{connection.pk}/sync/")
    assert answer.status_code == 409
    assert answer.json()["queued"] is False and "disabled" in answer.json()["message"]


# -- customers --------------------------------------------------------------------------------


def test_it_creates_updates_and_deletes_customers(api):
    reseller = ResellerFactory()
    created = api.post(
        "/api/v1/customers/",
        {"name": "Acme", "parent": reseller.pk, "contact_email": "it@acme.example"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    customer = created.json()
    assert customer["path"] == f"{reseller.path}{customer['id']}/" and customer["depth"] == 1

    moved = api.patch(f"/api/v1/customers/{customer['id']}/", {"parent": None}, format="json")
    assert moved.status_code == 200 and moved.json()["path"] == f"/{customer['id']}/"
    assert api.delete(f"/api/v1/customers/{customer['id']}/").status_code == 204
    assert not Customer.objects.filter(pk=customer["id"]).exists()
    assert AuditEvent.objects.filter(action="customer.deleted").exists()


def test_it_refuses_to_delete_a_customer_with_tenants_or_children(api):
    tenant = TenantFactory()
    answer = api.delete(f"/api/v1/customers/{tenant.customer_id}/")
    assert answer.status_code == 409 and answer.json()["code"] == "in_use"
    reseller = ResellerFactory()
    CustomerFactory(parent=reseller)
    assert api.delete(f"/api/v1/customers/{reseller.pk}/").status_code == 409


def test_it_refuses_moving_a_customer_below_itself(api):
    reseller = ResellerFactory()
    child = ResellerFactory(parent=reseller)
    answer = api.patch(f"/api/v1/customers/{reseller.pk}/", {"parent": child.pk}, format="json")
    assert answer.status_code == 400 and "parent" in answer.json()["details"]


def test_it_filters_customers_by_reseller_vendor_status_and_search(api):
    reseller = ResellerFactory()
    below = CustomerFactory(parent=reseller, name="Zebra Farms")
    CustomerFactory(status="suspended")
    TenantFactory(customer=below, connection=VendorConnectionFactory(vendor="egnyte"))

    def ids(**params):
        return [c["id"] for c in api.get("/api/v1/customers/", params).json()["results"]]

    assert ids(reseller=reseller.pk) == [below.pk]
    assert ids(vendor="egnyte") == [below.pk]
    assert ids(q="zebra") == [below.pk]
    assert len(ids(status="suspended")) == 1


def test_it_keeps_scoped_users_customers_below_their_reseller(scoped_operator, reseller):
    scoped = client_for(scoped_operator)
    outside = CustomerFactory()
    mine = CustomerFactory(parent=reseller)
    listed = {c["id"] for c in scoped.get("/api/v1/customers/").json()["results"]}
    assert listed == {reseller.pk, mine.pk}
    assert scoped.get(f"/api/v1/customers/{outside.pk}/").status_code == 404
    assert scoped.patch(f"/api/v1/customers/{outside.pk}/", {"name": "x"}).status_code == 404
    top = scoped.post("/api/v1/customers/", {"name": "Top level"}, format="json")
    assert top.status_code == 400 and "parent" in top.json()["details"]
    elsewhere = scoped.post(
        "/api/v1/customers/", {"name": "Elsewhere", "parent": ResellerFactory().pk}, format="json"
    )
    assert elsewhere.status_code == 400
    created = scoped.post(
        "/api/v1/customers/", {"name": "Mine too", "parent": reseller.pk}, format="json"
    )
    assert created.status_code == 201
    escape = scoped.patch(f"/api/v1/customers/{reseller.pk}/", {"parent": None}, format="json")
    assert escape.status_code == 400


def test_it_refuses_customer_writes_to_viewers(make_user):
    customer = CustomerFactory()
    viewer = client_for(make_user(Role.VIEWER))
    assert viewer.patch(f"/api/v1/customers/{customer.pk}/", {"name": "x"}).status_code == 403
    assert viewer.delete(f"/api/v1/customers/{customer.pk}/").status_code == 403


# -- tenants, subscriptions, products ---------------------------------------------------------


def test_it_lists_tenants_with_subscriptions_and_filters_unmatched(api):
    tenant = TenantFactory()
    SubscriptionFactory(tenant=tenant, seats=7)
    unmatched = TenantFactory(customer=None)

    listed = api.get("/api/v1/tenants/", {"customer": tenant.customer_id}).json()["results"]
    assert listed[0]["subscriptions"][0]["seats"] == 7
    found = api.get("/api/v1/tenants/", {"unmatched": "true"}).json()["results"]
    assert [t["id"] for t in found] == [unmatched.pk]


def test_it_links_an_unmatched_tenant_once(api):
    tenant = TenantFactory(customer=None)
    customer = CustomerFactory()
    url = f"/api/v1/tenants/{tenant.pk}/link/"
    answer = api.post(url, {"customer": customer.pk}, format="json")
    assert answer.status_code == 200 and answer.json()["customer"] == customer.pk
    again = api.post(url, {"customer": CustomerFactory().pk}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_linked"


def test_it_refuses_links_to_viewers_and_hides_unmatched_tenants_from_scoped_users(
    make_user, scoped_operator, reseller
):
    tenant = TenantFactory(customer=None)
    body = {"customer": CustomerFactory().pk}
    viewer = client_for(make_user(Role.VIEWER))
    assert viewer.post(f"/api/v1/tenants/{tenant.pk}/link/", body, format="json").status_code == 403
    scoped = client_for(scoped_operator)
    assert scoped.get(f"/api/v1/tenants/{tenant.pk}/").status_code == 404
    answer = scoped.post(
        f"/api/v1/tenants/{tenant.pk}/link/", {"customer": reseller.pk}, format="json"
    )
    assert answer.status_code == 404


def test_it_filters_subscriptions_and_products(api):
    subscription = SubscriptionFactory(is_trial=True)
    SubscriptionFactory()
    trials = api.get("/api/v1/subscriptions/", {"is_trial": "true"}).json()["results"]
    assert [s["id"] for s in trials] == [subscription.pk]
    by_customer = api.get(
        "/api/v1/subscriptions/", {"customer": subscription.tenant.customer_id}
    ).json()
    assert by_customer["count"] == 1
    product = ProductFactory(code="GZ-BUS")
    ProductFactory()
    found = api.get("/api/v1/products/", {"code": "GZ-BUS"}).json()["results"]
    assert [p["id"] for p in found] == [product.pk]


def test_it_scopes_subscriptions(scoped_operator):
    SubscriptionFactory()
    assert client_for(scoped_operator).get("/api/v1/subscriptions/").json()["count"] == 0


# -- usage ------------------------------------------------------------------------------------


def test_it_filters_usage_and_negotiates_csv(api):
    january = dt.date(2025, 1, 1)
    row = UsageRecordFactory(period=january)
    UsageRecordFactory(period=dt.date(2025, 2, 1))

    listed = api.get("/api/v1/usage/", {"period": "2025-01-01"}).json()
    assert [r["id"] for r in listed["results"]] == [row.pk]
    assert listed["results"][0]["customer"] == row.tenant.customer_id

    answer = api.get("/api/v1/usage/", {"period": "2025-01-01"}, HTTP_ACCEPT="text/csv")
    assert answer["Content-Type"].startswith("text/csv")
    lines = b"".join(answer.streaming_content).decode().splitlines()
    assert len(lines) == 2 and lines[1].startswith("2025-01-01," + row.tenant.customer.reference)
    by_format = api.get("/api/v1/usage/", {"format": "csv"})
    assert by_format["Content-Type"].startswith("text/csv")


def test_it_answers_usage_errors_as_json_even_when_csv_was_asked(api):
    answer = api.get("/api/v1/usage/", {"period": "not-a-date"}, HTTP_ACCEPT="text/csv")
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid"


def test_it_scopes_usage_and_its_csv(scoped_operator, reseller):
    UsageRecordFactory()
    mine = UsageRecordFactory(tenant=TenantFactory(customer=CustomerFactory(parent=reseller)))
    scoped = client_for(scoped_operator)
    assert [r["id"] for r in scoped.get("/api/v1/usage/").json()["results"]] == [mine.pk]
    csv_lines = b"".join(scoped.get("/api/v1/usage/?format=csv").streaming_content).splitlines()
    assert len(csv_lines) == 2


# -- sync runs, discrepancies, audit ----------------------------------------------------------


def test_it_lists_sync_runs_to_distributor_staff_only(api, scoped_operator):
    run = SyncRunFactory()
    assert [r["id"] for r in api.get("/api/v1/sync-runs/").json()["results"]] == [run.pk]
    scoped = client_for(scoped_operator)
    assert scoped.get("/api/v1/sync-runs/").json()["count"] == 0
    assert scoped.get(f"/api/v1/sync-runs/{run.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("resolution", "stored"), [("accept_vendor", "accepted_vendor"), ("ignore", "ignored")]
)
def test_it_resolves_a_discrepancy(api, resolution, stored):
    discrepancy = DiscrepancyFactory()
    url = f"/api/v1/discrepancies/{discrepancy.pk}/resolve/"
    answer = api.post(url, {"resolution": resolution}, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["discrepancy"]["resolution"] == stored
    assert answer.json()["operation"] is None
    discrepancy.refresh_from_db()
    assert discrepancy.status == DiscrepancyStatus.RESOLVED
    again = api.post(url, {"resolution": resolution}, format="json")
    assert again.status_code == 409


def test_it_refuses_resolving_to_viewers_and_outside_scope(make_user, scoped_operator):
    discrepancy = DiscrepancyFactory()
    url = f"/api/v1/discrepancies/{discrepancy.pk}/resolve/"
    viewer = client_for(make_user(Role.VIEWER))
    assert viewer.post(url, {"resolution": "ignore"}, format="json").status_code == 403
    scoped = client_for(scoped_operator)
    assert scoped.post(url, {"resolution": "ignore"}, format="json").status_code == 404


def test_it_filters_discrepancies(api):
    open_one = DiscrepancyFactory()
    DiscrepancyFactory(status="resolved", resolution="ignored")
    found = api.get("/api/v1/discrepancies/", {"status": "open"}).json()["results"]
    assert [d["id"] for d in found] == [open_one.pk]


def test_it_lists_the_audit_trail_in_scope(api, scoped_operator, reseller):
    event = AuditEventFactory(action="customer.updated")
    mine = AuditEventFactory(customer=CustomerFactory(parent=reseller))
    found = api.get("/api/v1/audit-events/", {"action": "customer.updated"}).json()["results"]
    assert [e["id"] for e in found] == [event.pk]
    scoped = client_for(scoped_operator)
    assert [e["id"] for e in scoped.get("/api/v1/audit-events/").json()["results"]] == [mine.pk]
    assert scoped.get(f"/api/v1/audit-events/{event.pk}/").status_code == 404


def test_it_reapplies_our_value_as_an_operation(api):
    discrepancy = DiscrepancyFactory(field="seats", ours=12, vendor_value=10)
    discrepancy.subscription.seats = 10
    discrepancy.subscription.save()
    url = f"/api/v1/discrepancies/{discrepancy.pk}/resolve/"
    answer = api.post(url, {"resolution": "reapply"}, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["discrepancy"]["resolution"] == "reapplied"
    operation = answer.json()["operation"]
    assert operation["kind"] == "change_seats" and operation["params"]["seats"] == 12
