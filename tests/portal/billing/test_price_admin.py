"""Support sets prices in the admin through the same checks and audit as every other door."""

from __future__ import annotations

import pytest

from portal.audit.models import AuditEvent
from portal.billing.models import PriceEntry
from tests.factories import PriceEntryFactory, ProductFactory, SuperUserFactory
from tests.portal.billing.forms import price_form

pytestmark = pytest.mark.django_db


def test_a_price_added_in_the_admin_is_audited_and_an_overlap_is_refused(client):
    client.force_login(SuperUserFactory())
    product = ProductFactory()

    added = client.post("/admin/billing/priceentry/add/", price_form(product))
    assert added.status_code == 302, added.context["adminform"].form.errors
    entry = PriceEntry.objects.get()
    assert AuditEvent.objects.filter(action="price.created", object_id=str(entry.pk)).exists()

    clash = client.post(
        "/admin/billing/priceentry/add/", price_form(product, effective_from="2026-05-01")
    )
    assert clash.status_code == 200
    assert "already has a price" in clash.content.decode()
    bad = client.post("/admin/billing/priceentry/add/", price_form(product, currency="eur"))
    assert "ISO 4217" in bad.content.decode()
    assert PriceEntry.objects.count() == 1


def test_ending_a_price_in_the_admin_keeps_it(client):
    client.force_login(SuperUserFactory())
    entry = PriceEntryFactory()

    ended = client.post(
        f"/admin/billing/priceentry/{entry.pk}/change/",
        price_form(
            entry.product,
            unit_cost="3.0000",
            list_price="4.0000",
            effective_from="2025-01-01",
            effective_to="2026-06-30",
        ),
    )

    assert ended.status_code == 302, ended.context["adminform"].form.errors
    entry.refresh_from_db()
    assert str(entry.effective_to) == "2026-06-30"
    assert AuditEvent.objects.filter(action="price.changed").count() == 1
