"""Compute a month's billing lines for one connection (the dry run and the frozen run alike).

Seats prorate by day from the mirror's seat history (``customers.SeatChange``):
- a day bills the seats and add-ons the subscription had at the end of that day (the last
  change observed on or before it, dates in the portal's time zone);
- only active days bill; trial, pending, suspended, cancelled, expired and missing days bill
  nothing;
- before the mirror first saw a subscription, days from its vendor start date (when the vendor
  reports one) bill at the first value seen; without a start date, billing starts the day it
  was first seen. That is the one gap the history has: nothing older than the portal is known.
The seat price is the one in effect on each day, so a price change mid-month splits the line.
Usage prices bill the month's frozen usage records, and flat prices one unit per tenant with
any active day, both at the price in effect on the first day of the month. Each line's cost and
amount are rounded once, half-even, to the cent; totals are sums of lines.

A vendor's correction of a closed month's usage (``usage.UsageAdjustment``) never touches that
month's frozen lines: the next month billed carries a correction line for the difference between
the vendor's latest figure and what was billed so far, at the original line's prices, naming it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.utils import timezone

from portal.catalog.models import VendorConnection
from portal.customers.models import Customer, CustomerKind, SeatChange, Subscription
from portal.usage.models import UsageAdjustment, UsageRecord
from vendors.types import SubscriptionStatus, month_start

from .models import Basis, BillingLine, LineKind, PriceEntry, RunState
from .money import round_amount, round_quantity
from .pricing import PriceBook, chain


@dataclass
class RunPreview:
    """What a close would freeze: the lines (kept for a dry run; a freeze writes them chunk by
    chunk and keeps only the sums), and the subscriptions it could not bill."""

    connection: VendorConnection
    period: dt.date
    lines: list[BillingLine] = field(default_factory=list)
    unpriced: list[str] = field(default_factory=list)
    unlinked: list[str] = field(default_factory=list)
    count: int = 0
    sums: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, lines: list[BillingLine], *, keep: bool = True) -> None:
        for line in lines:
            s = self.sums.setdefault(
                line.currency, {"amount": Decimal(0), "cost": Decimal(0), "margin": Decimal(0)}
            )
            s["amount"] += line.amount
            s["cost"] += line.cost
            s["margin"] += line.margin
            self.counts[line.currency] = self.counts.get(line.currency, 0) + 1
        self.count += len(lines)
        if keep:
            self.lines.extend(lines)

    def totals(self) -> dict[str, dict[str, Decimal]]:
        """Per currency: the sums of the lines' amount, cost and margin."""
        return {c: dict(t) for c, t in self.sums.items()}

    def total_rows(self) -> list[dict]:
        """The totals as the page's table reads them (a row per currency, with its lines)."""
        return [
            {"currency": c, "lines": self.counts[c], **t} for c, t in sorted(self.totals().items())
        ]


def month_days(period: dt.date) -> list[dt.date]:
    first = month_start(period)
    count = calendar.monthrange(first.year, first.month)[1]
    return [first + dt.timedelta(days=i) for i in range(count)]


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def daily_states(changes: Sequence, starts: dt.date | None, days: list[dt.date]) -> list:
    """The change in force at the end of each day of the month (None: nothing known yet)."""
    states: list[SeatChange | None] = []
    index, current = 0, None
    first_seen = _local_date(changes[0].observed_at) if changes else None
    for day in days:
        while index < len(changes) and _local_date(changes[index].observed_at) <= day:
            current = changes[index]
            index += 1
        if current is None and first_seen and starts and starts <= day < first_seen:
            states.append(changes[0])  # before the portal saw it, from its vendor start date
        else:
            states.append(current)
    return states


ACTIVE = SubscriptionStatus.ACTIVE.value


class _Change(NamedTuple):
    """A point of seat history as the run reads it (a tuple: a model instance per change costs
    more than the whole day-by-day walk)."""

    observed_at: dt.datetime
    status: str
    seats: int | None
    addons: list[str]


def _billable(state) -> bool:
    return state is not None and state.status == ACTIVE


