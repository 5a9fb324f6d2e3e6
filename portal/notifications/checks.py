"""The notices no single change emits: a trial or term ending in N days, an operation that
has been verifying too long, a month that cannot be closed. Periodic tasks run these; each event carries an ``event_key``,
so a second run the same day tells nobody twice."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from portal.catalog.models import VendorConnection
from portal.customers.models import Subscription
from portal.customers.totals import GONE_SUBSCRIPTION
from portal.events.models import EventType
from portal.events.outbound import emit_each
from portal.operations.models import Operation, OperationState
from portal.usage.models import MonthClose
from portal.usage.selectors import usage_missing_tenants
from vendors.types import month_start


def terms_ending_announce(*, today: dt.date | None = None) -> int:
    """Announce every live trial and term ending in one of ``NOTIFY_TERM_DAYS`` days."""
    today = today or timezone.localdate()
    announced = 0
    for days in settings.NOTIFY_TERM_DAYS:
        day = today + dt.timedelta(days=days)
        ending = (
            Subscription.objects.exclude(status__in=GONE_SUBSCRIPTION)
            .filter(Q(is_trial=True, trial_ends=day) | Q(is_trial=False, ends=day))
            .select_related("tenant__connection")
            .order_by("pk")
        )
        for event_type, trial in ((EventType.TRIAL_ENDING, True), (EventType.TERM_ENDING, False)):
            payloads = [_term(s, days, day) for s in ending if s.is_trial is trial]
            emit_each(event_type, payloads)
            announced += len(payloads)
    return announced


def _term(s: Subscription, days: int, day: dt.date) -> dict:
    kind = "trial" if s.is_trial else "term"
    return {
        "subscription": s.pk,
        "tenant": s.tenant_id,
        "tenant_name": s.tenant.name,
        "customer": s.tenant.customer_id,
        "connection": s.tenant.connection_id,
        "connection_name": s.tenant.connection.name,
        "product": s.product_name or s.product_code,
        "ends": day.isoformat(),
        "days": days,
        "auto_renew": s.auto_renew,
        "event_key": f"{kind}_ending:{s.pk}:{day}:{days}",
    }


def stuck_operations_announce(*, now: dt.datetime | None = None) -> int:
    """Announce operations verifying for longer than ``NOTIFY_STUCK_MINUTES`` (once per attempt)."""
    now = now or timezone.now()
    minutes = settings.NOTIFY_STUCK_MINUTES
    stuck = Operation.objects.filter(
        state=OperationState.VERIFYING, updated_at__lt=now - dt.timedelta(minutes=minutes)
    ).values_list("pk", "attempts", "updated_at")
    payloads = [
        {
            "operation": pk,
            "minutes": int((now - since).total_seconds() // 60),
            "event_key": f"operation.stuck:{pk}:{attempts}",
        }
        for pk, attempts, since in stuck
    ]
    emit_each(EventType.OPERATION_STUCK, payloads)
    return len(payloads)


def close_blocked_announce(*, today: dt.date | None = None) -> int:
    """Announce last month still open ``NOTIFY_CLOSE_BLOCKED_DAYS`` days after it ended while
    usage is missing for some tenants (once per connection and month)."""
    today = today or timezone.localdate()
    period = month_start(month_start(today) - dt.timedelta(days=1))
    if (today - month_start(today)).days < settings.NOTIFY_CLOSE_BLOCKED_DAYS:
        return 0
    closed = MonthClose.objects.filter(period=period, is_closed=True).values("connection_id")
    payloads = []
    for connection in VendorConnection.objects.exclude(pk__in=closed).order_by("pk"):
        missing = usage_missing_tenants(connection=connection, period=period).count()
        if missing:
            payloads.append(
                {
                    "connection": connection.pk,
                    "period": f"{period:%Y-%m}",
                    "missing": missing,
                    "event_key": f"usage.close_blocked:{connection.pk}:{period:%Y-%m}",
                }
            )
    emit_each(EventType.USAGE_CLOSE_BLOCKED, payloads)
    return len(payloads)
