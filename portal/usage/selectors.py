"""Reads for the usage review: utilization, flags and totals, aggregated in SQL.

A review row is one customer x vendor x product x metric of a month. ``purchased`` is the
vendor's own purchased figure for the same subscription and month when it reports one
(``seats_purchased``), else the mirrored subscription's seats; it applies to the seat-like
metrics in ``MEASURED_METRICS`` only. Zero seats on a subscription means "no limit"
(Bitdefender's dynamic provisioning), so it is not treated as zero purchased.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Context, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    Field,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)

from portal.accounts.scoping import (
    can_view,
    customer_scope,
    scoped,
    scoped_customers,
    scoped_tenants,
    user_reseller,
)
from portal.catalog.models import VendorConnection
from portal.core import humanize
from portal.customers.models import Customer, CustomerKind, Subscription, Tenant, subtree_q
from portal.operations.models import Operation, OperationKind, OperationState
from vendors.registry import vendor_choices
from vendors.types import Metric, TenantStatus, month_start

from .models import UsageAdjustment, UsageRecord

#: Metrics measured against what was purchased (the seat-like "used" figures).
MEASURED_METRICS = (Metric.SEATS_USED, Metric.POWER_USERS, Metric.ENDPOINTS)
FLAGS = ("overuse", "idle", "jump", "missing")
#: The flags of a review row (missing usage is a list of tenants, not a row flag).
ROW_FLAGS = ("overuse", "idle", "jump")
AMOUNT = DecimalField(max_digits=24, decimal_places=4)


def previous_period(period: dt.date) -> dt.date:
    return month_start(month_start(period) - dt.timedelta(days=1))


def next_period(period: dt.date) -> dt.date:
    return month_start(month_start(period) + dt.timedelta(days=32))


def recent_periods(*, count: int = 24, today: dt.date | None = None) -> list[dt.date]:
    """The month picker: the last ``count`` months, newest first (no query)."""
    period = month_start(today or dt.date.today())
    months = []
    for _ in range(count):
        months.append(period)
        period = previous_period(period)
    return months


@dataclass(frozen=True)
class ReviewFilter:
    """What the review page and export narrow to; every query starts from the user's scope."""

    period: dt.date
    vendor: str = ""
    reseller: Customer | None = None
    flag: str = ""

    def usage(self, user) -> QuerySet:
        qs = scoped_usage(user).filter(period=self.period)
        return self._narrow(qs, "tenant__")

    def tenants(self, user) -> QuerySet:
        return self._narrow(scoped_tenants(user), "")

    def _narrow(self, qs: QuerySet, prefix: str) -> QuerySet:
        if self.vendor:
            qs = qs.filter(**{f"{prefix}connection__vendor": self.vendor})
        if self.reseller is not None:
            qs = qs.filter(subtree_q(self.reseller.path, f"{prefix}customer__path"))
        return qs


def usage_missing_tenants(
    *, connection: VendorConnection | None = None, period: dt.date
) -> QuerySet:
    """Active tenants that existed at the vendor during the month, without any usage figure for it.

    Existence comes from the vendor where it says: the earliest subscription start it reports.
    Without one, a tenant the portal provisioned after the month ended did not exist in it; else
    it counts when the portal saw it before the month ended, or when the connection itself was
    added after that (the portal could not have seen it earlier). ``counts_because`` on each row
    says which. Trials and suspended tenants are not required: vendors report no billable usage
    for them (Redstor excludes trials, Egnyte keeps no trial history).
    """
    period = month_start(period)
    month_end = next_period(period)
    started = (
        Subscription.objects.filter(tenant=OuterRef("pk"), starts__isnull=False)
        .order_by("starts")
        .values("starts")[:1]
    )
    provisioned = (
        Operation.objects.filter(
            tenant=OuterRef("pk"),
            kind=OperationKind.CREATE_TENANT,
            state=OperationState.SUCCEEDED,
            finished_at__isnull=False,
        )
        .order_by("finished_at")
        .values("finished_at")[:1]
    )
    qs = (
        Tenant.objects.filter(status=TenantStatus.ACTIVE)
        .annotate(vendor_started=Subquery(started), provisioned_at=Subquery(provisioned))
        .filter(
            Q(vendor_started__lt=month_end)
            | Q(vendor_started__isnull=True)
            & (Q(provisioned_at__isnull=True) | Q(provisioned_at__date__lt=month_end))
            & (
                Q(first_seen_at__isnull=True)
                | Q(first_seen_at__date__lt=month_end)
                | Q(connection__created_at__date__gte=month_end)
            )
        )
    )
    if connection is not None:
        qs = qs.filter(connection=connection)
    has_usage = UsageRecord.objects.filter(tenant=OuterRef("pk"), period=period)
    return qs.exclude(Exists(has_usage))


