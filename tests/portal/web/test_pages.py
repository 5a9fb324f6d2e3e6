"""Staff pages: sign-in, roles, scope, forms and the service calls behind the buttons."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.audit.models import AuditEvent
from portal.customers.models import Customer, Tenant
from portal.operations.models import Operation, OperationState
from portal.sync.models import DiscrepancyStatus
from tests.factories import (
    DiscrepancyFactory,
    OperationAttemptFactory,
    OperationFactory,
    ProductFactory,
    SubscriptionFactory,
    SyncRunFactory,
    TenantFactory,
    UsageRecordFactory,
    VendorCallStatFactory,
    VendorConnectionFactory,
)

pytestmark = pytest.mark.django_db

READ_PAGES = [
    "/",
    "/customers/",
    "/operations/",
    "/connections/",
    "/sync/",
    "/unmatched/",
    "/discrepancies/",
]


@pytest.mark.parametrize("url", [*READ_PAGES, "/provision/", "/customers/new/"])
def test_it_sends_anonymous_visitors_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", READ_PAGES)
def test_it_refuses_a_signed_in_user_without_a_role(no_role_client, url):
    assert no_role_client.get(url).status_code == 403


@pytest.mark.parametrize("url", READ_PAGES)
def test_it_shows_every_list_page_to_a_viewer(viewer_client, url):
    response = viewer_client.get(url)
    assert response.status_code == 200
    assert b"<title>" in response.content


def test_it_signs_in_with_a_password_and_lands_on_the_dashboard(client, operator):
    response = client.post(
        "/accounts/login/",
        {"username": operator.username, "password": "correct-horse-battery-staple"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/"
    assert b"Dashboard" in response.content


def test_it_keeps_the_username_and_says_why_a_sign_in_failed(client, operator):
    response = client.post("/accounts/login/", {"username": operator.username, "password": "no"})
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert f'value="{operator.username}"'.encode() in response.content


def test_it_signs_out_with_a_post(operator_client):
    response = operator_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert operator_client.get("/").status_code == 302


def test_it_sends_a_password_reset_mail(client, operator, mailoutbox):
    response = client.post("/accounts/password_reset/", {"email": operator.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and operator.email in mailoutbox[0].to


# -- scope ------------------------------------------------------------------------------------


def test_it_lists_only_customers_inside_the_users_reseller(scoped_client, world):
    response = scoped_client.get("/customers/")
    assert b"Inside Ltd" in response.content
    assert b"Outside Ltd" not in response.content


def test_it_answers_404_for_a_customer_outside_the_scope(scoped_client, world):
    assert scoped_client.get(f"/customers/{world['outside'].pk}/").status_code == 404
    assert scoped_client.get(f"/customers/{world['inside'].pk}/").status_code == 200


def test_it_answers_404_for_an_operation_or_tenant_action_outside_the_scope(scoped_client, world):
    op = OperationFactory(tenant=world["outside_tenant"])
    assert scoped_client.get(f"/operations/{op.pk}/").status_code == 404
    url = reverse("web:tenant-action", args=[world["outside_tenant"].pk, "suspend"])
    assert scoped_client.post(url).status_code == 404
    assert not Operation.objects.filter(kind="suspend").exists()


def test_it_shows_a_scoped_user_no_unmatched_tenants(scoped_client, world):
    unmatched = TenantFactory(customer=None, connection=world["connection"], name="Orphan Co")
    assert b"Orphan Co" not in scoped_client.get("/unmatched/").content
    assert scoped_client.get(f"/unmatched/{unmatched.pk}/").status_code == 404


# -- roles ------------------------------------------------------------------------------------


def test_it_hides_and_refuses_write_actions_for_a_viewer(viewer_client, world):
    detail = viewer_client.get(f"/customers/{world['inside'].pk}/").content
    assert b"Provision at a vendor" not in detail
    assert b"Your role can view but not change customers." in detail
    url = reverse("web:tenant-action", args=[world["inside_tenant"].pk, "suspend"])
    assert viewer_client.post(url).status_code == 403
    assert viewer_client.get("/provision/").status_code == 403
    assert viewer_client.get("/customers/new/").status_code == 403


def test_it_lets_only_distributor_admins_manage_connections(operator_client, admin_client, world):
    pk = world["connection"].pk
    assert operator_client.get("/connections/new/").status_code == 403
    assert operator_client.post(f"/connections/{pk}/test/").status_code == 403
    assert b"Users</a>" not in operator_client.get("/").content
    assert admin_client.get("/connections/new/").status_code == 200
    assert b'href="/users/"' in admin_client.get("/").content


# -- customers --------------------------------------------------------------------------------


def test_it_shows_field_errors_and_keeps_what_was_typed(operator_client):
    response = operator_client.post(
        "/customers/new/", {"name": "Typed Name", "kind": "end_customer", "status": "active",
                            "contact_email": "not-an-email"},
    )  # fmt: skip
    assert response.status_code == 200
    assert b"Enter a valid email address." in response.content
    assert b'value="Typed Name"' in response.content
    assert not Customer.objects.filter(name="Typed Name").exists()


def test_it_creates_a_customer_under_a_reseller_and_audits_it(operator_client, reseller):
    response = operator_client.post(
        "/customers/new/",
        {"name": "New Co", "kind": "end_customer", "status": "active", "parent": reseller.pk,
         "contact_email": "it@new.example"},
    )  # fmt: skip
    customer = Customer.objects.get(name="New Co")
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert customer.path.startswith(reseller.path)
    assert AuditEvent.objects.filter(action="customer.created", customer=customer).exists()


def test_it_keeps_a_scoped_users_new_customer_inside_their_reseller(scoped_client, world):
    response = scoped_client.post(
        "/customers/new/",
        {"name": "Escape Co", "kind": "end_customer", "status": "active",
         "parent": world["outside"].pk},
    )  # fmt: skip
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert not Customer.objects.filter(name="Escape Co").exists()


def test_it_edits_a_customer(operator_client, world):
    customer = world["inside"]
    response = operator_client.post(
        f"/customers/{customer.pk}/edit/",
        {"name": "Inside Renamed", "kind": "end_customer", "status": "active",
         "parent": customer.parent_id, "contact_email": customer.contact_email},
    )  # fmt: skip
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.name == "Inside Renamed"


def test_it_filters_customers_by_vendor_and_reseller(operator_client, world):
    other = VendorConnectionFactory(vendor="redstor")
    TenantFactory(customer=world["outside"], connection=other)
    by_vendor = operator_client.get("/customers/?vendor=redstor").content
    assert b"Outside Ltd" in by_vendor and b"Inside Ltd" not in by_vendor
    by_reseller = operator_client.get(f"/customers/?reseller={world['inside'].parent_id}").content
    assert b"Inside Ltd" in by_reseller and b"Outside Ltd" not in by_reseller


def test_it_shows_tenant_cards_with_subscriptions_usage_and_history(operator_client, world):
    tenant = world["inside_tenant"]
    SubscriptionFactory(tenant=tenant, product_name="Mobile Endpoint Security", seats=25)
    UsageRecordFactory(tenant=tenant, period=__import__("django.utils.timezone").utils.timezone
                       .now().date().replace(day=1))  # fmt: skip
    OperationFactory(tenant=tenant, state=OperationState.SUCCEEDED)
    content = operator_client.get(f"/customers/{world['inside'].pk}/").content
    assert b"Mobile Endpoint Security" in content
    assert b"<svg" in content
    assert b"Change seats" in content


def test_it_disables_an_action_the_vendor_cannot_do_with_the_vendors_reason(operator_client, world):
    from portal.operations.rules import capability_problem
    from vendors.registry import all_adapter_classes
    from vendors.types import Capability

    vendor, kind = next(
        (v, cap.value)
        for v, adapter in all_adapter_classes().items()
        for cap in (Capability.SUSPEND, Capability.RESUME, Capability.CANCEL)
        if not adapter.capability(cap).available
    )
    connection = VendorConnectionFactory(vendor=vendor)
    tenant = TenantFactory(customer=world["inside"], connection=connection)
    content = operator_client.get(f"/customers/{world['inside'].pk}/").content.decode()
    reason = capability_problem(connection, kind)
    assert f'id="why-t{tenant.pk}-{kind}">{reason}' in content.replace("&#x27;", "'")


# -- operations through the services ----------------------------------------------------------


def test_it_requests_a_suspend_and_follows_the_operation(operator_client, world):
    tenant = world["inside_tenant"]
    response = operator_client.post(
        reverse("web:tenant-action", args=[tenant.pk, "suspend"]), {"idempotency_key": "k-1"}
    )
    operation = Operation.objects.get(kind="suspend", tenant=tenant)
    assert response["Location"] == f"/operations/{operation.pk}/"
    again = operator_client.post(
        reverse("web:tenant-action", args=[tenant.pk, "suspend"]), {"idempotency_key": "k-1"}
    )
    assert again["Location"] == f"/operations/{operation.pk}/"  # a double click: one operation
    status = operator_client.get(f"/operations/{operation.pk}/status/").content
    assert b'hx-trigger="every 1s"' in status  # still polling while pending


def test_it_shows_a_refused_seat_change_next_to_the_field(operator_client, world):
    subscription = SubscriptionFactory(tenant=world["inside_tenant"], seats=10)
    url = reverse("web:subscription-action", args=[subscription.pk, "change_seats"])
    response = operator_client.post(url, {"seats": "10"})
    assert response.status_code == 200
    assert b"already has 10 seats" in response.content
    assert b'value="10"' in response.content
    invalid = operator_client.post(url, {"seats": "0"})
    assert b"Ensure this value is greater than or equal to 1." in invalid.content
    assert not Operation.objects.exists()


def test_it_changes_seats_through_the_operation_service(operator_client, world):
    subscription = SubscriptionFactory(tenant=world["inside_tenant"], seats=10)
    url = reverse("web:subscription-action", args=[subscription.pk, "change_seats"])
    review = operator_client.post(url, {"seats": "15", "idempotency_key": "k-15"})
    assert b"exactly what will be sent" in review.content  # validated, nothing recorded yet
    assert not Operation.objects.exists()
    response = operator_client.post(
        url, {"seats": "15", "idempotency_key": "k-15", "confirmed": "yes"}
    )
    operation = Operation.objects.get(kind="change_seats")
    assert response["Location"] == f"/operations/{operation.pk}/"
    assert operation.params["seats"] == 15 and operation.requested_by is not None


def test_it_shows_the_vendors_message_and_retries_a_failed_operation(operator_client, world):
    op = OperationFactory(
        tenant=world["inside_tenant"], state=OperationState.FAILED, attempts=1,
        last_error="400 Bad Request: seat count exceeds the plan limit",
    )  # fmt: skip
    OperationAttemptFactory(operation=op, vendor_status=400, vendor_answer={"error": "limit"})
    page = operator_client.get(f"/operations/{op.pk}/").content
    assert b"seat count exceeds the plan limit" in page
    assert b">Retry</button>" in page
    operator_client.post(f"/operations/{op.pk}/retry/")
    op.refresh_from_db()
    assert op.state == OperationState.PENDING


def test_it_cancels_a_pending_operation_but_not_a_running_one(operator_client, world):
    pending = OperationFactory(tenant=world["inside_tenant"], state=OperationState.PENDING)
    running = OperationFactory(
        tenant=world["inside_tenant"], state=OperationState.RUNNING, kind="suspend"
    )
    operator_client.post(f"/operations/{pending.pk}/cancel/")
    response = operator_client.post(f"/operations/{running.pk}/cancel/", follow=True)
    pending.refresh_from_db(), running.refresh_from_db()
    assert pending.state == OperationState.CANCELLED
    assert running.state == OperationState.RUNNING
    assert b"only a pending operation can be cancelled" in response.content


def test_it_previews_a_bulk_suspend_with_reasons_before_doing_it(operator_client, world, reseller):
    TenantFactory(customer=world["inside"], connection=world["connection"], status="suspended",
                  name="Already Off")  # fmt: skip
    preview = operator_client.get(f"/customers/{reseller.pk}/bulk/suspend/")
    assert b"dry run" in preview.content and b"is already suspended" in preview.content
    assert not Operation.objects.exists()
    response = operator_client.post(f"/customers/{reseller.pk}/bulk/suspend/")
    assert response.status_code == 302 and "/batches/" in response["Location"]
    assert Operation.objects.filter(kind="suspend").count() == 1


def test_it_refuses_a_provision_the_catalog_does_not_have(operator_client, world):
    url = f"/provision/?customer={world['inside'].pk}"
    ProductFactory(connection=world["connection"], code="MES", name="Mobile Endpoint Security")
    response = operator_client.post(
        url, {"customer": world["inside"].pk, "connection": world["connection"].pk,
              "product_code": "NOPE", "seats": "5"},
    )  # fmt: skip
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    assert b'value="5"' in response.content
    assert not Operation.objects.exists()


def test_it_lists_the_products_of_the_chosen_connection(operator_client, world):
    ProductFactory(connection=world["connection"], code="MES", name="Mobile Endpoint Security")
    ProductFactory(code="OTHER", name="Somebody else's product")
    response = operator_client.get(f"/provision/products/?connection={world['connection'].pk}")
    assert b"Mobile Endpoint Security" in response.content
    assert b"Somebody else" not in response.content


# -- connections, sync, reconciliation --------------------------------------------------------


def test_it_never_renders_stored_credentials(admin_client, world):
    content = admin_client.get(f"/connections/{world['connection'].pk}/edit/").content
    secret = world["connection"].credentials["client_secret"].encode()
    assert secret not in content
    assert b"Credentials are set (hidden)" in content


def test_it_says_exactly_why_a_connection_test_failed(admin_client, db, sandbox):
    connection = VendorConnectionFactory(
        vendor="lookout", base_url=sandbox.vendor_url("lookout"),
        credentials={"application_key": "wrong"},
    )  # fmt: skip
    response = admin_client.post(f"/connections/{connection.pk}/test/", follow=True)
    assert b"Credentials rejected by the vendor" in response.content


def test_it_shows_a_running_syncs_progress_and_keeps_polling(viewer_client, world):
    run = SyncRunFactory(connection=world["connection"], status="running", items_seen=30,
                         items_total=120, finished_at=None)  # fmt: skip
    content = viewer_client.get(f"/sync/{run.pk}/progress/").content
    assert b'aria-valuenow="30"' in content and b"every 2s" in content
    done = SyncRunFactory(connection=world["connection"])
    assert b"every 2s" not in viewer_client.get(f"/sync/{done.pk}/progress/").content


def test_it_links_an_unmatched_tenant_to_a_customer(operator_client, world):
    tenant = TenantFactory(customer=None, connection=world["connection"], name="Inside Ltd")
    page = operator_client.get(f"/unmatched/{tenant.pk}/").content
    assert b"Suggested from the name" in page
    operator_client.post(
        f"/unmatched/{tenant.pk}/", {"action": "link", "customer": world["inside"].pk}
    )
    assert Tenant.objects.get(pk=tenant.pk).customer == world["inside"]


def test_it_creates_a_customer_from_an_unmatched_tenant(operator_client, world, reseller):
    tenant = TenantFactory(customer=None, connection=world["connection"], name="Brand New GmbH")
    response = operator_client.post(
        f"/unmatched/{tenant.pk}/", {"action": "new", "parent": reseller.pk}
    )
    customer = Customer.objects.get(name="Brand New GmbH")
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert customer.parent == reseller


@pytest.mark.parametrize("how, resolution", [("accept", "accepted_vendor"), ("ignore", "ignored")])
def test_it_resolves_a_discrepancy(operator_client, world, how, resolution):
    discrepancy = DiscrepancyFactory(tenant=world["inside_tenant"])
    operator_client.post(f"/discrepancies/{discrepancy.pk}/{how}/")
    discrepancy.refresh_from_db()
    assert discrepancy.status == DiscrepancyStatus.RESOLVED
    assert discrepancy.resolution == resolution


def test_it_fills_the_dashboard_from_call_stats_and_counts(viewer_client, world):
    from django.utils import timezone

    VendorCallStatFactory(connection=world["connection"], hour=timezone.now(), calls=10, errors=2,
                          total_latency_ms=1500, max_latency_ms=400)  # fmt: skip
    OperationFactory(tenant=world["inside_tenant"], state=OperationState.FAILED)
    d = viewer_client.get("/").context["d"]
    health = next(h for h in d.connections if h.connection == world["connection"])
    assert (health.calls, health.errors, health.avg_latency_ms) == (10, 2, 150)
    assert health.tenants == 2
    assert d.failed_operations == 1


def test_it_reapplies_our_value_as_an_operation(operator_client, world):
    discrepancy = DiscrepancyFactory(tenant=world["inside_tenant"], ours=12, vendor_value=10)
    response = operator_client.post(f"/discrepancies/{discrepancy.pk}/reapply/")
    operation = Operation.objects.get(kind="change_seats")
    assert response["Location"] == f"/operations/{operation.pk}/"
    assert operation.params["seats"] == 12
