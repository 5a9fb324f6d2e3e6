"""The staff pages' tables, each column declared once (see ``portal/web/tables.py``).

Each table reads the rows its page's selector fetched: ``.values()`` dicts for the big lists
(operations, discrepancies, sync runs), model instances loaded ``.only()`` what is shown, or the
selectors' dataclasses.
"""

from __future__ import annotations

from django.template.defaultfilters import capfirst, floatformat
from django.template.defaultfilters import date as date_filter

from portal.core.humanize import count, label
from portal.core.models import Source
from portal.customers.models import CustomerKind
from portal.operations.models import OperationKind
from portal.sync.models import Resolution, SyncScope

from .tables import (
    Badge,
    Choice,
    Column,
    Date,
    Link,
    Number,
    Pretty,
    Table,
    Template,
    Text,
    TimeSince,
    local,
)

KINDS = Choice(OperationKind.choices)
SOURCES = Choice(Source.choices)


def writable(table: Table) -> bool:
    return table.writable


class OperationTable(Table):
    """The operation ledger (rows: ``.values(*selectors.OPERATION_VALUES)``)."""

    number = Column("#", "pk", cell=Link("web:operation-detail", text="#{}"))
    kind = Column("Operation", cell=KINDS, note="tenant__name")
    state = Column("State", cell=Badge())
    customer = Column(
        "Customer", "customer__name", cell=Link("web:customer-detail", pk="customer_id")
    )
    connection = Column("Connection", "connection__name")
    attempts = Column("Attempts", css="num")
    last_error = Column("Last error", cell=Text(truncate=100), css="small")
    requested = Column(
        "Requested",
        "created_at",
        cell=Date(),
        css="small",
        note=Column(value="source", cell=SOURCES),
    )


def _where(d: dict) -> str:
    parts = [d["tenant__name"], d["tenant__connection__name"]]
    if d["subscription_id"]:
        parts.append(d["subscription__product_code"])
    return " · ".join(parts)


class DiscrepancyTable(Table):
    """Drift between what we set and what the vendor reports, with the three ways to resolve it
    (rows: ``.values(*selectors.DISCREPANCY_VALUES)``)."""

    where = Column(
        "Customer / tenant",
        "tenant__customer__name",
        cell=Link("web:customer-detail", pk="tenant__customer_id"),
        note=_where,
        empty="",
    )
    field = Column("Field")
    ours = Column("Ours")
    vendor_value = Column("Vendor's")
    status = Column(
        "Status",
        cell=Badge(),
        note=Column(value="resolution", cell=Choice(Resolution.choices)),
    )
    seen = Column(
        "Seen",
        "first_seen_at",
        cell=Date(),
        css="small",
        note=Column(value="last_seen_at", cell=TimeSince(prefix="last ")),
    )
    resolve = Column(
        "Resolve",
        lambda d: d["status"] if d["status"] == "open" else None,
        cell=Template("web/discrepancies/_resolve.html"),
        empty="",
        show=writable,
    )


def _took(run: dict):
    started, finished = run["started_at"], run["finished_at"]
    return finished - started if started and finished else None


class SyncRunTable(Table):
    """Sync runs, a live one with its polling progress bar (rows: ``.values(*SYNC_RUN_VALUES)``)."""

    number = Column("#", "pk", cell=Link("web:sync-detail", text="#{}"))
    connection = Column("Connection", "connection__name")
    scope = Column(
        "Scope",
        cell=Choice(SyncScope.choices),
        css="small",
        note=Column(value="period", cell=Date("M Y")),
        inline_note=True,
    )
    progress = Column(
        "Status / progress",
        "status",
        # A live run's progress bar polls itself (htmx); a finished run's is its status.
        cell=Template(
            "web/sync/_progress.html",
            row_name="run",
            when=lambda r: r["status"] in ("running", "queued"),
            otherwise=Badge(),
        ),
    )
    counts = Column(
        "Created / updated / unchanged / missing",
        lambda r: (
            f"{r['created_count']} / {r['updated_count']} / "
            f"{r['unchanged_count']} / {r['missing_count']}"
        ),
        css="num small",
    )
    errors = Column(
        "Errors",
        lambda r: len(r["errors"] or []) or (1 if r["error"] else 0),
        cell=Number(alert="failed"),
        css="num",
    )
    started = Column("Started", "started_at", cell=Date(), css="small")
    took = Column("Took", _took, css="small")


class UnmatchedTable(Table):
    """Tenants no customer owns (rows: tenants loaded ``.only(*UNMATCHED_COLUMNS)``)."""

    name = Column("Tenant")
    connection = Column("Connection", "connection.name")
    status = Column("Status", cell=Badge())
    external_id = Column("Vendor id", css="small")
    first_seen = Column("First seen", "first_seen_at", cell=Date("d M Y"), css="small")
    adopt = Column(
        "",
        "pk",
        cell=Link("web:unmatched-adopt", text="Adopt…", css="button secondary"),
        show=writable,
    )