def counts_because(tenant: Tenant, period: dt.date) -> str:
    """Why a tenant of ``usage_missing_tenants`` counts for the month, for the checklist."""
    month_end = next_period(month_start(period))
    started = getattr(tenant, "vendor_started", None)
    if started is not None:
        return f"The vendor reports a subscription since {started:%d %b %Y}."
    seen = tenant.first_seen_at
    if seen is not None and seen.date() < month_end:
        return f"The portal has seen it at the vendor since {seen:%d %b %Y}."
    return (
        "The vendor gives no start date and the connection was added after the month; "
        "it may have existed then."
    )


#: The review table in one statement. The inner query groups the month's figures per customer,
#: vendor, product and metric; the vendor's purchased figure and the previous month's figure are
#: found by the unique key (tenant, subscription_key, period, metric), once per figure; the flags
#: are computed once over its result. Hand-written: the ORM repeated the purchased/previous
#: subqueries inside each flag and took longer to compile than to run. Scalar subqueries rather
#: than LEFT JOINs: PostgreSQL planned the seven-table join for longer than it ran.
_ROWS_SQL = """{page}
SELECT r.customer_id, r.customer_name, r.vendor, r.product, r.metric, r.unit,
       r.used, r.purchased, r.previous, {flag_columns}
FROM (
    SELECT t.customer_id AS customer_id, {customer}.name AS customer_name, vc.vendor AS vendor,
           COALESCE(s.product_name, '') AS product, u.metric AS metric, u.unit AS unit,
           SUM(u.quantity) AS used,
           SUM(CASE WHEN u.metric IN ({measured}) THEN COALESCE(
               (SELECT bought.quantity FROM usage_usagerecord bought
                WHERE bought.tenant_id = u.tenant_id
                  AND bought.subscription_key = u.subscription_key
                  AND bought.period = u.period AND bought.metric = %s),
               CAST(NULLIF(s.seats, 0) AS NUMERIC(24, 4))) END) AS purchased,
           SUM((SELECT prev.quantity FROM usage_usagerecord prev
                WHERE prev.tenant_id = u.tenant_id
                  AND prev.subscription_key = u.subscription_key
                  AND prev.period = %s AND prev.metric = u.metric)) AS previous
    FROM {source}
    INNER JOIN catalog_vendorconnection vc ON vc.id = t.connection_id
    LEFT JOIN customers_subscription s ON s.id = u.subscription_id
    WHERE u.period = %s AND u.metric <> %s{where}
    GROUP BY t.customer_id, {customer}.name, vc.vendor, COALESCE(s.product_name, ''), u.metric,
             u.unit
) r{flag_where}
ORDER BY r.customer_name, r.customer_id, r.vendor, r.product, r.metric{limit}
"""

#: Every figure of the month (the flagged rows' source), with its tenant and customer.
_MONTH_SOURCE = """usage_usagerecord u
    INNER JOIN customers_tenant t ON t.id = u.tenant_id
    INNER JOIN customers_customer c ON c.id = t.customer_id"""

#: One page of customers (by name) having a row in the month, within scope and filters, and one
#: more to tell whether a next page exists. In the rows' statement, so a page is one round trip
#: and one plan: the rows start from these customers, then their tenants, then the
#: (tenant, period) index.
_PAGE_CTE = """WITH page AS (
    SELECT c.id AS id, c.name AS name FROM customers_customer c
    WHERE EXISTS (
        SELECT 1 FROM customers_tenant t CROSS JOIN usage_usagerecord u
        WHERE t.customer_id = c.id AND u.tenant_id = t.id AND u.period = %s
          AND u.metric <> %s{tenants}
    ){customers}
    ORDER BY c.name, c.id LIMIT %s OFFSET %s
)"""

