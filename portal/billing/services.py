"""Writes for price books and billing runs. Prices are set by distributor admins only and every
change is audited; a frozen month keeps the prices it was billed at (its lines hold them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.accounts.scoping import can_manage
from portal.audit.services import audit_record
from portal.catalog.models import Product, VendorConnection
from portal.core.models import Source
from portal.customers.models import Customer
from portal.usage.models import MonthClose
from portal.usage.services import usage_month_close, usage_month_reopen
from vendors.types import month_start

from .bulk import insert
from .models import BillingLine, BillingRun, PriceEntry, PriceOverride, ResellerMarkup, RunState
from .runs import RunPreview, billing_chunks

PRICE_FIELDS = (
    "addon",
    "basis",
    "metric",
    "unit_cost",
    "list_price",
    "currency",
    "effective_from",
    "effective_to",
)


def _require_admin(actor) -> None:
    if not can_manage(actor):
        raise PermissionDenied("Only distributor admins set prices.")


def _money(value: Any, name: str) -> Decimal:
    if isinstance(value, float):
        raise ValidationError(f"{name} must be given as a decimal string, never a float.")
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(f"{name} is not a number: {value!r}.") from exc


def _closed_months(product: Product, start: dt.date, end: dt.date | None) -> list[str]:
    closes = MonthClose.objects.filter(
        connection_id=product.connection_id, is_closed=True, period__gte=month_start(start)
    )
    if end is not None:
        closes = closes.filter(period__lte=end)
    return [f"{p:%Y-%m}" for p in closes.values_list("period", flat=True).order_by("period")]


def _check_span(entry: PriceEntry) -> None:
    overlapping = PriceEntry.objects.filter(product=entry.product, addon=entry.addon).exclude(
        pk=entry.pk
    )
    overlapping = overlapping.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=entry.effective_from)
    )
    if entry.effective_to is not None:
        overlapping = overlapping.filter(effective_from__lte=entry.effective_to)
    clash = overlapping.first()
    if clash is not None:
        raise ValidationError(
            f"{entry.product} {entry.addon or ''} already has a price from "
            f"{clash.effective_from} to {clash.effective_to or 'open'}; end it first."
        )


def price_entry_prepare(
    *, product: Product, values: dict[str, Any], entry: PriceEntry | None = None
) -> PriceEntry:
    """The entry as it would be saved, after every check (what a form's clean() calls too). A
    span that covers a closed month can only be ended (``effective_to``), never repriced: that
    month's lines keep their prices."""
    before = {f: getattr(entry, f) for f in PRICE_FIELDS} if entry else {}
    row = PriceEntry(product=product, **before)
    if entry is not None:
        row.pk, row._state.adding = entry.pk, False
    for name in PRICE_FIELDS:
        if name in values:
            value = values[name]
            if name in ("unit_cost", "list_price"):
                value = _money(value, name)
            setattr(row, name, "" if value is None and name != "effective_to" else value)
    if entry is not None:
        closed = _closed_months(product, entry.effective_from, entry.effective_to)
        repriced = [f for f in PRICE_FIELDS if f != "effective_to" and before[f] != getattr(row, f)]
        if closed and repriced:
            raise ValidationError(
                f"This price was billed in closed months ({', '.join(closed)}): end it and add "
                "a new price from the next open month instead."
            )
    row.full_clean(exclude=["created_at", "updated_at"])
    _check_span(row)
    return row


@transaction.atomic
def price_entry_save(
    *,
    product: Product,
    values: dict[str, Any],
    actor,
    entry: PriceEntry | None = None,
    source: str = Source.PAGE,
) -> PriceEntry:
    """Create (``entry`` None) or change a price entry, audited with what changed."""
    _require_admin(actor)
    row = price_entry_prepare(product=product, values=values, entry=entry)
    if entry is not None:
        row.created_at = entry.created_at
    row.save()
    before = {f: getattr(entry, f) for f in PRICE_FIELDS} if entry else {}
    changed = {
        f: [str(before.get(f)), str(getattr(row, f))]
        for f in PRICE_FIELDS
        if before.get(f) != getattr(row, f)
    }
    audit_record(
        action="price.created" if entry is None else "price.changed",
        source=source,
        actor=actor,
        obj=row,
        detail={"product": product.pk, "changes": changed},
    )
    return row


@transaction.atomic
def markup_set(
    *, customer: Customer, percent: Any, actor, source: str = Source.PAGE
) -> ResellerMarkup | None:
    """Set (or with ``percent`` None, remove) a level's markup; its subtree inherits it."""
    _require_admin(actor)
    current = ResellerMarkup.objects.filter(customer=customer).first()
    before = str(current.percent) if current else None
    if percent is None:
        if current is not None:
            current.delete()
        row = None
    else:
        row = current or ResellerMarkup(customer=customer)
        row.percent = _money(percent, "percent")
        row.full_clean()
        row.save()
    audit_record(
        action="price.markup_set",
        source=source,
        actor=actor,
        obj=customer,
        customer=customer,
        detail={"from": before, "to": str(row.percent) if row else None},
    )
    return row


@transaction.atomic
def override_set(
    *,
    customer: Customer,
    product: Product,
    unit_price: Any,
    actor,
    addon: str = "",
    source: str = Source.PAGE,
) -> PriceOverride | None:
    """Set (or with ``unit_price`` None, remove) an explicit sell price at one level."""
    _require_admin(actor)
    current = PriceOverride.objects.filter(customer=customer, product=product, addon=addon).first()
    before = str(current.unit_price) if current else None
    if unit_price is None:
        if current is not None:
            current.delete()
        row = None
    else:
        row = current or PriceOverride(customer=customer, product=product, addon=addon)
        row.unit_price = _money(unit_price, "unit_price")
        row.full_clean()
        row.save()
    audit_record(
        action="price.override_set",
        source=source,
        actor=actor,
        obj=customer,
        customer=customer,
        detail={
            "product": product.pk,
            "addon": addon,
            "from": before,
            "to": str(row.unit_price) if row else None,
        },
    )
    return row


def billing_run_freeze(
    *, connection: VendorConnection, period: dt.date, actor, source: str = Source.SYSTEM
) -> BillingRun:
    """Store the month's lines as they are now; called inside the close's transaction."""
    preview = RunPreview(connection=connection, period=month_start(period))
    run = BillingRun.objects.create(
        connection=connection, period=preview.period, frozen_at=timezone.now(), frozen_by=actor
    )
    for lines in billing_chunks(preview):  # written chunk by chunk: memory stays flat
        for line in lines:
            line.run = run
        insert(lines, BillingLine)
        preview.add(lines, keep=False)
    totals = {c: {k: str(v) for k, v in t.items()} for c, t in preview.totals().items()}
    audit_record(
        action="billing.frozen",
        source=source,
        actor=actor,
        obj=run,
        detail={
            "connection": connection.pk,
            "period": f"{preview.period:%Y-%m}",
            "lines": preview.count,
            "totals": totals,
            "unpriced": len(preview.unpriced),
            "unlinked": len(preview.unlinked),
        },
    )
    return run


@transaction.atomic
def billing_month_close(
    *,
    connection: VendorConnection,
    period: dt.date,
    actor,
    reason: str = "",
    source: str = Source.PAGE,
):
    """Close the month's usage and freeze its billing, in one transaction."""
    close = usage_month_close(
        connection=connection, period=period, actor=actor, reason=reason, source=source
    )
    billing_run_freeze(connection=connection, period=close.period, actor=actor, source=source)
    return close


@transaction.atomic
def billing_month_reopen(
    *,
    connection: VendorConnection,
    period: dt.date,
    actor,
    reason: str = "",
    source: str = Source.PAGE,
):
    """Reopen the month; its frozen run is voided (kept, never deleted) until the next close."""
    close = usage_month_reopen(
        connection=connection, period=period, actor=actor, reason=reason, source=source
    )
    BillingRun.objects.filter(
        connection=connection, period=close.period, state=RunState.FROZEN
    ).update(state=RunState.VOID, voided_at=timezone.now())
    return close
