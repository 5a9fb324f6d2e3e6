"""Per-connection tenant and seat totals for the dashboard, kept current instead of recomputed.

Aggregating 150,000 tenants on every dashboard view costs hundreds of milliseconds. Instead a
sync recomputes its connection's totals once at the end (``connection_totals_refresh``), and an
operation that changed one tenant shifts them by that tenant's difference
(``tenant_contribution`` before and after, then ``connection_totals_shift``) in the same
transaction as its mirror write. Scoped users never read these (their subtree is small and is
aggregated live).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from vendors.types import SubscriptionStatus, TenantStatus

from .models import ConnectionTotals, Subscription, Tenant

#: What the dashboard leaves out (the same as portal.operations.rules): gone at the vendor.
GONE_TENANT = (TenantStatus.CANCELLED, TenantStatus.MISSING)
GONE_SUBSCRIPTION = (
    SubscriptionStatus.CANCELLED,
    SubscriptionStatus.EXPIRED,
    SubscriptionStatus.MISSING,
)


@dataclass(frozen=True)
class Contribution:
    tenants: int = 0
    seats: int = 0
    seats_used: int = 0
    #: Purchased seats of subscriptions whose used figure the vendor does not report: the
    #: dashboard says so instead of counting them as unused.
    seats_unreported: int = 0


def live_totals(*, tenants, subscriptions) -> dict[int, Contribution]:
    """Totals per connection id aggregated from the given (possibly scoped) querysets."""
    counts = dict(
        tenants.exclude(status__in=GONE_TENANT)
        .values_list("connection_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    seats: dict[int, tuple[int, int, int]] = {
        connection_id: (total or 0, used or 0, unreported or 0)
        for connection_id, total, used, unreported in subscriptions.exclude(
            status__in=GONE_SUBSCRIPTION
        )
        .values_list("tenant__connection_id")
        .annotate(
            total=Sum("seats"),
            used=Sum("seats_used"),
            unreported=Sum("seats", filter=Q(seats_used__isnull=True)),
        )
        .values_list("tenant__connection_id", "total", "used", "unreported")
        .order_by()
    }
    return {
        pk: Contribution(counts.get(pk, 0), *seats.get(pk, (0, 0, 0))) for pk in {*counts, *seats}
    }


def connection_totals_refresh(*, connection_id: int) -> ConnectionTotals:
    """Recompute one connection's totals (at the end of a sync: one pass over its tenants)."""
    totals = live_totals(
        tenants=Tenant.objects.filter(connection_id=connection_id),
        subscriptions=Subscription.objects.filter(tenant__connection_id=connection_id),
    ).get(connection_id, Contribution())
    row, _ = ConnectionTotals.objects.update_or_create(
        connection_id=connection_id,
        defaults={
            "tenants": totals.tenants,
            "seats": totals.seats,
            "seats_used": totals.seats_used,
            "seats_unreported": totals.seats_unreported,
            "refreshed_at": timezone.now(),
        },
    )
    return row


def tenant_contribution(*, tenant_id: int | None) -> Contribution:
    """What one tenant adds to its connection's totals (nothing when it does not exist)."""
    if tenant_id is None:
        return Contribution()
    live = ~Q(subscriptions__status__in=GONE_SUBSCRIPTION)
    rows = (  # one query: the tenant's status with its live subscriptions' sums
        Tenant.objects.filter(pk=tenant_id)
        .order_by()
        .values("status")  # grouped by status alone: one row at most
        .annotate(
            live_seats=Sum("subscriptions__seats", filter=live),
            live_used=Sum("subscriptions__seats_used", filter=live),
            live_unreported=Sum(
                "subscriptions__seats", filter=live & Q(subscriptions__seats_used__isnull=True)
            ),
        )
        .values_list("status", "live_seats", "live_used", "live_unreported")
    )
    if not (found := list(rows)):
        return Contribution()
    status, seats, used, unreported = found[0]
    return Contribution(0 if status in GONE_TENANT else 1, seats or 0, used or 0, unreported or 0)


def connection_totals_shift(*, connection_id: int, before: Contribution, after: Contribution):
    """Add one tenant's change to its connection's totals; no row yet means none to keep."""
    if before == after:
        return
    ConnectionTotals.objects.filter(connection_id=connection_id).update(
        tenants=F("tenants") + (after.tenants - before.tenants),
        seats=F("seats") + (after.seats - before.seats),
        seats_used=F("seats_used") + (after.seats_used - before.seats_used),
        seats_unreported=F("seats_unreported") + (after.seats_unreported - before.seats_unreported),
    )