def _reseller_of(path: str, kinds: dict[int, str]) -> int | None:
    return next((c for c in chain(path) if kinds.get(c) == CustomerKind.RESELLER), None)


def _line(
    book: PriceBook,
    kinds: dict[int, str],
    sub: _Sub,
    entry: PriceEntry,
    quantity: Decimal,
    description: str,
) -> BillingLine:
    assert sub.customer_id is not None
    sell = book.sell_price(entry, sub.customer_path)
    cost = round_amount(quantity * entry.unit_cost)
    amount = round_amount(quantity * sell.unit_price)
    return BillingLine(
        reseller_id=_reseller_of(sub.customer_path, kinds),
        customer_id=sub.customer_id,
        tenant_id=sub.tenant_id,
        subscription_id=sub.pk,
        price_id=entry.pk,
        addon=entry.addon,
        basis=entry.basis,
        description=description[:300],
        quantity=quantity,
        unit_cost=entry.unit_cost,
        unit_price=sell.unit_price,
        price_source=sell.source[:120],
        cost=cost,
        amount=amount,
        margin=amount - cost,
        currency=entry.currency,
    )


#: Subscriptions per chunk: memory stays flat and queries grow with chunks, not lines.
CHUNK = 2000


class _Sub(NamedTuple):
    """What a line needs of a subscription, its tenant and customer (a tuple, not three model
    instances with their raw payloads)."""

    pk: int
    tenant_id: int
    tenant_name: str
    customer_id: int | None
    customer_path: str
    product_id: int | None
    product_name: str
    product_code: str
    starts: dt.date | None


SUBSCRIPTION_FIELDS = (
    "pk", "tenant_id", "tenant__name", "tenant__customer_id", "tenant__customer__path",
    "product_id", "product_name", "product_code", "starts",
)  # fmt: skip


def billing_preview(connection: VendorConnection, period: dt.date) -> RunPreview:
    """Every line the month would bill, unsaved (the dry run)."""
    preview = RunPreview(connection=connection, period=month_start(period))
    for lines in billing_chunks(preview):
        preview.add(lines)
    return preview


def billing_chunks(preview: RunPreview) -> Iterator[list[BillingLine]]:
    """The month's lines a chunk of subscriptions at a time, in the page's order (customer,
    tenant); what it cannot bill is noted on ``preview``."""
    connection, period = preview.connection, preview.period
    days = month_days(period)
    end = timezone.make_aware(dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time()))
    ids = list(
        Subscription.objects.filter(tenant__connection=connection)
        .order_by("tenant__customer__name", "tenant__name", "pk")
        .values_list("pk", flat=True)
    )
    kinds = dict.fromkeys(
        Customer.objects.filter(kind=CustomerKind.RESELLER).values_list("pk", flat=True),
        CustomerKind.RESELLER,
    )
    book = PriceBook(connection.pk)
    flat_billed: set[tuple[int, int]] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found = Subscription.objects.filter(pk__in=chunk).values_list(*SUBSCRIPTION_FIELDS)
        by_pk = {row[0]: _Sub(*row) for row in found}
        history: dict[int, list[_Change]] = defaultdict(list)
        for pk, *change in (
            SeatChange.objects.filter(subscription_id__in=chunk, observed_at__lt=end)
            .order_by("subscription_id", "observed_at", "pk")
            .values_list("subscription_id", "observed_at", "status", "seats", "addons")
        ):
            history[pk].append(_Change(*change))
        usage = defaultdict(list)
        if book.bills_usage:
            for record in UsageRecord.objects.filter(subscription_id__in=chunk, period=period).only(
                "subscription_id", "metric", "quantity"
            ):
                usage[record.subscription_id].append(record)
        lines: list[BillingLine] = []
        for pk in chunk:
            sub = by_pk.get(pk)
            if sub is not None:
                _bill(
                    preview, book, kinds, sub, days, history.get(pk, []), usage, flat_billed, lines
                )
        yield lines
    yield corrections(connection, period)


