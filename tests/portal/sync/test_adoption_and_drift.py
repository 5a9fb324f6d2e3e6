"""Adopting unmatched tenants and resolving discrepancies, with audit events."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from portal.audit.models import AuditEvent
from portal.customers.models import Customer, Subscription, Tenant
from portal.sync.adoption import (
    normalized_name,
    tenant_adopt_as_new_customer,
    tenant_link,
    tenant_suggestions,
    unmatched_tenants,
)
from portal.sync.discrepancies import discrepancy_accept_vendor, discrepancy_ignore
from portal.sync.models import Discrepancy
from portal.sync.services import connection_sync


@pytest.fixture
def synced(sandbox, connect):
    connection = connect("trendmicro")
    connection_sync(connection)
    return connection


def test_normalized_names_ignore_case_punctuation_and_legal_form():
    assert normalized_name("Acme, Ltd.") == normalized_name("ACME") == "acme"
    assert normalized_name("Zürich Dental GmbH") == "zurich dental"


def test_synced_tenants_start_unmatched_and_suggest_customers_by_name(synced):
    tenant = unmatched_tenants().filter(connection=synced).first()
    exact = Customer.objects.create(name=tenant.name)
    similar = Customer.objects.create(name=tenant.name.upper() + " Ltd.")
    Customer.objects.create(name="Somebody Else")

    found = tenant_suggestions(tenant)

    assert [(c, why) for c, why in found] == [
        (exact, "exact name"),
        (similar, "same name once normalized"),
    ]


def test_linking_and_creating_customers_from_tenants_is_audited(synced):
    first, second = unmatched_tenants().filter(connection=synced)[:2]
    customer = Customer.objects.create(name="Owner")

    tenant_link(tenant=first, customer=customer)
    created = tenant_adopt_as_new_customer(tenant=second)

    assert Tenant.objects.get(pk=first.pk).customer == customer
    assert Tenant.objects.get(pk=second.pk).customer == created and created.name == second.name
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"tenant.linked", "customer.created_from_tenant"} <= actions
    assert not unmatched_tenants().filter(pk__in=[first.pk, second.pk]).exists()


def open_seat_discrepancy(sandbox, synced) -> Discrepancy:
    tenant = Tenant.objects.filter(connection=synced, status="active").first()
    subs = list(Subscription.objects.filter(tenant=tenant, seats__isnull=False))
    for sub in subs:  # we intend every current seat count; the vendor changes one of them
        sub.intended = {"seats": sub.seats}
        sub.save(update_fields=["intended"])
    sandbox.sandboxes["trendmicro"].set_seats(tenant.external_id, 77)
    connection_sync(synced)
    drift = Discrepancy.objects.get(tenant=tenant, field="seats", status="open")
    assert drift.vendor_value == 77
    return drift


def test_accepting_the_vendor_value_makes_it_ours(sandbox, synced):
    drift = open_seat_discrepancy(sandbox, synced)

    discrepancy_accept_vendor(discrepancy=drift)

    drift.refresh_from_db()
    assert (drift.status, drift.resolution) == ("resolved", "accepted_vendor")
    assert drift.subscription.intended["seats"] == drift.vendor_value
    assert AuditEvent.objects.filter(action="discrepancy.accepted_vendor").exists()
    with pytest.raises(ValidationError):
        discrepancy_accept_vendor(discrepancy=drift)


def test_ignoring_drops_our_intent_for_that_field(sandbox, synced):
    drift = open_seat_discrepancy(sandbox, synced)

    discrepancy_ignore(discrepancy=drift)

    drift.subscription.refresh_from_db()
    assert "seats" not in drift.subscription.intended
    assert Discrepancy.objects.get(pk=drift.pk).resolution == "ignored"
