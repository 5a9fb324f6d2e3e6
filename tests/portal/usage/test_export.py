"""CSV export: streamed, scoped, one line per usage row, figures equal to the database."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.urls import reverse

from portal.accounts.models import Role
from portal.usage.export import HEADER, usage_csv_lines
from portal.usage.models import UsageAdjustment, UsageRecord
from tests.factories import CustomerFactory, ProfileFactory, ResellerFactory, TenantFactory

from .conftest import PERIOD


def parse(lines) -> list[dict]:
    return list(csv.DictReader(io.StringIO("".join(lines))))


def test_it_exports_every_row_equal_to_the_database(admin_client, seat_usage):
    customer = CustomerFactory(external_ref="PSA-0042")
    first = seat_usage(seats=10, used="7.5", previous=6, tenant=TenantFactory(customer=customer))
    seat_usage(seats=5, used=3)
    record = UsageRecord.objects.get(subscription=first, period=PERIOD)
    UsageAdjustment.objects.create(
        record=record,
        tenant=record.tenant,
        subscription_key=record.subscription_key,
        period=PERIOD,
        metric=record.metric,
        unit=record.unit,
        frozen_quantity=record.quantity,
        vendor_quantity=Decimal(9),
    )

    response = admin_client.get(reverse("usage:export"), {"period": f"{PERIOD:%Y-%m}"})

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="usage-2025-03.csv"' in response["Content-Disposition"]
    rows = parse(b"".join(response.streaming_content).decode())
    db = UsageRecord.objects.filter(period=PERIOD).select_related(
        "tenant__customer", "tenant__connection", "subscription"
    )
    assert len(rows) == db.count() == 2
    by_key = {(r["tenant_external_id"], r["metric"]): r for r in rows}
    for record in db:
        row = by_key[(record.tenant.external_id, record.metric)]
        assert Decimal(row["quantity"]) == record.quantity
        assert row["unit"] == record.unit and row["vendor_field"] == record.vendor_field
        assert row["subscription_external_id"] == record.subscription_key
        assert row["customer_external_ref"] == record.tenant.customer.external_ref
        assert row["customer_reference"] == record.tenant.customer.reference
        assert row["vendor"] == record.tenant.connection.vendor
        assert row["product_name"] == record.subscription.product_name
        assert row["period"] == f"{PERIOD:%Y-%m-%d}"
    assert by_key[(first.tenant.external_id, "seats_used")]["quantity"] == "7.5"
    assert by_key[(first.tenant.external_id, "seats_used")]["customer_external_ref"] == "PSA-0042"
    assert by_key[(first.tenant.external_id, "seats_used")]["vendor_correction"] == "9"


def test_it_exports_only_the_month_and_the_users_scope(client, seat_usage):
    reseller = ResellerFactory()
    mine = seat_usage(
        used=4, previous=3, tenant=TenantFactory(customer=CustomerFactory(parent=reseller))
    )
    seat_usage(used=8)
    client.force_login(ProfileFactory(role=Role.VIEWER, reseller=reseller).user)

    rows = parse(
        b"".join(
            client.get(reverse("usage:export"), {"period": f"{PERIOD:%Y-%m}"}).streaming_content
        ).decode()
    )

    assert [(r["tenant_external_id"], r["quantity"]) for r in rows] == [
        (mine.tenant.external_id, "4")
    ]


def test_the_generator_reads_rows_lazily(seat_usage, django_assert_num_queries):
    for _ in range(3):
        seat_usage(used=1)
    lines = usage_csv_lines(UsageRecord.objects.all())

    with django_assert_num_queries(0):
        assert next(lines).rstrip("\r\n").split(",") == HEADER
    with django_assert_num_queries(1):  # one cursor, however many rows
        rest = list(lines)
    assert len(rest) == 3
