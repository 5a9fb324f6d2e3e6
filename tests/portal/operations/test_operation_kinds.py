"""Acceptance 1: every operation kind works against every vendor sandbox that supports it,
updates the mirror, and is refused with the vendor's reason where it is not supported."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from portal.audit.models import AuditEvent
from portal.customers.models import Tenant
from portal.operations.models import Operation
from portal.operations.services import (
    subscription_addons_change,
    subscription_plan_change,
    subscription_seats_change,
    subscription_trial_convert,
    tenant_cancel,
    tenant_resume,
    tenant_suspend,
)
from portal.sync.adapters import connection_adapter
from tests.factories import CustomerFactory
from vendors.registry import get_adapter_class
from vendors.types import Capability, ProductKind

from .conftest import VENDORS, base_product, connect, provision, settle, supports

pytestmark = [pytest.mark.django_db, pytest.mark.parametrize("vendor", VENDORS)]


def test_it_creates_a_tenant_once_and_mirrors_it(sandbox, vendor, staff):
    connection = connect(sandbox, vendor)
    customer = CustomerFactory()

    tenant = provision(connection, customer, seats=6)

    assert sandbox.journal.count_actions(vendor, "create_tenant") == 1
    assert tenant.customer == customer
    assert tenant.status in ("active", "pending")
    subscription = tenant.subscriptions.get()
    at_vendor = connection_adapter(connection).get_tenant(tenant.external_id).subscriptions[0]
    assert subscription.seats == at_vendor.seats  # None where the vendor shows no seat count
    assert at_vendor.seats in (6, None)
    assert subscription.intended == {"seats": 6}
    operation = Operation.objects.get(tenant=tenant)
    assert operation.result["tenant"]["external_id"] == tenant.external_id
    assert list(
        AuditEvent.objects.filter(object_id=str(operation.pk)).values_list("action", flat=True)
    ) == ["operation.succeeded", "operation.running", "operation.requested"]


def test_it_changes_seats_and_records_the_intent(sandbox, vendor, staff):
    connection = connect(sandbox, vendor)
    subscription = provision(connection).subscriptions.get()

    if not supports(vendor, Capability.CHANGE_SEATS):
        # A vendor whose documents have no seat call (Redstor): refused before any operation.
        with pytest.raises(ValidationError, match="cannot change seats"):
            subscription_seats_change(subscription=subscription, seats=9, actor=staff)
        assert sandbox.journal.count_actions(vendor, "change_seats") == 0
        return

    operation = settle(subscription_seats_change(subscription=subscription, seats=9, actor=staff))

    subscription.refresh_from_db()
    assert operation.state == "succeeded", operation.last_error
    assert subscription.seats in (9, None)
    assert subscription.intended["seats"] == 9
    assert sandbox.journal.count_actions(vendor, "change_seats") == 1


def test_it_suspends_and_resumes_or_refuses_with_the_vendors_reason(sandbox, vendor, staff):
    connection = connect(sandbox, vendor)
    tenant = provision(connection)
    if not supports(vendor, Capability.SUSPEND):
        with pytest.raises(ValidationError) as refused:
            tenant_suspend(tenant=tenant, actor=staff)
        note = get_adapter_class(vendor).capability(Capability.SUSPEND).note
        assert note in refused.value.messages[0]
        assert not Operation.objects.filter(kind="suspend").exists()
        return

    suspended = settle(tenant_suspend(tenant=tenant, actor=staff))
    tenant.refresh_from_db()
    assert (suspended.state, tenant.status) == ("succeeded", "suspended")
    assert tenant.intended["status"] == "suspended"

    resumed = settle(tenant_resume(tenant=tenant, actor=staff))
    tenant.refresh_from_db()
    assert (resumed.state, tenant.status) == ("succeeded", "active")
    assert tenant.intended["status"] == "active"
    assert sandbox.journal.count_actions(vendor, "suspend") >= 1
    assert sandbox.journal.count_actions(vendor, "resume") >= 1


def test_it_cancels_or_refuses(sandbox, vendor, staff):
    connection = connect(sandbox, vendor)
    tenant = provision(connection)
    if not supports(vendor, Capability.CANCEL):
        with pytest.raises(ValidationError):
            tenant_cancel(tenant=tenant, actor=staff)
        assert not Operation.objects.filter(kind="cancel").exists()
        return

    operation = settle(tenant_cancel(tenant=tenant, actor=staff))

    assert operation.state == "succeeded", operation.last_error
    tenant.refresh_from_db()
    assert tenant.status == "cancelled" or all(
        s.status == "cancelled" for s in tenant.subscriptions.all()
    )


def test_it_converts_a_trial_or_refuses(sandbox, vendor, staff):
    connection = connect(sandbox, vendor)
    if not supports(vendor, Capability.CONVERT_TRIAL):
        pytest.skip(f"{vendor} cannot convert trials (refusal covered by the validation tests)")
    tenant = provision(connection, trial=True)
    trial = tenant.subscriptions.get(is_trial=True)

    operation = settle(subscription_trial_convert(subscription=trial, actor=staff))

    assert operation.state == "succeeded", operation.last_error
    live = tenant.subscriptions.exclude(status__in=["cancelled", "expired", "missing"])
    assert live.exists() and not live.filter(is_trial=True).exists()


def test_it_changes_the_plan_or_refuses(sandbox, vendor, staff):
    connection = connect(sandbox, vendor)
    subscription = provision(connection).subscriptions.get()
    if not supports(vendor, Capability.CHANGE_PLAN):
        with pytest.raises(ValidationError) as refused:
            subscription_plan_change(subscription=subscription, product_code="ANY-PLAN")
        assert "cannot change plan" in refused.value.messages[0]
        assert not Operation.objects.filter(kind="change_plan").exists()
        return
    other = base_product(connection, skip=subscription.product_code)

    operation = settle(
        subscription_plan_change(subscription=subscription, product_code=other.code, actor=staff)
    )

    assert operation.state == "succeeded", operation.last_error
    tenant = Tenant.objects.get(pk=subscription.tenant_id)
    assert tenant.subscriptions.filter(product_code=other.code).exists()


def test_it_changes_addons_or_refuses(sandbox, vendor, staff):
    connection = connect(sandbox, vendor)
    subscription = provision(connection).subscriptions.get()
    addons = sorted(subscription.product.addons if subscription.product else []) or sorted(
        connection.products.filter(kind=ProductKind.ADDON).values_list("code", flat=True)
    )
    if not supports(vendor, Capability.CHANGE_ADDONS):
        with pytest.raises(ValidationError) as refused:
            subscription_addons_change(subscription=subscription, addons=addons[:1] or ["x"])
        assert "cannot change add-ons" in refused.value.messages[0]
        assert not Operation.objects.filter(kind="change_addons").exists()
        return
    assert addons, f"{vendor} sells add-ons"

    operation = settle(
        subscription_addons_change(subscription=subscription, addons=addons[:1], actor=staff)
    )

    assert operation.state == "succeeded", operation.last_error
    subscription.refresh_from_db()
    assert subscription.addons == addons[:1]
    assert subscription.intended["addons"] == addons[:1]