#: CROSS JOIN keeps this order on SQLite (which otherwise reads the whole month by period and
#: looks for the page's tenants in it); PostgreSQL plans it as an inner join.
_PAGE_SOURCE = """page
    CROSS JOIN customers_tenant t
    CROSS JOIN usage_usagerecord u"""
_PAGE_JOIN = " AND t.customer_id = page.id AND u.tenant_id = t.id"


def _flag_conditions() -> dict[str, tuple[str, list]]:
    """Each row flag as SQL over the grouped row ``r``, with its thresholds (settings) as params.

    A threshold is cast to NUMERIC: SQLite would compare a number with a text parameter as text.
    """
    change = "ABS(r.used - r.previous)"
    threshold = "CAST(%s AS NUMERIC)"
    return {
        "overuse": (
            f"r.purchased IS NOT NULL AND r.used > r.purchased * {threshold}",
            [Decimal(settings.USAGE_OVERUSE_RATIO)],
        ),
        "idle": (
            f"r.purchased > 0 AND r.used < r.purchased * {threshold}",
            [Decimal(settings.USAGE_IDLE_RATIO)],
        ),
        "jump": (
            f"r.previous IS NOT NULL AND {change} >= {threshold}"
            f" AND {change} > r.previous * {threshold}",
            [Decimal(settings.USAGE_JUMP_MIN_DELTA), Decimal(settings.USAGE_JUMP_RATIO)],
        ),
    }


@dataclass(frozen=True)
class _Narrowing:
    """The user's scope and the filters as SQL: on customer ``c``, and the vendor's name."""

    customer_sql: str
    customer_params: tuple
    vendor: str


def _narrowing(*, user, filters: ReviewFilter) -> _Narrowing | None:
    """The user's scope and the filters; None: the user may see nothing.

    The scope is ``portal.accounts.scoping``'s own rule, compiled into a subquery on the
    customers (with the reseller filter's subtree), so the SQL cannot drift from the ORM.
    """
    if not can_view(user):
        return None
    condition = customer_scope(user) or Q()
    if filters.reseller is not None:
        condition &= subtree_q(filters.reseller.path, "path")
    if not condition:
        return _Narrowing("", (), filters.vendor)
    subquery, params = Customer.objects.filter(condition).values("pk").query.sql_with_params()
    return _Narrowing(f" AND c.id IN ({subquery})", tuple(params), filters.vendor)


def _rows_statement(
    *,
    filters: ReviewFilter,
    source: str,
    customer: str,
    where: tuple[str, list[object]],
    page: tuple[str, list] = ("", []),
    limit: tuple[str, list] = ("", []),
) -> tuple[str, list]:
    """The rows' SQL and params: figures ``u`` of tenants ``t`` from ``source``, narrowed by
    ``where``; ``page`` is a WITH clause before it, ``limit`` a clause after it."""
    flags = _flag_conditions()
    flag_columns, params = [], [*page[1]]
    for name in ROW_FLAGS:
        condition, condition_params = flags[name]
        flag_columns.append(f"CASE WHEN {condition} THEN 1 ELSE 0 END AS is_{name}")
        params += condition_params
    measured = [str(metric) for metric in MEASURED_METRICS]
    params += [*measured, str(Metric.SEATS_PURCHASED), previous_period(filters.period)]
    params += [filters.period, str(Metric.SEATS_PURCHASED), *where[1]]
    flag_where = ""
    if filters.flag in flags:
        condition, condition_params = flags[filters.flag]
        flag_where = f"\nWHERE {condition}"
        params += condition_params
    params += limit[1]
    sql = _ROWS_SQL.format(
        page=page[0],
        flag_columns=", ".join(flag_columns),
        customer=customer,
        measured=", ".join(["%s"] * len(measured)),
        source=source,
        where=where[0],
        flag_where=flag_where,
        limit=limit[0],
    )
    return sql, params


