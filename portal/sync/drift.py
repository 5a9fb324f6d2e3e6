"""Drift: values the portal set (``intended``) that the vendor now reports differently."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from portal.customers.models import Subscription, Tenant
from portal.events.outbound import emit_each

from .models import Discrepancy, DiscrepancyStatus, Resolution


def _same(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, list | tuple) and isinstance(theirs, list | tuple):
        return sorted(ours) == sorted(theirs)
    return ours == theirs


def reconcile_intended(
    tenants: Sequence[Tenant],
    *,
    now: dt.datetime,
    subscriptions: Iterable[Subscription] | None = None,
) -> int:
    """Open, refresh or self-heal discrepancies for tenants whose vendor data just changed.

    ``subscriptions``: the tenants' existing subscriptions as just written, when the caller has
    them in hand (the mirror does), instead of reading them again.
    """
    ids = [t.pk for t in tenants]
    if not ids:
        return 0
    observed: list[tuple[int, int | None, str, Any, Any]] = []
    for tenant in tenants:
        for name, ours in (tenant.intended or {}).items():
            observed.append((tenant.pk, None, name, ours, getattr(tenant, name, None)))
    if subscriptions is None:
        subscriptions = Subscription.objects.filter(tenant_id__in=ids).only(
            "id", "tenant_id", "intended", "seats", "addons", "status", "product_code"
        )
    for sub in subscriptions:
        for name, ours in (sub.intended or {}).items():
            observed.append((sub.tenant_id, sub.pk, name, ours, getattr(sub, name, None)))
    if not observed:
        return 0
    open_rows = {
        (d.tenant_id, d.subscription_id, d.field): d
        for d in Discrepancy.objects.filter(tenant_id__in=ids, status=DiscrepancyStatus.OPEN)
    }
    to_create, to_update = [], []
    for tenant_id, sub_id, name, ours, theirs in observed:
        row = open_rows.get((tenant_id, sub_id, name))
        if _same(ours, theirs):
            if row is not None:
                row.status, row.resolution, row.resolved_at = (
                    DiscrepancyStatus.RESOLVED,
                    Resolution.SELF_HEALED,
                    now,
                )
                row.last_seen_at = now
                to_update.append(row)
        elif row is None:
            to_create.append(
                Discrepancy(
                    tenant_id=tenant_id,
                    subscription_id=sub_id,
                    field=name,
                    ours=ours,
                    vendor_value=theirs,
                    first_seen_at=now,
                    last_seen_at=now,
                )
            )
        else:
            row.vendor_value, row.ours, row.last_seen_at = theirs, ours, now
            to_update.append(row)
    if to_create:
        Discrepancy.objects.bulk_create(to_create)
        emit_each("discrepancy.opened", [_opened(d) for d in to_create])
    if to_update:
        Discrepancy.objects.bulk_update(
            to_update,
            ["status", "resolution", "resolved_at", "vendor_value", "ours", "last_seen_at"],
        )
    return len(to_create) + len(to_update)


def _opened(d: Discrepancy) -> dict[str, Any]:
    return {"tenant": d.tenant_id, "subscription": d.subscription_id, "field": d.field,
            "ours": d.ours, "vendor_value": d.vendor_value}  # fmt: skip
