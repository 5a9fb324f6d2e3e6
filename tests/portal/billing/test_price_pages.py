"""The price book pages: staff list, create, edit, import and export prices through the same
checks and audit as the admin; an import with any bad row changes nothing and names each bad
row; a reseller's user sees its own sell price and never cost or list margin."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from portal.accounts.models import Role
from portal.audit.models import AuditEvent
from portal.billing.models import PriceEntry
from tests.factories import (
    PriceEntryFactory,
    PriceOverrideFactory,
    ProductFactory,
    ProfileFactory,
    ResellerFactory,
    ResellerMarkupFactory,
    SuperUserFactory,
)
from tests.portal.billing.forms import price_form

pytestmark = pytest.mark.django_db


def upload(client, connection, text: str):
    data = io.BytesIO(text.encode())
    data.name = "prices.csv"
    return client.post("/billing/prices/import/", {"connection": connection.pk, "file": data})


def test_staff_create_and_edit_a_price_on_the_page_audited(client):
    client.force_login(SuperUserFactory())
    product = ProductFactory()

    created = client.post("/billing/prices/new/", price_form(product))
    assert created.status_code == 302
    entry = PriceEntry.objects.get()
    assert entry.unit_cost == Decimal("1.1000")
    edited = client.post(
        f"/billing/prices/{entry.pk}/edit/", price_form(product, list_price="1.75")
    )
    assert edited.status_code == 302

    entry.refresh_from_db()
    assert entry.list_price == Decimal("1.7500")
    actions = list(
        AuditEvent.objects.filter(object_id=str(entry.pk))
        .order_by("pk")
        .values_list("action", "source")
    )
    assert actions == [("price.created", "page"), ("price.changed", "page")]
    clash = client.post("/billing/prices/new/", price_form(product, effective_from="2026-03-01"))
    assert "already has a price" in clash.content.decode()


def test_the_list_shows_cost_and_list_margin_to_staff(client):
    client.force_login(SuperUserFactory())
    PriceEntryFactory(unit_cost=Decimal("3.0000"), list_price=Decimal("4.0000"))

    body = client.get("/billing/prices/").content.decode()

    assert ">Unit cost</th>" in body and ">List margin</th>" in body
    assert "25.0%" in body and "3.0000" in body


def test_a_resellers_user_sees_its_own_sell_price_and_no_cost(client):
    reseller = ResellerFactory()
    entry = PriceEntryFactory(unit_cost=Decimal("3.1234"), list_price=Decimal("4.0000"))
    ResellerMarkupFactory(customer=reseller, percent=Decimal("10"))
    client.force_login(ProfileFactory(role=Role.OPERATOR, reseller=reseller).user)

    page = client.get("/billing/prices/")
    body = page.content.decode()

    assert ">Your price</th>" in body and "4.4000" in body
    assert "3.1234" not in body and "Unit cost" not in body and "margin" not in body.lower()
    assert client.get("/billing/prices/export.csv").status_code == 404
    assert client.get(f"/billing/prices/{entry.pk}/edit/").status_code == 403


def test_an_override_at_the_resellers_level_is_its_price_on_the_list(client):
    reseller = ResellerFactory()
    entry = PriceEntryFactory()
    PriceOverrideFactory(customer=reseller, product=entry.product, unit_price=Decimal("3.5"))
    client.force_login(ProfileFactory(role=Role.VIEWER, reseller=reseller).user)

    table = client.get("/billing/prices/").context["prices"]

    assert table.data[0].sell.unit_price == Decimal("3.5000")


def test_the_export_imports_back_unchanged_and_an_edit_changes_only_that_row(client):
    client.force_login(SuperUserFactory())
    first = PriceEntryFactory(list_price=Decimal("4.0000"))
    PriceEntryFactory(product__connection=first.product.connection)
    connection = first.product.connection
    exported = b"".join(
        client.get(f"/billing/prices/export.csv?connection={connection.pk}").streaming_content
    ).decode()
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert len(rows) == 2 and rows[0]["unit_cost"] == "3.0000"

    again = upload(client, connection, exported)
    assert again.status_code == 302
    assert AuditEvent.objects.filter(action="price.imported").get().detail["unchanged"] == 2

    rows[0]["list_price"] = "4.2500"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    assert upload(client, connection, out.getvalue()).status_code == 302
    changed = PriceEntry.objects.get(product__code=rows[0]["product_code"])
    assert changed.list_price == Decimal("4.2500")
    assert AuditEvent.objects.filter(action="price.changed").count() == 1


def test_an_import_with_bad_rows_changes_nothing_and_names_each_bad_row(client):
    client.force_login(SuperUserFactory())
    good, other = ProductFactory(code="GOOD"), None
    other = ProductFactory(code="OTHER", connection=good.connection)
    text = (
        "product_code,addon,basis,metric,unit_cost,list_price,currency,effective_from,effective_to\n"
        "GOOD,,per_seat_month,,1.00,2.00,EUR,2026-01-01,\n"
        "MISSING,,per_seat_month,,1.00,2.00,EUR,2026-01-01,\n"
        "OTHER,,per_seat_month,,1.00,2.00,eur-ish,2026-01-01,\n"
        "OTHER,,per_seat_month,,abc,2.00,EUR,2026-13-01,\n"
    )

    refused = upload(client, good.connection, text)

    assert refused.status_code == 200
    errors = refused.context["errors"].data
    assert [e.row for e in errors] == [3, 4, 5]
    assert "No product MISSING" in errors[0].message
    assert "ISO 4217" in errors[1].message
    assert "YYYY-MM-DD" in errors[2].message
    assert "Nothing was imported" in refused.content.decode()
    assert not PriceEntry.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="price.").exists()
    assert other is not None


def test_an_import_with_a_wrong_header_is_refused_whole(client):
    client.force_login(SuperUserFactory())
    product = ProductFactory()

    refused = upload(client, product.connection, "sku;price\nX;1\n")

    assert refused.context["errors"].data[0].row == 1
    assert "header" in refused.context["errors"].data[0].message