def usage_review_rows(
    *, user, filters: ReviewFilter, limit: int | None = None, offset: int = 0
) -> list[dict]:
    """Grouped rows (dicts) with purchased, used, previous and the flags, all computed in SQL."""
    narrowing = _narrowing(user=user, filters=filters)
    if narrowing is None:
        return []
    return _month_rows(
        filters=filters,
        narrowing=narrowing,
        limit=("\nLIMIT %s OFFSET %s", [limit, offset]) if limit is not None else ("", []),
    )


def _month_rows(
    *,
    filters: ReviewFilter,
    narrowing: _Narrowing,
    after: tuple[str, list] = ("", []),
    limit: tuple[str, list] = ("", []),
) -> list[dict]:
    """The month's grouped rows in one aggregate, for the customers ``after`` a point (if any)."""
    where, params = after[0] + narrowing.customer_sql, [*after[1], *narrowing.customer_params]
    if narrowing.vendor:
        where += " AND vc.vendor = %s"
        params.append(narrowing.vendor)
    sql, params = _rows_statement(
        filters=filters, source=_MONTH_SOURCE, customer="c", where=(where, params), limit=limit
    )
    return _fetch_rows(sql, params)


def usage_review_customer_rows(
    *, user, filters: ReviewFilter, page: int, size: int
) -> tuple[list[dict], bool]:
    """The rows of one page of ``size`` customers (by name); and whether more customers follow."""
    narrowing = _narrowing(user=user, filters=filters)
    if narrowing is None:
        return [], False
    tenants, page_params = "", [filters.period, str(Metric.SEATS_PURCHASED)]
    where: tuple[str, list[object]] = (_PAGE_JOIN, [])
    if narrowing.vendor:
        tenants = (
            " AND t.connection_id IN (SELECT id FROM catalog_vendorconnection WHERE vendor = %s)"
        )
        page_params.append(narrowing.vendor)
        where = (_PAGE_JOIN + " AND vc.vendor = %s", [narrowing.vendor])
    page_sql = _PAGE_CTE.format(tenants=tenants, customers=narrowing.customer_sql)
    page_params += [*narrowing.customer_params, size + 1, (page - 1) * size]
    sql, params = _rows_statement(
        filters=filters,
        source=_PAGE_SOURCE,
        customer="page",
        where=where,
        page=(page_sql, page_params),
    )
    rows = _fetch_rows(sql, params)
    # Every customer of the page has a row (the page asks for the same figures); the one more
    # than ``size`` comes last.
    customers = list(dict.fromkeys(row["customer_id"] for row in rows))
    if len(customers) <= size:
        return rows, False
    extra = customers[-1]
    return [row for row in rows if row["customer_id"] != extra], True


#: A stretch of customers in scope, by name then id, after the last one read (when any) and up
#: to the last of the stretch (when not the end): the flagged rows' walk (``_flagged_page``).
_STRETCH_CTE = """WITH page AS (
    SELECT c.id AS id, c.name AS name FROM customers_customer c
    WHERE 1 = 1{after}{until}{customers}
)"""
_STRETCH_END_SQL = """SELECT c.name, c.id FROM customers_customer c
WHERE 1 = 1{after}{customers}
ORDER BY c.name, c.id LIMIT 1 OFFSET %s"""
#: (name, id) after / up to a customer: a range on the name index, then the id for equal names.
_AFTER = " AND c.name >= %s AND (c.name > %s OR c.id > %s)"
_UNTIL = " AND c.name <= %s AND (c.name < %s OR c.id <= %s)"
#: Customers read by the first statement of a flagged page, per row wanted; each next stretch is
#: ``_STRETCH_GROWTH`` times longer; after ``_STRETCH_MAX`` customers, the rest in one aggregate.
_STRETCH_PER_ROW, _STRETCH_GROWTH, _STRETCH_MAX = 4, 4, 2_000