class CustomerTable(Table):
    """The customer list (rows: ``selectors.CustomerRow``); indented by depth in the hierarchy."""

    name = Column(
        "Name",
        "customer.name",
        cell=Link("web:customer-detail", pk="customer.pk", indent="depth"),
        sort="name",
    )
    kind = Column("Kind", "customer.kind", cell=Choice(CustomerKind.choices))
    parent = Column(
        "Reseller",
        "customer.parent.name",
        cell=Link("web:customer-detail", pk="customer.parent_id"),
        empty="top level",
    )
    status = Column("Status", "customer.status", cell=Badge(), sort="status")
    tenants = Column("Tenants", css="num")
    vendors = Column("Vendors", lambda r: ", ".join(r.vendors), css="small")
    reference = Column("Reference", "customer.reference", css="small", note="customer.external_ref")


# -- dashboard and connections -------------------------------------------------------------------


def _latency(h) -> str | None:
    if h.avg_latency_ms is None:
        return None
    return f"{floatformat(h.avg_latency_ms, 0)} / {floatformat(h.max_latency_ms, 0)} ms"


def _health_seats(h) -> str:
    """Used / purchased; seats whose use the vendor does not report are never counted as
    unused: all of them unreported reads "not reported by <vendor>"."""
    if h.seats and h.seats_unreported >= h.seats:
        return f"not reported by {h.vendor_name} / {count(h.seats)}"
    return f"{count(h.seats_used)} / {count(h.seats)}"


def _health_seats_note(h) -> str | None:
    if 0 < h.seats_unreported < h.seats:
        return f"use of {count(h.seats_unreported)} not reported by {h.vendor_name}"
    return None


class ConnectionHealthTable(Table):
    """The dashboard's connections (rows: ``selectors.ConnectionHealth``)."""

    connection = Column(
        "Connection",
        "connection.name",
        cell=Link("web:connection-detail", pk="connection.pk"),
        note="vendor_name",
    )
    status = Column(
        "Status", "connection.sync_status", cell=Template("web/_connection_status.html")
    )
    success = Column(
        "Last successful sync",
        "connection.last_success_at",
        cell=Date(time=True),
        note=Column(value="connection.last_success_at", cell=TimeSince()),
        empty="never",
    )
    tenants = Column("Tenants", css="num")
    seats = Column("Seats (used / purchased)", _health_seats, note=_health_seats_note, css="num")
    calls = Column("Calls 24 h", css="num")
    errors = Column("Errors 24 h", cell=Template("web/_call_errors.html"), css="num")
    latency = Column("Latency avg / max", _latency, css="num")


class FailureTable(Table):
    """The dashboard's recent failed operations (rows: operations loaded ``.only()``)."""

    number = Column("#", "pk", cell=Link("web:operation-detail", text="#{}"))
    kind = Column("Operation", cell=KINDS)
    customer = Column(
        "Customer", "customer.name", cell=Link("web:customer-detail", pk="customer_id")
    )
    connection = Column("Connection", "connection.name")
    error = Column("Vendor's answer", "last_error", cell=Text(truncate=140), css="small")
    when = Column("When", "updated_at", cell=TimeSince(), css="small")


class ConnectionTable(Table):
    """The connection list (rows: ``selectors.ConnectionHealth``), with its actions."""

    connection = Column(
        "Connection", "connection.name", cell=Link("web:connection-detail", pk="connection.pk")
    )
    vendor = Column("Vendor", "vendor_name")
    status = Column(
        "Status", "connection.sync_status", cell=Template("web/_connection_status.html")
    )
    success = Column(
        "Last success", "connection.last_success_at", cell=TimeSince(), css="small", empty="never"
    )
    tenants = Column("Tenants", css="num")
    base_url = Column("Base URL", "connection.base_url", css="small")
    actions = Column("", "connection.pk", cell=Template("web/connections/_actions.html"))


class CapabilityMatrix(Table):
    """What each vendor's API can do (rows: ``(capability, [CapabilityInfo per vendor])``); a
    column per vendor."""

    capability = Column("Capability", lambda r: capfirst(r[0]), row_header=True)

    def __init__(self, rows, *, vendors: list[str], **context) -> None:
        super().__init__(rows, vendors=vendors, **context)
        self.shown = self.shown + [
            Column(
                vendor,
                lambda r, i=i: r[1][i].support.value,
                cell=Badge(),
                note=lambda r, i=i: r[1][i].note,
            )
            for i, vendor in enumerate(vendors)
        ]


