"""Month-end close, reopen and vendor corrections of closed months (writes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from portal.accounts.scoping import can_manage, can_write, user_reseller
from portal.audit.services import audit_record
from portal.catalog.models import VendorConnection
from portal.core.models import Source
from portal.customers.models import Tenant
from vendors.types import VendorUsage, month_start

from .models import MonthClose, UsageAdjustment, UsageRecord
from .selectors import usage_missing_tenants

#: How many missing tenants a refusal names; the count is always complete.
MISSING_LISTED = 500


class UsageCloseError(Exception):
    """The month cannot be closed (or reopened) as asked; the message says why."""


@dataclass
class UsageCloseRefused(UsageCloseError):
    """Usage is missing for active tenants: ``missing`` names them (up to MISSING_LISTED)."""

    missing: list[Tenant]
    missing_count: int

    def __str__(self) -> str:
        names = ", ".join(t.name for t in self.missing[:5])
        more = f" and {self.missing_count - 5} more" if self.missing_count > 5 else ""
        return f"Usage is missing for {self.missing_count} active tenants: {names}{more}."


def usage_period_is_closed(*, connection_id: int, period: dt.date) -> bool:
    return MonthClose.objects.filter(
        connection_id=connection_id, period=month_start(period), is_closed=True
    ).exists()


@transaction.atomic
def usage_month_close(
    *,
    connection: VendorConnection,
    period: dt.date,
    actor,
    reason: str = "",
    source: str = Source.PAGE,
) -> MonthClose:
    """Freeze one connection's month, once every tenant of the month has its usage collected.

    A distributor admin may close with tenants left when they give a written ``reason``: the
    audit entry keeps it with the tenants that were missing.
    """
    reason = reason.strip()[:300]
    if not (can_write(actor) and user_reseller(actor) is None):
        raise PermissionDenied("Only distributor operators and admins close a month.")
    period = month_start(period)
    if period >= month_start(timezone.now().date()):
        raise UsageCloseError("Only a past month can be closed.")
    close = (
        MonthClose.objects.select_for_update().filter(connection=connection, period=period).first()
    )
    if close is not None and close.is_closed:
        raise UsageCloseError(f"{period:%Y-%m} is already closed for {connection.name}.")
    missing = usage_missing_tenants(connection=connection, period=period).order_by("name", "pk")
    missing_count = missing.count()
    left: list[int] = []
    if missing_count:
        if not (reason and can_manage(actor)):
            raise UsageCloseRefused(list(missing[:MISSING_LISTED]), missing_count)
        left = list(missing.values_list("pk", flat=True)[:MISSING_LISTED])
    rows = UsageRecord.objects.filter(tenant__connection=connection, period=period).count()
    now = timezone.now()
    if close is None:
        close = MonthClose(connection=connection, period=period)
    close.is_closed, close.closed_at, close.closed_by, close.rows_frozen = True, now, actor, rows
    close.close_reason = reason if missing_count else ""
    close.save()
    detail: dict = {"connection": connection.pk, "period": f"{period:%Y-%m}", "rows_frozen": rows}
    if missing_count:
        detail.update(reason=reason, missing_count=missing_count, missing_tenants=left)
    audit_record(
        action="usage.month_closed",
        source=source,
        actor=actor,
        obj=close,
        detail=detail,
    )
    return close


@transaction.atomic
def usage_month_reopen(
    *,
    connection: VendorConnection,
    period: dt.date,
    actor,
    reason: str = "",
    source: str = Source.PAGE,
) -> MonthClose:
    """Let a closed month's figures change again (distributor admins only); audited."""
    if not can_manage(actor):
        raise PermissionDenied("Only distributor admins reopen a closed month.")
    period = month_start(period)
    close = (
        MonthClose.objects.select_for_update().filter(connection=connection, period=period).first()
    )
    if close is None or not close.is_closed:
        raise UsageCloseError(f"{period:%Y-%m} is not closed for {connection.name}.")
    close.is_closed, close.reopened_at, close.reopened_by = False, timezone.now(), actor
    close.reopen_reason = reason[:300]
    close.save()
    audit_record(
        action="usage.month_reopened",
        source=source,
        actor=actor,
        obj=close,
        detail={"connection": connection.pk, "period": f"{period:%Y-%m}", "reason": reason[:300]},
    )
    return close


def usage_adjustments_record(*, tenant: Tenant, period: dt.date, usage: list[VendorUsage]) -> int:
    """Keep vendor figures for a closed month beside the frozen ones; returns adjustments made.

    A figure is recorded when it differs from the latest known value (the last adjustment, else
    the frozen figure), so collecting the same report again records nothing.
    """
    frozen = {
        (r.subscription_key, r.metric): r
        for r in UsageRecord.objects.filter(tenant=tenant, period=period)
    }
    latest = {
        (a.subscription_key, a.metric): a.vendor_quantity
        for a in UsageAdjustment.objects.filter(tenant=tenant, period=period).order_by(
            "detected_at", "pk"
        )
    }
    new = []
    for item in usage:
        key = (item.subscription_external_id, item.metric.value)
        record = frozen.get(key)
        known = latest.get(key, record.quantity if record else None)
        if known is not None and known == item.quantity:
            continue
        new.append(
            UsageAdjustment(
                record=record,
                tenant=tenant,
                subscription_key=item.subscription_external_id,
                period=period,
                metric=item.metric.value,
                unit=item.unit,
                vendor_field=item.vendor_field,
                frozen_quantity=record.quantity if record else None,
                vendor_quantity=item.quantity,
                raw=item.raw,
            )
        )
    UsageAdjustment.objects.bulk_create(new)
    return len(new)