def _flagged_page(*, user, filters: ReviewFilter, page: int, size: int) -> tuple[list[dict], bool]:
    """One page of the rows having ``filters.flag``; and whether more follow.

    Flags are on a customer's sums, so no index finds them; aggregating the whole month before
    paging took seconds at 150,000 tenants. Instead the customers are read in the page's order
    (name, id), a stretch at a time, each stretch's flagged rows found in one statement (as a
    page of customers is), until the page and one more row are found: the cost follows the
    customers read, few when the flag is common, the whole month only when it is rare.
    """
    narrowing = _narrowing(user=user, filters=filters)
    if narrowing is None:
        return [], False
    where: tuple[str, list[object]] = (_PAGE_JOIN, [])
    if narrowing.vendor:
        where = (_PAGE_JOIN + " AND vc.vendor = %s", [narrowing.vendor])
    wanted = page * size + 1
    found: list[dict] = []
    after: tuple | None = None
    stretch, read = wanted * _STRETCH_PER_ROW, 0
    while len(found) < wanted:
        after_sql, after_params = ("", []) if after is None else (_AFTER, [after[0], *after])
        if read >= _STRETCH_MAX:  # a rare flag: the rest of the month in one aggregate
            found += _flagged_rest(
                filters=filters,
                narrowing=narrowing,
                after=(after_sql, after_params),
                limit=wanted - len(found),
            )
            break
        with connection.cursor() as cursor:
            cursor.execute(
                _STRETCH_END_SQL.format(after=after_sql, customers=narrowing.customer_sql),
                [*after_params, *narrowing.customer_params, stretch - 1],
            )
            end = cursor.fetchone()
        until_sql, until_params = ("", []) if end is None else (_UNTIL, [end[0], *end])
        page_sql = _STRETCH_CTE.format(
            after=after_sql, until=until_sql, customers=narrowing.customer_sql
        )
        sql, params = _rows_statement(
            filters=filters,
            source=_PAGE_SOURCE,
            customer="page",
            where=where,
            page=(page_sql, [*after_params, *until_params, *narrowing.customer_params]),
        )
        found += _fetch_rows(sql, params)
        if end is None:  # the last stretch reached the last customer
            break
        after, read = tuple(end), read + stretch
        stretch = max(1, min(stretch * _STRETCH_GROWTH, _STRETCH_MAX - read))
    start = (page - 1) * size
    return found[start : start + size], len(found) > start + size


def _flagged_rest(
    *, filters: ReviewFilter, narrowing: _Narrowing, after: tuple[str, list], limit: int
) -> list[dict]:
    """The first ``limit`` flagged rows of the customers ``after`` a walk: once the walk has read
    ``_STRETCH_MAX`` customers, the rest is read as the whole month is (one aggregate, which
    PostgreSQL runs in about half the time of walking it customer by customer)."""
    return _month_rows(
        filters=filters, narrowing=narrowing, after=after, limit=("\nLIMIT %s", [limit])
    )


def _fetch_rows(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            {
                "customer_id": customer_id,
                "customer_name": customer_name,
                "vendor": vendor,
                "product": product,
                "metric": metric,
                "unit": unit,
                "used": _amount(used),
                "purchased": _amount(purchased),
                "previous": _amount(previous),
                "is_overuse": bool(overuse),
                "is_idle": bool(idle),
                "is_jump": bool(jump),
            }
            for (
                customer_id,
                customer_name,
                vendor,
                product,
                metric,
                unit,
                used,
                purchased,
                previous,
                overuse,
                idle,
                jump,
            ) in cursor.fetchall()
        ]


_FLOAT_TO_DECIMAL = Context(prec=15).create_decimal_from_float


def _amount(value) -> Decimal | None:
    """A SQL sum as Decimal: PostgreSQL returns one; SQLite an int or float (read as the ORM does)."""
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, int | float):
        return _FLOAT_TO_DECIMAL(value)
    return Decimal(value)


def usage_review_page(*, user, filters: ReviewFilter, page: int = 1, size: int = 50) -> dict:
    """The table for one page: by customer when unflagged, else the flagged rows themselves."""
    if filters.flag in ROW_FLAGS:
        rows, has_next = _flagged_page(user=user, filters=filters, page=page, size=size)
    else:
        rows, has_next = usage_review_customer_rows(
            user=user, filters=filters, page=page, size=size
        )
    for row in rows:
        _decorate(row)
    return {"rows": rows, "page": page, "has_next": has_next, "has_previous": page > 1}


