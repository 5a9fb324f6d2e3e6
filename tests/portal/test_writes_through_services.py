"""Every write goes through a service and is audited one way, whichever door it came in by."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from portal.audit.models import AuditEvent
from portal.catalog.models import VendorConnection
from portal.catalog.services import connection_create, connection_update
from portal.customers.services import CustomerInUse, customer_delete
from portal.events.subscriptions import (
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_update,
)
from tests.factories import CustomerFactory, SuperUserFactory, TenantFactory
from vendors.registry import get_adapter_class

pytestmark = pytest.mark.django_db


def _credentials(vendor: str) -> dict[str, str]:
    return {f: f"secret-{f}" for f in get_adapter_class(vendor).credential_fields}


def test_a_connection_is_audited_the_same_from_the_page_and_the_api(client):
    admin = SuperUserFactory()
    client.force_login(admin)
    page = client.post(
        "/connections/new/",
        {
            "vendor": "redstor",
            "name": "From the page",
            "base_url": "https://api.example.com",
            "enabled": "on",
            "new_credentials": '{"application_key": "k", "client_id": "c", "private_key": "p"}',
        },
    )
    assert page.status_code == 302, page.content[:2000]
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(admin)
    answer = api.post(
        "/api/v1/connections/",
        {
            "vendor": "redstor",
            "name": "From the API",
            "base_url": "https://api.example.com",
            "credentials": _credentials("redstor"),
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()

    shapes = {
        tuple(sorted(e.detail)) for e in AuditEvent.objects.filter(action="connection.created")
    }
    assert shapes == {("access_changed", "fields")}
    assert not any("secret-" in str(e.detail) for e in AuditEvent.objects.all())


def test_a_connection_update_keeps_credentials_and_audits_only_what_changed():
    connection = connection_create(
        vendor="lookout",
        name="L",
        base_url="https://x.example.com",
        credentials=_credentials("lookout"),
    )
    connection_update(connection=connection, name="L2", base_url=connection.base_url)

    event = AuditEvent.objects.filter(action="connection.updated").get()
    assert event.detail == {"fields": ["name"], "access_changed": False}
    assert VendorConnection.objects.get().credentials == _credentials("lookout")


def test_a_connection_without_the_vendors_credential_fields_is_refused():
    with pytest.raises(ValidationError):
        connection_create(
            vendor="lookout", name="L", base_url="https://x.example.com", credentials={}
        )
    assert not VendorConnection.objects.exists()


def test_a_customer_with_tenants_is_not_deleted_and_one_without_is_audited():
    busy = TenantFactory().customer
    with pytest.raises(CustomerInUse):
        customer_delete(customer=busy)
    idle = CustomerFactory()

    customer_delete(customer=idle)

    assert AuditEvent.objects.filter(action="customer.deleted").count() == 1
    assert busy.__class__.objects.filter(pk=busy.pk).exists()


def test_webhook_subscriptions_are_audited_without_their_secret():
    subscription = webhook_subscription_create(
        name="CRM", url="https://crm.example.com/hook", event_types=["operation.failed"]
    )
    webhook_subscription_update(subscription=subscription, active=False)
    webhook_subscription_delete(subscription=subscription)

    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [
        "webhook_subscription.created",
        "webhook_subscription.updated",
        "webhook_subscription.deleted",
    ]
    secret = subscription.secret["secret"]
    assert secret and not any(secret in str(e.detail) for e in AuditEvent.objects.all())