def _bill(preview, book, kinds, sub, days, changes, usage, flat_billed, lines) -> None:
    """One subscription's lines of the month (seat-days per price, usage, flat)."""
    period = preview.period
    states = daily_states(changes, sub.starts, days)
    active = [s for s in states if _billable(s)]
    if not active and not usage.get(sub.pk):
        return
    label = f"{sub.tenant_name}: {sub.product_name or sub.product_code}"
    if sub.customer_id is None:
        preview.unlinked.append(label)
        return
    priced = False

    for addon in ["", *book.addons_priced(sub.product_id)]:
        seat_days: dict[int, int] = defaultdict(int)
        on_days = book.entries_on_days(sub.product_id, addon, days)
        for entry, state in zip(on_days, states, strict=True):
            if state is None or state.status != ACTIVE or (addon and addon not in state.addons):
                continue
            if entry is not None:
                seat_days[entry] += state.seats or 0
        for index, total in seat_days.items():
            priced = True
            quantity = round_quantity(Decimal(total) / len(days))
            what = f"{label}{' + ' + addon if addon else ''}, {total} seat-days"
            lines.append(_line(book, kinds, sub, book.seat_entries[index], quantity, what))

    entry = book.entry_on(sub.product_id, "", period)
    if entry is not None and entry.basis == Basis.PER_UNIT:
        for record in usage.get(sub.pk, []):
            if record.metric == entry.metric:
                priced = True
                lines.append(
                    _line(book, kinds, sub, entry, record.quantity, f"{label}, {record.metric}")
                )
    if entry is not None and entry.basis == Basis.FLAT_PER_TENANT and active:
        priced = True
        if (sub.tenant_id, entry.pk) not in flat_billed:
            flat_billed.add((sub.tenant_id, entry.pk))
            lines.append(_line(book, kinds, sub, entry, Decimal(1), f"{label}, flat"))
    if not priced and active:
        preview.unpriced.append(label)


def corrections(connection: VendorConnection, period: dt.date) -> list[BillingLine]:
    """Correction lines for vendor figures of earlier frozen months that differ from what was
    billed for them (the original line plus the corrections frozen since)."""
    latest: dict[tuple, Decimal] = {}
    for adj in UsageAdjustment.objects.filter(
        tenant__connection=connection, period__lt=period
    ).order_by("detected_at", "pk"):
        latest[(adj.tenant_id, adj.subscription_key, adj.period, adj.metric)] = adj.vendor_quantity
    if not latest:
        return []
    originals = BillingLine.objects.filter(
        run__connection=connection,
        run__state=RunState.FROZEN,
        run__period__in={key[2] for key in latest},
        kind=LineKind.CHARGE,
        basis=Basis.PER_UNIT,
    ).select_related("run", "price", "subscription", "customer", "tenant")
    billed_since: dict[int, Decimal] = defaultdict(Decimal)
    for pk, quantity in BillingLine.objects.filter(
        corrects__in=originals, run__state=RunState.FROZEN
    ).values_list("corrects_id", "quantity"):
        billed_since[pk] += quantity
    lines = []
    for original in originals:
        key = (
            original.tenant_id,
            original.subscription.external_id if original.subscription else "",
            original.run.period,
            original.price.metric,
        )
        vendor = latest.get(key)
        if vendor is None:
            continue
        difference = vendor - original.quantity - billed_since[original.pk]
        if not difference:
            continue
        cost = round_amount(difference * original.unit_cost)
        amount = round_amount(difference * original.unit_price)
        lines.append(
            BillingLine(
                kind=LineKind.CORRECTION,
                corrects=original,
                reseller_id=original.reseller_id,
                customer=original.customer,
                tenant=original.tenant,
                subscription=original.subscription,
                price=original.price,
                addon=original.addon,
                basis=original.basis,
                description=(f"Correction of {original.run.period:%Y-%m} ({original.description})")[
                    :300
                ],
                quantity=difference,
                unit_cost=original.unit_cost,
                unit_price=original.unit_price,
                price_source=original.price_source,
                cost=cost,
                amount=amount,
                margin=amount - cost,
                currency=original.currency,
            )
        )
    return lines