def _decorate(row: dict) -> None:
    """Display strings for one shown row (the flags themselves come from SQL).

    Formatted here rather than with template filters: a page shows hundreds of figures.
    """
    used, purchased, previous = row["used"], row["purchased"], row["previous"]
    row["utilization"] = f"{used * 100 / purchased:.0f}%" if purchased else "—"
    if previous:
        row["change"] = f"{(used - previous) * 100 / previous:+.0f}%"
    elif previous is not None:
        row["change"] = "new" if used else "0%"
    else:
        row["change"] = "—"
    unit = row["unit"]
    row["metric_label"] = humanize.label(row["metric"])
    row["used_text"] = humanize.quantity(used, unit)
    row["purchased_text"] = humanize.quantity(purchased, unit)
    row["previous_text"] = humanize.quantity(previous, unit)
    row["flags"] = [name for name in ROW_FLAGS if row[f"is_{name}"]]


plain_number = humanize.plain_number  # the CSV export's exact figures


def usage_totals(*, user, filters: ReviewFilter) -> list[dict]:
    """Totals per vendor and metric for the month (one GROUP BY)."""
    return list(
        filters.usage(user)
        .values("metric", "unit", vendor=F("tenant__connection__vendor"))
        .annotate(total=Sum("quantity"), rows=Count("pk"))
        .order_by("vendor", "metric")
    )


def usage_missing_by_connection(*, user, filters: ReviewFilter) -> dict[int, int]:
    """Active tenants without usage, counted per connection (within the user's scope)."""
    missing = usage_missing_tenants(period=filters.period).filter(
        pk__in=filters.tenants(user).values("pk")
    )
    return dict(
        missing.values("connection_id").annotate(n=Count("pk")).values_list("connection_id", "n")
    )


_NEWEST_SQL = "SELECT MAX(collected_at) FROM usage_usagerecord WHERE period = %s"


def usage_review_summary(*, user, filters: ReviewFilter) -> dict:
    """Totals, missing counts and the reseller picker, cached until the month's figures change (or the cache expires).

    The stamp is the newest ``collected_at`` of the month (an index lookup), so a collection,
    a correction or new figures show at once; tenant status changes show within
    ``USAGE_REVIEW_CACHE_SECONDS``.
    """
    with connection.cursor() as cursor:  # by hand: the ORM took longer to compile it than to run
        cursor.execute(_NEWEST_SQL, [filters.period])
        newest = _timestamp(cursor.fetchone()[0])
    reseller = user_reseller(user)
    key = "usage-summary:v2:" + ":".join(
        str(part)
        for part in (
            filters.period,
            filters.vendor,
            filters.reseller.pk if filters.reseller else "",
            newest.isoformat() if newest else "",
            f"scope-{reseller.pk}" if reseller else f"scope-{can_view(user)}",
        )
    )
    summary = cache.get(key)
    if summary is None:
        totals = usage_totals(user=user, filters=filters)
        for total in totals:  # formatted once per cached summary, not per request
            total["total_text"] = humanize.quantity(total["total"], total["unit"])
            total["metric_label"] = humanize.label(total["metric"])
        summary = {
            "totals": totals,
            "missing": usage_missing_by_connection(user=user, filters=filters),
            # The reseller picker (a scan of customers by kind), kept with the month's figures.
            "resellers": list(
                scoped_customers(user)
                .filter(kind=CustomerKind.RESELLER)
                .order_by("name")
                .values_list("pk", "name")
            ),
        }
        cache.set(key, summary, settings.USAGE_REVIEW_CACHE_SECONDS)
    return summary


#: The close checklist: each connection with tenants in scope, its close of the month (with who
#: closed and reopened it) and its corrections of the month. One statement: three ORM queries,
#: their compilation and the model instances were a third of the page's time.
_CONNECTIONS_SQL = """
SELECT vc.id, vc.vendor, vc.name, mc.is_closed, mc.closed_at, closer.{username},
       mc.reopened_at, opener.{username},
       (SELECT COUNT(*) FROM usage_usageadjustment a
        INNER JOIN customers_tenant at ON at.id = a.tenant_id
        WHERE a.period = %s AND at.connection_id = vc.id) AS adjustments
FROM catalog_vendorconnection vc
LEFT JOIN usage_monthclose mc ON mc.connection_id = vc.id AND mc.period = %s
LEFT JOIN {users} closer ON closer.id = mc.closed_by_id
LEFT JOIN {users} opener ON opener.id = mc.reopened_by_id
WHERE EXISTS (SELECT 1 FROM {tenants} WHERE t.connection_id = vc.id{where})
ORDER BY vc.vendor, vc.name
"""


