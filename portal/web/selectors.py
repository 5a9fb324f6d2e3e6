"""Reads for the staff pages: each page's data in a fixed number of queries, whatever the size."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import Count, Prefetch, QuerySet, Sum
from django.utils import timezone

from portal.accounts.scoping import (
    scoped_customers,
    scoped_subscriptions,
    scoped_tenants,
    user_reseller,
)
from portal.audit.selectors import scoped_audit_events
from portal.catalog.models import VendorConnection
from portal.core import humanize
from portal.customers.models import ConnectionTotals, Customer, Subscription, Tenant
from portal.customers.totals import Contribution, live_totals
from portal.operations import rules
from portal.operations.kinds import SUBSCRIPTION_KINDS, TENANT_KINDS
from portal.operations.models import OPEN_STATES, Operation, OperationKind, OperationState
from portal.operations.selectors import scoped_operations
from portal.sync.models import DiscrepancyStatus, SyncRun, SyncRunStatus
from portal.sync.selectors import call_totals_24h, scoped_discrepancies
from portal.usage.models import UsageRecord
from portal.usage.selectors import scoped_usage
from vendors.registry import DISPLAY_NAMES, get_adapter_class
from vendors.types import Metric, ProductKind

# -- dashboard ----------------------------------------------------------------------------------


@dataclass
class ConnectionHealth:
    connection: VendorConnection
    vendor_name: str
    tenants: int = 0
    seats: int = 0
    seats_used: int = 0
    #: Of ``seats``, those whose used figure the vendor does not report.
    seats_unreported: int = 0
    calls: int = 0
    errors: int = 0
    #: The errors by kind ("throttled", "refused", "failed"), from the same 24 h reading.
    error_kinds: dict[str, int] = field(default_factory=dict)
    since: dt.datetime | None = None
    avg_latency_ms: float | None = None
    max_latency_ms: float | None = None
    running: SyncRun | None = None

    @property
    def error_words(self) -> list[str]:
        """The 24 h errors in words: "2 throttled", "1 refused", "3 failed" (kinds with none
        left out)."""
        return [f"{n} {kind}" for kind, n in self.error_kinds.items() if n]


@dataclass
class Dashboard:
    connections: list[ConnectionHealth]
    failed_operations: int
    waiting_operations: int
    open_discrepancies: int
    unmatched_tenants: int
    recent_failures: list[Operation] = field(default_factory=list)

    @property
    def syncing(self) -> bool:
        return any(h.running for h in self.connections)


def _tenant_totals(*, user, connection_ids: list[int]) -> dict[int, Contribution]:
    """Distributor staff read the totals syncs and operations keep; scoped users aggregate
    their own subtree live (an indexed path prefix, small by nature)."""
    if user_reseller(user) is not None:
        return live_totals(tenants=scoped_tenants(user), subscriptions=scoped_subscriptions(user))
    totals = {
        row.connection_id: Contribution(
            row.tenants, row.seats, row.seats_used, row.seats_unreported
        )
        for row in ConnectionTotals.objects.filter(connection_id__in=connection_ids)
    }
    never = [pk for pk in connection_ids if pk not in totals]
    if never:  # not synced since totals exist: count its rows once, live
        totals.update(
            live_totals(
                tenants=Tenant.objects.filter(connection_id__in=never),
                subscriptions=Subscription.objects.filter(tenant__connection_id__in=never),
            )
        )
    return totals


def connection_health(*, user) -> list[ConnectionHealth]:
    """Per connection: status, last success, tenants and seats, calls, errors and latency (24 h)."""
    connections = list(
        VendorConnection.objects.defer("credentials", "webhook_auth").order_by("vendor", "name")
    )
    health = {c.pk: ConnectionHealth(c, DISPLAY_NAMES.get(c.vendor, c.vendor)) for c in connections}
    for pk, totals in _tenant_totals(user=user, connection_ids=list(health)).items():
        if pk in health:
            item = health[pk]
            item.tenants, item.seats = totals.tenants, totals.seats
            item.seats_used, item.seats_unreported = totals.seats_used, totals.seats_unreported
    for pk, calls in call_totals_24h().items():
        item = health[pk]
        item.calls, item.errors = calls.calls, calls.errors
        item.error_kinds, item.since = calls.error_kinds(), calls.since
        item.avg_latency_ms, item.max_latency_ms = calls.mean_latency_ms, calls.max_latency_ms
    for run in SyncRun.objects.filter(status=SyncRunStatus.RUNNING).order_by("created_at"):
        health[run.connection_id].running = run
    return list(health.values())


class AtLeast(int):
    """A count that stopped at its cap: compares as the number, prints as "1000+"."""

    def __str__(self) -> str:
        return f"{int(self)}+"


DASHBOARD_COUNT_CAP = 1000


def capped_count(queryset, *, cap: int = DASHBOARD_COUNT_CAP) -> int:
    """COUNT over at most ``cap + 1`` rows: a backlog of 9,000 failed operations reads as
    "1000+" instead of costing the dashboard a scan of every one (milliseconds each)."""
    return capped_counts({"n": queryset}, cap=cap)["n"]


def capped_counts(querysets: dict[str, QuerySet], *, cap: int = DASHBOARD_COUNT_CAP) -> dict:
    """Several capped counts in one round trip: ``SELECT (SELECT COUNT(*) FROM (q1 LIMIT
    cap+1)), (SELECT COUNT(*) FROM (q2 LIMIT cap+1)), ...``, each subquery compiled by the ORM
    with its own parameters (the dashboard's four counts were four queries)."""
    parts: list[str] = []
    params: list[Any] = []  # the ORM's own query parameters
    for queryset in querysets.values():
        sql, sub_params = queryset.order_by().values("pk")[: cap + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped)")  # noqa: S608 - ORM-compiled
        params.extend(sub_params)
    first = next(iter(querysets.values()))
    with connections[first.db].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        row = cursor.fetchone()
    return {name: AtLeast(cap) if n > cap else n for name, n in zip(querysets, row, strict=True)}


def dashboard(*, user) -> Dashboard:
    """Connection health, then what needs a person: failed and waiting operations, drift, strays."""
    operations = scoped_operations(user)
    counts = capped_counts(
        {
            "failed_operations": operations.filter(state=OperationState.FAILED),
            "waiting_operations": operations.filter(state__in=OPEN_STATES),
            "open_discrepancies": scoped_discrepancies(user).filter(status=DiscrepancyStatus.OPEN),
            "unmatched_tenants": unmatched_tenants(user=user),
        }
    )
    return Dashboard(
        connections=connection_health(user=user),
        **counts,
        recent_failures=list(
            operations.filter(state=OperationState.FAILED)
            .select_related("connection", "customer")
            .only(*RECENT_FAILURE_COLUMNS)
            .order_by("-created_at", "-pk")[:8]
        ),
    )


RECENT_FAILURE_COLUMNS = (
    "kind", "last_error", "created_at", "updated_at", "customer_id", "connection_id",
    "customer__name", "connection__name",
)  # fmt: skip


#: Encrypted connection columns a page never shows: not loaded, so never decrypted per row.
SECRET_FIELDS = ("connection__credentials", "connection__webhook_auth")
#: The vendor's raw payload and our intent, kept for sync and support, never shown on a card.
PAYLOAD_FIELDS = ("raw", "intended")


def unmatched_tenants(*, user):
    """Tenants no customer owns yet; scoped users never see them (they are nobody's subtree)."""
    return (
        scoped_tenants(user)
        .filter(customer__isnull=True)
        .exclude(status__in=rules.GONE_TENANT)
        .select_related("connection")
        .defer(*SECRET_FIELDS)
    )


# -- customers ----------------------------------------------------------------------------------


#: The columns each list page shows, and all its rows load (``.only()`` or ``.values()``): a
#: row loads no JSON payload, secret or timestamp it does not show, so each of its 50 rows costs
#: a few fields, not dozens. The pages' tables (``portal/web/lists.py``) read these names.
OPERATION_VALUES = (
    "pk", "kind", "state", "attempts", "last_error", "created_at", "source", "customer_id",
    "tenant__name", "customer__name", "connection__name",
)  # fmt: skip
CUSTOMER_COLUMNS = (
    "name", "kind", "status", "reference", "external_ref", "path", "parent_id", "parent__name",
)  # fmt: skip
UNMATCHED_COLUMNS = (
    "name", "status", "external_id", "first_seen_at", "customer_id", "connection_id",
    "connection__name",
)  # fmt: skip
SYNC_RUN_VALUES = (
    "pk", "scope", "period", "status", "pages_done", "items_seen", "items_total",
    "created_count", "updated_count", "unchanged_count", "missing_count", "errors", "error",
    "started_at", "finished_at", "connection__name",
)  # fmt: skip
DISCREPANCY_VALUES = (
    "pk", "field", "ours", "vendor_value", "status", "resolution", "first_seen_at",
    "last_seen_at", "subscription_id", "tenant__name", "tenant__customer_id",
    "tenant__customer__name", "tenant__connection__name", "subscription__product_code",
)  # fmt: skip


@dataclass
class CustomerRow:
    customer: Customer
    depth: int  # below the page's top (0 outside the hierarchy view: no indent)
    tenants: int
    vendors: list[str]


def customer_rows(
    *, customers: list[Customer], base_depth: int = 0, hierarchy: bool = False
) -> list[CustomerRow]:
    """Decorate one page of customers with tenant counts and vendors: two queries per page."""
    ids = [c.pk for c in customers]
    tenant_counts: dict[int, int] = defaultdict(int)
    vendors: dict[int, set[str]] = defaultdict(set)
    for customer_id, vendor, n in (
        Tenant.objects.filter(customer_id__in=ids)
        .values_list("customer_id", "connection__vendor")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        tenant_counts[customer_id] += n
        vendors[customer_id].add(DISPLAY_NAMES.get(vendor, vendor))
    return [
        CustomerRow(
            c,
            max(c.depth - base_depth, 0) if hierarchy else 0,
            tenant_counts[c.pk],
            sorted(vendors[c.pk]),
        )
        for c in customers
    ]


@dataclass
class Action:
    """One button on a tenant card: enabled, or disabled with the reason staff can act on."""

    kind: str
    label: str
    reason: str = ""

    @property
    def enabled(self) -> bool:
        return not self.reason


@dataclass(frozen=True)
class UsedSeats:
    """A used-seat figure from the vendor's usage report (the mirror row carries none)."""

    quantity: Decimal
    period: dt.date


@dataclass
class SubscriptionCard:
    subscription: Subscription
    actions: dict[str, Action]
    vendor_name: str = ""
    #: When the vendor's subscription reading has no used seats: its latest usage figure.
    reported_used: UsedSeats | None = None


def _reported_used(tenants: list[Tenant]) -> dict[tuple[int, str], UsedSeats]:
    """The latest used-seat usage figure per (tenant, subscription key) in the last 13 months:
    where a vendor reports used seats only in its usage report (Redstor's consumption, Trend
    Micro's customer summary, Lookout's data bundle). One query for the page."""
    since = month_starts(months=13)[0]
    latest: dict[tuple[int, str], UsedSeats] = {}
    rows = (
        UsageRecord.objects.filter(tenant__in=tenants, metric=Metric.SEATS_USED, period__gte=since)
        .order_by("tenant_id", "subscription_key", "-period")
        .values_list("tenant_id", "subscription_key", "period", "quantity")
    )
    for tenant_id, key, period, quantity in rows:
        latest.setdefault((tenant_id, key), UsedSeats(quantity, period))
    return latest


@dataclass
class TenantCard:
    tenant: Tenant
    vendor_name: str
    actions: dict[str, Action]
    subscriptions: list[SubscriptionCard]
    plans: list[tuple[str, str]]
    addons: list[str]

    @property
    def seen_at(self) -> dt.datetime | None:
        """When the vendor last listed the tenant: a complete sync lists every tenant it does not
        mark missing, and an unchanged row is not rewritten, so the later of the two."""
        tenant, synced = self.tenant, self.tenant.connection.last_success_at
        if tenant.missing_since or synced is None:
            return tenant.last_seen_at
        return max(synced, tenant.last_seen_at or synced)


def _action(
    kind: str, tenant: Tenant, open_ops: dict, *, writable: bool, extra: str = ""
) -> Action:
    label = OperationKind(kind).label
    if not writable:
        return Action(kind, label, "Your role can view but not change customers.")
    connection = tenant.connection
    reason = (
        rules.connection_problem(connection)
        or rules.capability_problem(connection, kind)
        or rules.tenant_problem(kind, tenant)
        or extra
    )
    if not reason and (tenant.pk, kind) in open_ops:
        reason = rules.open_operation_problem(open_ops[(tenant.pk, kind)])
    return Action(kind, label, reason)


def tenant_cards(
    *, user, customer: Customer, writable: bool, catalog: bool = True
) -> list[TenantCard]:
    """The customer's vendor tenants with subscriptions and the actions each vendor allows.

    ``catalog``: also each connection's plans and add-ons (the change-plan and add-on forms);
    the customer page shows none, so it saves the products query."""
    tenants = list(
        scoped_tenants(user)
        .filter(customer=customer)
        .select_related("connection")
        .defer(*SECRET_FIELDS, *PAYLOAD_FIELDS)
        .prefetch_related(
            Prefetch("subscriptions", queryset=Subscription.objects.defer(*PAYLOAD_FIELDS))
        )
        .order_by("connection__vendor", "name")
    )
    open_ops = {
        (op.tenant_id, op.kind): op
        for op in Operation.objects.filter(tenant__in=tenants, state__in=OPEN_STATES)
        .only("tenant_id", "kind", "state")
        .order_by("-pk")
    }
    connection_ids = {t.connection_id for t in tenants}
    plans: dict[int, list[tuple[str, str]]] = defaultdict(list)
    addons: dict[int, set[str]] = defaultdict(set)
    from portal.catalog.models import Product

    products = Product.objects.filter(connection_id__in=connection_ids, is_active=True)
    for product in (
        products.only("connection_id", "kind", "code", "name", "addons") if catalog else ()
    ):
        if product.kind == ProductKind.ADDON:
            addons[product.connection_id].add(product.code)
        else:
            plans[product.connection_id].append((product.code, product.name))
            addons[product.connection_id].update(product.addons or [])
    reported = (
        _reported_used(tenants)
        if any(sub.seats_used is None for t in tenants for sub in t.subscriptions.all())
        else {}
    )
    cards = []
    for tenant in tenants:
        subs = []
        vendor_name = DISPLAY_NAMES.get(tenant.connection.vendor, tenant.connection.vendor)
        listed = tenant.subscriptions.all()
        for sub in listed:
            gone = rules.subscription_problem(sub)
            actions = {}
            for kind in SUBSCRIPTION_KINDS:
                extra = gone
                if not extra and kind == OperationKind.CONVERT_TRIAL and not sub.is_trial:
                    extra = "Not a trial."
                actions[kind] = _action(kind, tenant, open_ops, writable=writable, extra=extra)
            used = None
            if sub.seats_used is None:  # a tenant-level figure is the subscription's if alone
                used = reported.get((tenant.pk, sub.external_id)) or (
                    reported.get((tenant.pk, "")) if len(listed) == 1 else None
                )
            subs.append(SubscriptionCard(sub, actions, vendor_name, used))
        cards.append(
            TenantCard(
                tenant=tenant,
                vendor_name=vendor_name,
                actions={
                    kind: _action(kind, tenant, open_ops, writable=writable)
                    for kind in TENANT_KINDS
                },
                subscriptions=subs,
                plans=sorted(plans[tenant.connection_id], key=lambda p: p[1]),
                addons=sorted(addons[tenant.connection_id]),
            )
        )
    return cards


CHART_HEIGHT, CHART_BAR_WIDTH = 120, 48


@dataclass
class UsageSeries:
    metric: str
    unit: str
    points: list[tuple[dt.date, Decimal]]

    @property
    def label(self) -> str:
        return humanize.label(self.metric)

    @property
    def peak(self) -> Decimal:
        return max((q for _, q in self.points), default=Decimal(0)) or Decimal(1)

    @property
    def bars(self) -> list[dict]:
        """Bar geometry for the server-drawn SVG chart (no chart JavaScript needed)."""
        height, width = CHART_HEIGHT, CHART_BAR_WIDTH
        result = []
        for index, (period, quantity) in enumerate(self.points):
            h = round(float(quantity / self.peak) * height)
            result.append(
                {"x": index * width + 4, "y": height - h + 14, "h": h, "w": width - 8,
                 "period": period, "quantity": quantity, "label_x": index * width + width // 2}
            )  # fmt: skip
        return result


def month_starts(*, months: int = 12, today: dt.date | None = None) -> list[dt.date]:
    """The first day of each of the last ``months`` months, oldest first (this month last)."""
    day = (today or timezone.now().date()).replace(day=1)
    result = []
    for _ in range(months):
        result.append(day)
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return result[::-1]


def customer_usage(*, user, customer: Customer, months: int = 12) -> list[UsageSeries]:
    """Monthly totals per metric over the customer's tenants, for the last ``months`` months."""
    periods = month_starts(months=months)
    totals: dict[tuple[str, str], dict[dt.date, Decimal]] = defaultdict(dict)
    for row in (
        scoped_usage(user)
        .filter(tenant__customer=customer, period__gte=periods[0])
        .values("metric", "unit", "period")
        .annotate(total=Sum("quantity"))
        .order_by()
    ):
        totals[(row["metric"], row["unit"])][row["period"]] = row["total"]
    return [
        UsageSeries(metric, unit, [(p, values.get(p, Decimal(0))) for p in periods])
        for (metric, unit), values in sorted(totals.items())
        if any(values.values())  # a metric that stayed at zero all year is no chart
    ]


def customer_history(*, user, customer: Customer, limit: int = 15):
    operations = (
        scoped_operations(user)
        .filter(customer=customer)
        .select_related("connection")
        .only("kind", "state", "created_at", "connection_id", "connection__name")
        .order_by("-created_at", "-pk")[:limit]
    )
    audit = (
        scoped_audit_events(user)
        .filter(customer=customer)
        .only("at", "actor_label", "source", "action", "object_repr")
        .order_by("-at", "-pk")[:limit]
    )
    return list(operations), list(audit)


def reseller_choices(*, user):
    from portal.customers.models import CustomerKind

    return scoped_customers(user).filter(kind=CustomerKind.RESELLER).order_by("path")


# -- connections --------------------------------------------------------------------------------


def capability_rows() -> tuple[list[str], list[tuple[str, list]]]:
    """The capability matrix as (vendor names, rows of (capability, [CapabilityInfo per vendor]))."""
    from portal.catalog.capabilities import capability_matrix
    from vendors.types import Capability

    matrix = capability_matrix()
    vendors = list(matrix)
    rows = [(cap.value.replace("_", " "), [matrix[v][cap] for v in vendors]) for cap in Capability]
    return [DISPLAY_NAMES.get(v, v) for v in vendors], rows


def vendor_capabilities(vendor: str):
    from vendors.types import Capability

    adapter = get_adapter_class(vendor)
    return [(cap.value.replace("_", " "), adapter.capability(cap)) for cap in Capability]
