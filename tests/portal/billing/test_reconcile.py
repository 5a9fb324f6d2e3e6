"""Vendor statement reconciliation against the month's frozen billing: the sandbox's statement
of a synced connection matches line for line, and its fault switch's wrong lines are exactly
the differences reported; a file with bad lines stores nothing; accepted differences with a
reason reconcile the month."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import requests
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from rest_framework.test import APIClient

from portal.audit.models import AuditEvent
from portal.billing.models import (
    BillingLine,
    PriceEntry,
    ReconcileState,
    RowKind,
    Statement,
)
from portal.billing.reconcile import StatementRefused, statement_row_accept, statement_upload
from portal.billing.services import billing_run_freeze
from portal.catalog.models import Product
from portal.customers.models import SeatChange, Tenant
from portal.sync.tasks import sync_connection
from portal.usage.collection import previous_month
from tests.factories import CustomerFactory, SuperUserFactory

pytestmark = pytest.mark.django_db(transaction=True)
VENDOR = "trendmicro"


@pytest.fixture
def billed(connect, sandbox):
    """A synced Trend Micro connection whose tenants belong to a customer, priced at the
    sandbox's 2.50 a seat, with last month frozen. The seat history is dated back, as if the
    portal had mirrored the connection for years (the sandbox's seats are its current ones)."""
    connection = connect(VENDOR)
    sync_connection(connection.pk)
    SeatChange.objects.filter(subscription__tenant__connection=connection).update(
        observed_at=timezone.make_aware(dt.datetime(2020, 1, 1))
    )
    Tenant.objects.filter(connection=connection).update(customer=CustomerFactory())
    for product in Product.objects.filter(connection=connection):
        PriceEntry.objects.create(
            product=product,
            basis="per_seat_month",
            unit_cost=Decimal("2.50"),
            list_price=Decimal("3.00"),
            currency="EUR",
            effective_from=dt.date(2020, 1, 1),
        )
    admin = SuperUserFactory()
    with transaction.atomic():
        run = billing_run_freeze(connection=connection, period=previous_month(), actor=admin)
    assert BillingLine.objects.filter(run=run).exists()
    return connection, admin


def statement_of(sandbox, wrong: int = 0) -> tuple[bytes, list[dict]]:
    control = f"{sandbox.url}/_control/statements/{VENDOR}"
    requests.put(control, json={"wrong_lines": wrong}, timeout=10).raise_for_status()
    text = requests.get(
        f"{sandbox.url}/_control/{VENDOR}/statement",
        params={"period": f"{previous_month():%Y-%m}"},
        timeout=10,
    ).content
    return text, requests.get(control, timeout=10).json()["last_wrong"]


def test_the_vendors_own_statement_reconciles_line_for_line(billed, sandbox):
    connection, admin = billed
    data, _ = statement_of(sandbox)

    statement = statement_upload(
        connection=connection, period=previous_month(), data=data, actor=admin
    )

    kinds = set(statement.rows.values_list("kind", flat=True))
    assert kinds == {RowKind.MATCHED}, list(statement.rows.exclude(kind="matched").values())
    assert statement.state == ReconcileState.RECONCILED
    assert AuditEvent.objects.filter(action="statement.uploaded").count() == 1


def test_the_fault_switchs_wrong_lines_are_exactly_the_differences(billed, sandbox):
    connection, admin = billed
    data, wrong = statement_of(sandbox, wrong=4)

    statement = statement_upload(
        connection=connection, period=previous_month(), data=data, actor=admin
    )

    found = {(r.tenant_external_id, r.sku): r for r in statement.rows.exclude(kind=RowKind.MATCHED)}
    assert set(found) == {(w["tenant"], w["sku"]) for w in wrong}
    by_fault = {w["fault"]: found[(w["tenant"], w["sku"])] for w in wrong}
    assert by_fault["quantity"].quantity_difference == Decimal(1)
    assert by_fault["quantity"].money_difference == Decimal("2.50")
    amount = by_fault["amount"]
    assert amount.quantity_difference == 0
    assert amount.money_difference == (amount.expected_cost * Decimal("0.1")).quantize(
        Decimal("0.01")
    )
    assert by_fault["unknown_tenant"].kind == RowKind.VENDOR_ONLY
    assert by_fault["unknown_tenant"].tenant is None
    assert by_fault["missing"].kind == RowKind.MIRROR_ONLY
    assert by_fault["missing"].money_difference == -by_fault["missing"].expected_cost
    assert statement.state == ReconcileState.DIFFERENCES

    for row in found.values():
        statement_row_accept(row=row, reason="Credit note expected", actor=admin)
    statement.refresh_from_db()
    assert statement.state == ReconcileState.RECONCILED

    again = statement_upload(connection=connection, period=previous_month(), data=data, actor=admin)
    assert again.pk == statement.pk and again.state == ReconcileState.RECONCILED  # reasons kept


def test_a_statement_with_bad_lines_stores_nothing(billed):
    connection, admin = billed
    data = (
        b"Invoice Month,Customer ID,SKU,Quantity,Unit Price,Amount,Currency\n"
        b"2026-11,T1,SKU,ten,2.50,25.00,EUR\n"
        b"2026-11,T1,SKU,10,2.50,25.00,EUR\n"
        b"2026-11,T2,SKU,1\n"
    )

    with pytest.raises(StatementRefused) as refused:
        statement_upload(connection=connection, period=previous_month(), data=data, actor=admin)

    assert [line for line, _ in refused.value.errors] == [2, 4]
    assert not Statement.objects.exists()


def test_the_page_uploads_shows_exactly_the_wrong_lines_and_accepts_one(billed, sandbox, client):
    connection, admin = billed
    data, wrong = statement_of(sandbox, wrong=2)
    client.force_login(admin)
    upload = io.BytesIO(data)
    upload.name = "statement.csv"

    stored = client.post(
        "/billing/statements/",
        {"connection": connection.pk, "period": f"{previous_month():%Y-%m}", "file": upload},
    )
    assert stored.status_code == 302
    page = client.get(stored["Location"])

    shown = {(r.tenant_external_id, r.sku) for r in page.context["rows"].data}
    assert shown == {(w["tenant"], w["sku"]) for w in wrong}
    assert "Differences to look at" in page.content.decode()
    row = page.context["rows"].data[0]
    client.post(f"/billing/statements/rows/{row.pk}/accept/", {"reason": "Vendor credit"})
    row.refresh_from_db()
    assert row.reason == "Vendor credit" and row.accepted_by == admin


def test_the_api_uploads_a_statement_and_lists_its_differences(billed, sandbox):
    connection, admin = billed
    data, wrong = statement_of(sandbox, wrong=1)
    api = APIClient()
    api.force_authenticate(admin)
    upload = io.BytesIO(data)
    upload.name = "statement.csv"

    created = api.post(
        "/api/v1/statements/",
        {"connection": connection.pk, "period": f"{previous_month():%Y-%m}", "file": upload},
        format="multipart",
    )

    assert created.status_code == 201, created.content
    assert created.json()["state"] == "differences"
    rows = api.get(f"/api/v1/statements/{created.json()['id']}/rows/?kind=difference").json()
    assert [(r["tenant_external_id"], r["sku"]) for r in rows["results"]] == [
        (wrong[0]["tenant"], wrong[0]["sku"])
    ]
    bad = api.post(
        "/api/v1/statements/",
        {"connection": connection.pk, "period": "2026-11", "file": io.BytesIO(b"a,b\n1,2\n")},
        format="multipart",
    )
    assert bad.status_code == 400 and "no column" in str(bad.json())


def test_a_saved_mapping_reads_another_vendors_column_names(billed, client):
    connection, admin = billed
    client.force_login(admin)
    client.post(
        f"/billing/statements/mapping/{connection.pk}/",
        {
            "tenant_column": "Account",
            "sku_column": "Part",
            "quantity_column": "Units",
            "amount_column": "Net",
            "currency_column": "",
        },
    )
    line = BillingLine.objects.select_related("tenant", "price__product").first()
    code = line.price.product.code
    sums = BillingLine.objects.filter(tenant=line.tenant, price__product__code=code).aggregate(
        quantity=Sum("quantity"), cost=Sum("cost")
    )
    data = f"Account,Part,Units,Net\n{line.tenant.external_id},{code},{sums['quantity']},{sums['cost']}\n"

    statement = statement_upload(
        connection=connection, period=previous_month(), data=data.encode(), actor=admin
    )

    row = statement.rows.get(tenant_external_id=line.tenant.external_id, sku=code)
    assert row.kind == RowKind.MATCHED and row.currency == "EUR"
    assert AuditEvent.objects.filter(action="statement.mapping_set").exists()