def _column(model: type[Model], name: str) -> str:
    """The database column of a model's concrete field."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column is not None  # a concrete field
    return field.column


def usage_connections_state(*, user, filters: ReviewFilter, missing: dict[int, int]) -> list[dict]:
    """Each connection with tenants in scope: its state for the month (open, closed or reopened,
    with when and by whom), its missing count and its corrections since the close."""
    narrowing = _narrowing(user=user, filters=filters)
    if narrowing is None:
        return []
    where, params = narrowing.customer_sql, [*narrowing.customer_params]
    if narrowing.customer_sql:
        where += " AND t.customer_id = c.id"
    if narrowing.vendor:
        where += " AND vc.vendor = %s"
        params.append(narrowing.vendor)
    users = get_user_model()
    sql = _CONNECTIONS_SQL.format(
        users=connection.ops.quote_name(users._meta.db_table),
        username=connection.ops.quote_name(_column(users, users.USERNAME_FIELD)),
        # Narrowed to a reseller (the user's or the filter's): only the tenants of its subtree,
        # found from its customers (CROSS JOIN keeps that order on SQLite, which otherwise read
        # every tenant of the connection); else every tenant counts, unmatched ones too (as
        # ``scoped_tenants`` has them).
        tenants=(
            "customers_customer c CROSS JOIN customers_tenant t"
            if narrowing.customer_sql
            else "customers_tenant t"
        ),
        where=where,
    )
    labels = dict(vendor_choices())
    with connection.cursor() as cursor:
        cursor.execute(sql, [filters.period, filters.period, *params])
        return [
            {
                "id": pk,
                "vendor": vendor,
                "vendor_label": labels.get(vendor, vendor),
                "name": name,
                "state": "open" if is_closed is None else "closed" if is_closed else "reopened",
                "closed_at": _timestamp(closed_at),
                "closed_by": closed_by,
                "reopened_at": _timestamp(reopened_at),
                "reopened_by": reopened_by,
                "missing": missing.get(pk, 0),
                "adjustments": adjustments,
            }
            for (
                pk,
                vendor,
                name,
                is_closed,
                closed_at,
                closed_by,
                reopened_at,
                reopened_by,
                adjustments,
            ) in cursor.fetchall()
        ]


def _timestamp(value) -> dt.datetime | None:
    """A timestamp read by hand: PostgreSQL returns an aware datetime, SQLite UTC text."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def usage_customer_history(*, user, customer: Customer, end: dt.date, months: int = 12) -> dict:
    """A customer's monthly totals per vendor and metric over ``months`` months up to ``end``."""
    periods = sorted(recent_periods(count=months, today=end))
    rows = (
        scoped_usage(user)
        .filter(tenant__customer=customer, period__gte=periods[0], period__lte=periods[-1])
        .values("period", "metric", "unit", vendor=F("tenant__connection__vendor"))
        .annotate(total=Sum("quantity"))
        .order_by("vendor", "metric", "period")
    )
    series: dict[tuple[str, str, str], dict[dt.date, Decimal]] = {}
    for row in rows:
        series.setdefault((row["vendor"], row["metric"], row["unit"]), {})[row["period"]] = row[
            "total"
        ]
    return {"periods": periods, "series": series}


def usage_adjustments(*, user, filters: ReviewFilter) -> QuerySet:
    """Vendor corrections recorded for closed months, newest first."""
    qs = UsageAdjustment.objects.filter(period=filters.period, tenant__in=filters.tenants(user))
    return qs.select_related("tenant", "tenant__customer", "tenant__connection").order_by(
        "-detected_at"
    )


def scoped_usage(user, queryset: QuerySet | None = None) -> QuerySet:
    """Usage records in the user's scope."""
    return scoped(
        user, queryset if queryset is not None else UsageRecord.objects.all(), "tenant__customer__"
    )
