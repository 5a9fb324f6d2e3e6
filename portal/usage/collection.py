"""Usage collection: one month of usage per tenant, upserted by (tenant, subscription, month, metric).

A vendor that can answer for a past month (``VendorAdapter.usage_history``) is asked for last
month, which it may still correct. A vendor that reports only today's figures is collected daily
into the current month instead, so a month holds the last figures collected in it and is frozen
when it ends: nobody asks such a vendor for a past month, whose answer would be today's figures.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from portal.catalog.models import VendorConnection
from portal.customers.models import Subscription, Tenant
from portal.sync.models import SyncRun, SyncRunStatus, SyncScope
from portal.sync.quota import QuotaReserveReached, deferred_until, run_deferred
from portal.sync.services import (
    Claim,
    counted_adapter,
    error_detail,
    sync_claim,
    sync_heartbeat,
    sync_release,
)
from vendors.errors import VendorAuthError, VendorError, VendorNotFound
from vendors.registry import get_adapter_class
from vendors.types import TenantStatus, VendorUsage, month_start

from .models import UsageRecord
from .services import usage_adjustments_record, usage_period_is_closed

logger = logging.getLogger(__name__)

CHUNK = 200
#: Tenants whose usage is collected: everything the vendor still holds.
COLLECTED_STATUSES = (TenantStatus.ACTIVE, TenantStatus.TRIAL, TenantStatus.SUSPENDED)


def previous_month(today: dt.date | None = None) -> dt.date:
    first = (today or timezone.now().date()).replace(day=1)
    return month_start(first - dt.timedelta(days=1))


def has_usage_history(connection: VendorConnection) -> bool:
    return get_adapter_class(connection.vendor).usage_history


def default_period(connection: VendorConnection, today: dt.date | None = None) -> dt.date:
    """Last month where the vendor can answer for it, else the current month (collected daily)."""
    if has_usage_history(connection):
        return previous_month(today)
    return month_start(today or timezone.now().date())


def usage_apply(
    tenant: Tenant, period: dt.date, usage: list[VendorUsage], sub_ids: dict[str, int]
) -> int:
    """Upsert one tenant's usage for a month; returns rows written (0 when nothing changed).

    A closed month is frozen: what the vendor reports for it now is kept as adjustments beside
    the closed figures (portal.usage.services), never written over them.
    """

    if usage_period_is_closed(connection_id=tenant.connection_id, period=period):
        return usage_adjustments_record(tenant=tenant, period=period, usage=usage)

    existing = {
        (r.subscription_key, r.metric): r
        for r in UsageRecord.objects.filter(tenant=tenant, period=period)
    }
    to_create, to_update = [], []
    for item in usage:
        key = (item.subscription_external_id, item.metric.value)
        row = existing.get(key)
        values = {
            "quantity": item.quantity,
            "unit": item.unit,
            "vendor_field": item.vendor_field,
            "raw": item.raw,
            "subscription_id": sub_ids.get(item.subscription_external_id),
        }
        if row is None:
            to_create.append(
                UsageRecord(
                    tenant=tenant,
                    period=period,
                    metric=item.metric.value,
                    subscription_key=item.subscription_external_id,
                    **values,
                )
            )
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.collected_at = timezone.now()  # bulk_update skips auto_now
            to_update.append(row)
    UsageRecord.objects.bulk_create(to_create)
    if to_update:
        UsageRecord.objects.bulk_update(
            to_update,
            ["quantity", "unit", "vendor_field", "raw", "subscription_id", "collected_at"],
        )
    return len(to_create) + len(to_update)


def connection_collect_usage(
    connection: VendorConnection,
    period: dt.date | None = None,
    *,
    triggered_by: str = "",
    progress: Callable[[SyncRun], None] | None = None,
) -> SyncRun:
    """Collect one month of usage for every tenant the vendor still holds."""
    period = month_start(period or default_period(connection))
    if period < month_start(timezone.now().date()) and not has_usage_history(connection):
        return _past_month_refused(connection, period, triggered_by)
    adapter, counter = counted_adapter(connection, SyncRun(connection=connection), SyncScope.USAGE)
    if not counter.plan.fits:  # a daily quota: keep the reserve for staff operations
        return run_deferred(
            connection,
            counter.plan,
            scope=SyncScope.USAGE,
            triggered_by=triggered_by,
            period=period,
        )
    claim: Claim = sync_claim(connection)
    tenants = list(
        Tenant.objects.filter(connection=connection, status__in=COLLECTED_STATUSES).order_by("pk")
    )
    run = SyncRun.objects.create(
        connection=connection,
        scope=SyncScope.USAGE,
        period=period,
        status=SyncRunStatus.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        items_total=len(tenants),
        triggered_by=triggered_by[:100],
    )
    counter.run = run
    errors: list[dict] = []
    fatal = ""
    stopped = ""
    for start in range(0, len(tenants), CHUNK):
        chunk = tenants[start : start + CHUNK]
        subs: dict[int, dict[str, int]] = {}
        for tenant_id, ext_id, pk in Subscription.objects.filter(tenant__in=chunk).values_list(
            "tenant_id", "external_id", "pk"
        ):
            subs.setdefault(tenant_id, {})[ext_id] = pk
        for tenant in chunk:
            try:
                usage = adapter.get_usage(tenant.external_id, period)
            except QuotaReserveReached as exc:
                run.deferred_until = deferred_until(connection)
                stopped = (
                    f"Stopped after {run.items_seen} tenants to keep the daily quota's reserve "
                    f"({exc}); the rest runs at {run.deferred_until:%Y-%m-%d %H:%M} UTC."
                )
                break
            except VendorAuthError as exc:
                fatal = f"Credentials rejected: {exc}"
                errors.append({"tenant": tenant.external_id, **error_detail(exc)})
                break
            except (VendorNotFound, VendorError) as exc:
                errors.append({"tenant": tenant.external_id, **error_detail(exc)})
                continue
            with transaction.atomic():
                written = usage_apply(tenant, period, usage, subs.get(tenant.pk, {}))
            run.created_count += written
            run.unchanged_count += 0 if written else 1
            run.items_seen += 1
        run.pages_done += 1
        sync_heartbeat(claim, run)
        if progress:
            progress(run)
        if fatal or stopped:
            break
    run.errors = errors[:200]
    run.finished_at = timezone.now()
    if stopped:
        run.status, run.error = SyncRunStatus.PARTIAL, stopped
    elif fatal or (errors and run.items_seen == 0):
        run.status, run.error = SyncRunStatus.FAILED, fatal or f"{len(errors)} tenants failed"
    elif errors:
        run.status, run.error = SyncRunStatus.PARTIAL, f"Usage missing for {len(errors)} tenants"
    else:
        run.status = SyncRunStatus.SUCCEEDED
    run.save()
    sync_release(
        claim,
        status="ok"
        if run.status == SyncRunStatus.SUCCEEDED
        else ("failed" if fatal else "partial"),
        error=run.error,
        success=run.status == SyncRunStatus.SUCCEEDED,
    )
    return run


def _past_month_refused(
    connection: VendorConnection, period: dt.date, triggered_by: str
) -> SyncRun:
    """A vendor without usage history would answer today's figures: ask it nothing."""
    now = timezone.now()
    return SyncRun.objects.create(
        connection=connection,
        scope=SyncScope.USAGE,
        period=period,
        status=SyncRunStatus.FAILED,
        started_at=now,
        finished_at=now,
        heartbeat_at=now,
        triggered_by=triggered_by[:100],
        error=(
            f"{connection.get_vendor_display()} cannot report a past month: its usage is "
            f"collected daily into the current month, and {period:%Y-%m} keeps the last "
            "figures collected in it."
        )[:500],
    )
