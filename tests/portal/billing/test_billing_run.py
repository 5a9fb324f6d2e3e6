"""The money of a billing run, pinned: proration by day, precedence of prices, half-even
rounding, totals equal to the sum of lines, and the close that freezes them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.billing import models as billing_models
from portal.billing.models import Basis, BillingLine, BillingRun, RunState
from portal.billing.runs import billing_preview
from portal.billing.services import (
    billing_month_close,
    billing_month_reopen,
    markup_set,
    override_set,
    price_entry_save,
)
from tests.factories import (
    CustomerFactory,
    PriceEntryFactory,
    ProductFactory,
    ResellerFactory,
    SeatChangeFactory,
    SubscriptionFactory,
    SuperUserFactory,
    TenantFactory,
    UsageRecordFactory,
)
from vendors.types import Metric, SubscriptionStatus

pytestmark = pytest.mark.django_db

NOVEMBER = dt.date(2026, 11, 1)  # 30 days


def at(day: int, hour: int = 9, month: int = 11) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour))


@pytest.fixture
def admin():
    return SuperUserFactory()


@pytest.fixture
def product():
    return ProductFactory()


def subscription(product, customer=None, *, seats=10, starts=None, first_seen=None):
    first_seen = first_seen or at(1, 0)
    tenant = TenantFactory(connection=product.connection, customer=customer or CustomerFactory())
    sub = SubscriptionFactory(tenant=tenant, product=product, seats=seats, starts=starts)
    SeatChangeFactory(subscription=sub, seats=seats, observed_at=first_seen)
    return sub


def only_line(product) -> BillingLine:
    (line,) = billing_preview(product.connection, NOVEMBER).lines
    return line


def test_seats_prorate_by_day_from_the_seat_history(product):
    PriceEntryFactory(product=product, unit_cost=Decimal("1.5"), list_price=Decimal("2"))
    sub = subscription(product, seats=10)
    SeatChangeFactory(subscription=sub, seats=20, observed_at=at(16))  # 15 days of 10, 15 of 20

    line = only_line(product)

    assert line.quantity == Decimal("15.0000")
    assert (line.amount, line.cost, line.margin) == (
        Decimal("30.00"),
        Decimal("22.50"),
        Decimal("7.50"),
    )
    assert "450 seat-days" in line.description


def test_only_active_days_bill_and_a_change_counts_from_its_day(product):
    PriceEntryFactory(product=product, list_price=Decimal("3"))
    sub = subscription(product, seats=6)
    SeatChangeFactory(
        subscription=sub, seats=6, status=SubscriptionStatus.SUSPENDED, observed_at=at(11, 23)
    )
    SeatChangeFactory(subscription=sub, seats=6, observed_at=at(21, 1))

    line = only_line(product)

    # Active on 1-10 and 21-30: 20 days of 6 seats = 120 seat-days = 4 seat-months.
    assert line.quantity == Decimal("4.0000")
    assert line.amount == Decimal("12.00")


def test_before_the_portal_saw_it_a_subscription_bills_from_its_vendor_start_date(product):
    PriceEntryFactory(product=product, list_price=Decimal("3"))
    subscription(product, seats=3, starts=dt.date(2026, 11, 1), first_seen=at(11))
    other = ProductFactory(connection=product.connection)
    PriceEntryFactory(product=other, list_price=Decimal("3"))
    subscription(other, seats=3, starts=None, first_seen=at(11))

    lines = {
        line.subscription.product_id: line
        for line in billing_preview(product.connection, NOVEMBER).lines
    }

    assert lines[product.pk].quantity == Decimal("3.0000")  # the whole month, from its start
    assert lines[other.pk].quantity == Decimal("2.0000")  # 20 days from the day first seen


def test_a_price_change_mid_month_splits_the_line(product):
    PriceEntryFactory(product=product, list_price=Decimal("2"), effective_to=dt.date(2026, 11, 15))
    PriceEntryFactory(
        product=product, list_price=Decimal("4"), effective_from=dt.date(2026, 11, 16)
    )
    subscription(product, seats=30)

    lines = billing_preview(product.connection, NOVEMBER).lines

    assert sorted((line.quantity, line.amount) for line in lines) == [
        (Decimal("15.0000"), Decimal("30.00")),
        (Decimal("15.0000"), Decimal("60.00")),
    ]


def test_the_closest_level_decides_the_sell_price_and_an_override_beats_its_own_levels_markup(
    product, admin
):
    top = ResellerFactory()
    sub_reseller = ResellerFactory(parent=top)
    customer = CustomerFactory(parent=sub_reseller)
    PriceEntryFactory(product=product, list_price=Decimal("10"))
    subscription(product, customer, seats=30)

    assert only_line(product).unit_price == Decimal("10")
    assert only_line(product).price_source == "list price"

    markup_set(customer=top, percent="20", actor=admin)
    assert only_line(product).unit_price == Decimal("12.0000")  # inherited from the top

    override_set(customer=sub_reseller, product=product, unit_price="9.5", actor=admin)
    assert only_line(product).unit_price == Decimal("9.5")  # the closer level wins

    markup_set(customer=sub_reseller, percent="-50", actor=admin)
    assert only_line(product).unit_price == Decimal("9.5")  # override before markup, same level

    markup_set(customer=customer, percent="-10", actor=admin)
    line = only_line(product)
    assert (line.unit_price, line.price_source) == (Decimal("9.0000"), f"-10.00% at {customer}")
    assert line.reseller == sub_reseller  # the line goes to the nearest reseller


def test_each_line_rounds_half_even_and_totals_are_sums_of_lines(product):
    PriceEntryFactory(
        product=product,
        basis=Basis.FLAT_PER_TENANT,
        unit_cost=Decimal("0.135"),
        list_price=Decimal("0.125"),
    )
    for _ in range(2):
        subscription(product)

    preview = billing_preview(product.connection, NOVEMBER)

    assert [line.amount for line in preview.lines] == [Decimal("0.12"), Decimal("0.12")]
    assert [line.cost for line in preview.lines] == [Decimal("0.14"), Decimal("0.14")]
    assert preview.totals() == {
        "EUR": {"amount": Decimal("0.24"), "cost": Decimal("0.28"), "margin": Decimal("-0.04")}
    }  # not 0.25: the total never rounds again


def test_usage_prices_bill_the_months_usage_records(product):
    PriceEntryFactory(
        product=product,
        basis=Basis.PER_UNIT,
        metric=Metric.STORAGE_GB,
        unit_cost=Decimal("0.01"),
        list_price=Decimal("0.02"),
    )
    sub = subscription(product)
    UsageRecordFactory(
        tenant=sub.tenant,
        subscription=sub,
        period=NOVEMBER,
        metric=Metric.STORAGE_GB,
        quantity=Decimal("1234.5"),
        unit="GB",
    )
    UsageRecordFactory(
        tenant=sub.tenant,
        subscription=sub,
        period=dt.date(2026, 10, 1),
        metric=Metric.STORAGE_GB,
        quantity=Decimal("99999"),
        unit="GB",
    )

    line = only_line(product)

    assert (line.quantity, line.amount, line.cost) == (
        Decimal("1234.5"),
        Decimal("24.69"),
        Decimal("12.34"),
    )


def test_an_addon_bills_its_seats_only_while_enabled(product):
    PriceEntryFactory(product=product, list_price=Decimal("1"))
    PriceEntryFactory(product=product, addon="edr", list_price=Decimal("2"))
    sub = subscription(product, seats=3)
    SeatChangeFactory(subscription=sub, seats=3, addons=["edr"], observed_at=at(21))

    lines = {line.addon: line for line in billing_preview(product.connection, NOVEMBER).lines}

    assert lines[""].quantity == Decimal("3.0000")
    assert lines["edr"].quantity == Decimal("1.0000")  # 10 days of 3 seats
    assert lines["edr"].amount == Decimal("2.00")


def test_the_preview_names_what_it_cannot_bill(product):
    subscription(product)  # no price
    priced = ProductFactory(connection=product.connection)
    PriceEntryFactory(product=priced)
    unlinked = subscription(priced)
    unlinked.tenant.customer = None
    unlinked.tenant.save()

    preview = billing_preview(product.connection, NOVEMBER)

    assert preview.lines == []
    assert len(preview.unpriced) == 1 and len(preview.unlinked) == 1


def test_closing_a_month_freezes_its_lines_and_reopening_voids_them(product, admin):
    entry = PriceEntryFactory(product=product, list_price=Decimal("2"))
    sub = subscription(product, seats=30)
    UsageRecordFactory(tenant=sub.tenant, subscription=sub, period=NOVEMBER)

    billing_month_close(connection=product.connection, period=NOVEMBER, actor=admin)
    run = BillingRun.objects.get(connection=product.connection, period=NOVEMBER)
    assert run.state == RunState.FROZEN
    assert [line.amount for line in run.lines.all()] == [Decimal("60.00")]

    with pytest.raises(ValidationError, match="closed months"):
        price_entry_save(product=product, entry=entry, values={"list_price": "3"}, actor=admin)
    entry.refresh_from_db()
    assert entry.list_price == Decimal("2")
    assert run.lines.get().unit_price == Decimal("2")  # a closed month keeps its price

    billing_month_reopen(connection=product.connection, period=NOVEMBER, actor=admin)
    run.refresh_from_db()
    assert run.state == RunState.VOID and run.lines.count() == 1  # kept, never deleted
    billing_month_close(connection=product.connection, period=NOVEMBER, actor=admin)
    assert BillingRun.objects.filter(period=NOVEMBER, state=RunState.FROZEN).count() == 1


def test_prices_are_set_by_distributor_admins_and_refuse_floats_and_overlaps(product, admin):
    values = {
        "basis": Basis.PER_SEAT_MONTH,
        "unit_cost": "1",
        "list_price": "2",
        "currency": "EUR",
        "effective_from": dt.date(2026, 1, 1),
    }
    with pytest.raises(PermissionDenied):
        price_entry_save(product=product, values=values, actor=None)
    with pytest.raises(ValidationError, match="never a float"):
        price_entry_save(product=product, values={**values, "list_price": 2.1}, actor=admin)
    with pytest.raises(ValidationError, match="ISO 4217"):
        price_entry_save(product=product, values={**values, "currency": "EUX"}, actor=admin)
    price_entry_save(product=product, values=values, actor=admin)
    with pytest.raises(ValidationError, match="already has a price"):
        price_entry_save(
            product=product, values={**values, "effective_from": dt.date(2026, 6, 1)}, actor=admin
        )
    assert product.prices.count() == 1


def test_no_money_field_is_a_float():
    money = [
        f
        for model in (
            billing_models.PriceEntry,
            billing_models.PriceOverride,
            billing_models.ResellerMarkup,
            billing_models.BillingLine,
        )
        for f in model._meta.get_fields()
        if isinstance(f, models.Field)
        and f.name
        in {
            "unit_cost",
            "list_price",
            "unit_price",
            "percent",
            "quantity",
            "cost",
            "amount",
            "margin",
        }
    ]
    assert len(money) == 10
    assert all(isinstance(f, models.DecimalField) for f in money)
    floats = [
        f"{m._meta.label}.{f.name}"
        for m in (billing_models.PriceEntry, billing_models.BillingLine)
        for f in m._meta.get_fields()
        if isinstance(f, models.FloatField)
    ]
    assert floats == []


def test_a_vendor_correction_of_a_closed_month_bills_the_difference_in_the_next_month(
    product, admin
):
    from portal.billing.models import LineKind
    from tests.factories import UsageAdjustmentFactory

    september, october, november = dt.date(2026, 9, 1), dt.date(2026, 10, 1), NOVEMBER
    PriceEntryFactory(
        product=product,
        basis=Basis.PER_UNIT,
        metric=Metric.STORAGE_GB,
        unit_cost=Decimal("0.01"),
        list_price=Decimal("0.02"),
    )
    sub = subscription(product, first_seen=at(1, 0, month=9))
    record = UsageRecordFactory(
        tenant=sub.tenant,
        subscription=sub,
        subscription_key=sub.external_id,
        period=september,
        metric=Metric.STORAGE_GB,
        quantity=Decimal("100"),
        unit="GB",
    )
    for month in (october, november):
        UsageRecordFactory(
            tenant=sub.tenant,
            subscription=sub,
            subscription_key=sub.external_id,
            period=month,
            metric=Metric.STORAGE_GB,
            quantity=Decimal("0"),
            unit="GB",
        )
    billing_month_close(connection=product.connection, period=september, actor=admin)
    (original,) = BillingLine.objects.all()

    UsageAdjustmentFactory(record=record, vendor_quantity=Decimal("150"))
    billing_month_close(connection=product.connection, period=october, actor=admin)
    correction = BillingLine.objects.get(kind=LineKind.CORRECTION)
    assert (correction.run.period, correction.corrects, correction.quantity, correction.amount) == (
        october,
        original,
        Decimal("50"),
        Decimal("1.00"),
    )
    assert "Correction of 2026-09" in correction.description
    original.refresh_from_db()
    assert original.quantity == Decimal("100")  # the closed month's line never changes

    UsageAdjustmentFactory(record=record, vendor_quantity=Decimal("120"))
    preview = billing_preview(product.connection, november)
    credit = [line for line in preview.lines if line.kind == LineKind.CORRECTION]
    assert [(c.quantity, c.amount) for c in credit] == [(Decimal("-30"), Decimal("-0.60"))]


def test_freezing_a_months_billing_announces_it_to_webhook_subscribers(
    product, admin, django_capture_on_commit_callbacks
):
    from portal.events.models import WebhookDelivery, WebhookSubscription

    WebhookSubscription.objects.create(
        name="psa",
        url="http://127.0.0.1:9/",
        event_types=["billing.frozen"],
        secret={"secret": "s"},
    )
    PriceEntryFactory(product=product, list_price=Decimal("2"))
    sub = subscription(product, seats=30)
    UsageRecordFactory(tenant=sub.tenant, subscription=sub, period=NOVEMBER)

    with django_capture_on_commit_callbacks():
        billing_month_close(connection=product.connection, period=NOVEMBER, actor=admin)

    (delivery,) = WebhookDelivery.objects.filter(event_type="billing.frozen")
    assert delivery.payload["period"] == "2026-11"
    assert delivery.payload["lines"] == 1
    assert delivery.payload["totals"] == {
        "EUR": {"amount": "60.00", "cost": "90.00", "margin": "-30.00"}
    }


def _priced_subscriptions(count: int, entry):
    reseller = ResellerFactory()
    for _ in range(count):
        tenant = TenantFactory(
            connection=entry.product.connection, customer=CustomerFactory(parent=reseller)
        )
        sub = SubscriptionFactory(tenant=tenant, product=entry.product, seats=5)
        SeatChangeFactory(subscription=sub, observed_at=at(1, 0, month=10))


def test_a_runs_queries_grow_with_chunks_not_lines():
    """Ten times the subscriptions in one chunk: the same number of queries."""
    entry = PriceEntryFactory()
    _priced_subscriptions(3, entry)
    with CaptureQueriesContext(connection) as few:
        assert len(billing_preview(entry.product.connection, NOVEMBER).lines) == 3
    _priced_subscriptions(27, entry)
    with CaptureQueriesContext(connection) as many:
        assert len(billing_preview(entry.product.connection, NOVEMBER).lines) == 30

    assert len(many.captured_queries) == len(few.captured_queries)