class VendorCapabilityTable(Table):
    """One vendor's capabilities (rows: ``(capability, CapabilityInfo)``)."""

    capability = Column("Capability", lambda r: capfirst(r[0]), row_header=True)
    support = Column("Support", lambda r: r[1].support.value, cell=Badge())
    note = Column("Note", lambda r: r[1].note, css="small muted", empty="")


# -- customer page ---------------------------------------------------------------------------------


class CustomerOperationTable(Table):
    """A customer's recent operations (rows: operations loaded ``.only()``)."""

    number = Column("#", "pk", cell=Link("web:operation-detail", text="#{}"))
    kind = Column("Operation", cell=KINDS, note="connection.name")
    state = Column("State", cell=Badge())
    when = Column("When", "created_at", cell=TimeSince(), css="small")


class CustomerAuditTable(Table):
    """A customer's recent audit events (rows: events loaded ``.only()``)."""

    at = Column("When", cell=Date(), css="small")
    actor = Column("Who", "actor_label", css="small", note=Column(value="source", cell=SOURCES))
    action = Column("What", css="small", note=Column(value="object_repr", cell=Text(truncate=60)))


def _trial(card) -> str | None:
    s = card.subscription
    if not s.is_trial:
        return None
    return f"trial ends {date_filter(s.trial_ends, 'd M Y')}" if s.trial_ends else "trial"


def _seats(card) -> str:
    """Used / purchased; an unknown figure says so (never 0): used seats from the vendor's
    usage report when its subscription reading has none."""
    s = card.subscription
    missing = f"not reported by {card.vendor_name}"
    if s.seats_used is not None:
        used = count(s.seats_used)
    elif card.reported_used is not None:
        used = count(card.reported_used.quantity)
    else:
        used = missing
    return f"{used} / {missing if s.seats is None else count(s.seats)}"


def _seats_note(card) -> str | None:
    reported = card.reported_used
    if card.subscription.seats_used is not None or reported is None:
        return None
    return f"used: {date_filter(reported.period, 'M Y')} usage report"


class SubscriptionTable(Table):
    """A tenant card's subscriptions (rows: ``selectors.SubscriptionCard``), each followed by
    its actions."""

    product = Column(
        "Product",
        lambda c: c.subscription.product_name or c.subscription.product_code,
        note="subscription.product_code",
    )
    status = Column("Status", "subscription.status", cell=Badge(), note=_trial)
    seats = Column("Seats used / purchased", _seats, css="num", note=_seats_note)
    addons = Column(
        "Add-ons", lambda c: ", ".join(label(a) for a in c.subscription.addons or []), css="small"
    )
    term = Column(
        "Term",
        "subscription.term",
        css="small",
        note=lambda c: (
            f"until {date_filter(local(c.subscription.ends), 'd M Y')}"
            if c.subscription.ends
            else None
        ),
    )
    below = Column(value="actions", cell=Template("web/customers/_subscription_actions.html"))


# -- operations: batches and bulk plans --------------------------------------------------------------


class BatchOperationTable(Table):
    """A batch's operations (rows: operations with tenant and connection)."""

    number = Column("#", "pk", cell=Link("web:operation-detail", text="#{}"))
    tenant = Column("Tenant", "tenant.name")
    connection = Column("Connection", "connection.name")
    state = Column("State", cell=Badge())
    last_error = Column("Vendor's message", css="small")


class BulkPlanTable(Table):
    """A bulk suspend/resume dry run (rows: ``operations.selectors.PlanItem``)."""

    vendor = Column("Vendor", "vendor_name", note="connection")
    tenant = Column("Tenant")
    customer = Column("Customer")
    status = Column("Status now", cell=Badge())
    action = Column(
        "What will happen",
        lambda i: "pending" if i.will_run else "skip",
        cell=Badge(label=lambda i: i.action if i.will_run else "skip"),
        note=lambda i: None if i.will_run else i.reason,
        inline_note=True,
    )


class AttemptTable(Table):
    """An operation's attempts (rows: ``OperationAttempt``)."""

    number = Column("#")
    started = Column("Started", "started_at", cell=Date("H:i:s"), css="small")
    outcome = Column("Outcome", lambda a: a.outcome or "running", cell=Badge())
    http = Column("HTTP", "vendor_status")
    error = Column("Error", css="small", empty="")
    answer = Column(
        "Vendor's answer", "vendor_answer", cell=Pretty("answer"), css="small", empty=""
    )


class QuoteTable(Table):
    """A requested change's monthly sell price, line by line (``billing.quotes``)."""

    attrs = {"id": "quote-lines"}
    empty_text = "Nothing billed by the seat or per tenant."

    what = Column("Item")
    quantity = Column("Quantity", css="num")
    unit_price = Column("Unit price", cell=Number("-4"), css="num")
    amount = Column("Amount", cell=Number(2), css="num")
    currency = Column("Currency")
    source = Column("Price from")
