"""List-page rows prepared in Python: each row's values, and its ``<tr>`` built once here.

A 50-row table that calls ``{% url %}``, ``{% badge %}``, ``|date`` and ``get_FOO_display`` per row
costs 15-40 ms to render, ten times the sign-in page; even a loop that only prints prepared values
costs 50-75 µs a row in the template engine (a variable lookup per cell). Here each page reverses
a URL once (then a string replace per row), formats dates with ``strftime``, builds badges once
per status, and renders each row with one ``html()`` call (every value escaped, as the template
would), the way the Django admin builds its change-list rows. The markup of each row sits beside
its values (the ``*_ROW`` strings); the table around it stays in the template.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from functools import lru_cache
from html import escape

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from portal.customers.models import CustomerKind
from portal.operations.models import Operation, OperationKind
from portal.sync.models import Discrepancy, SyncScope

_PLACEHOLDER = 987654321


def escaped(value: object) -> str:
    """``conditional_escape`` without its lazy-string wrappers (a few µs a value, ten values a
    row): safe strings pass through, anything else goes through ``html.escape`` like Django's."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


def html(template: str, /, *args: object, **kwargs: object) -> SafeString:
    """``format_html`` for row markup: every argument escaped unless already safe.

    ``SafeString(...)`` is what ``mark_safe`` returns for a ``str``, without its lazy wrapper."""
    return SafeString(
        template.format(*[escaped(a) for a in args], **{k: escaped(v) for k, v in kwargs.items()})
    )


class RowUrl:
    """A URL reversed once per page; each row swaps its own id in (reverse costs ~25 µs a call)."""

    def __init__(self, name: str, *extra: object) -> None:
        self._url = reverse(name, args=[_PLACEHOLDER, *extra])

    def __call__(self, pk: int) -> str:
        return self._url.replace(str(_PLACEHOLDER), str(pk), 1)


@lru_cache(maxsize=512)
def badge(status: object, label: str = "") -> str:
    """The same markup as ``{% badge %}``: one colour per status everywhere.

    Cached: a page of 50 rows holds a handful of distinct statuses (the result is a SafeString,
    immutable)."""
    value = str(status or "unknown")
    return html('<span class="badge badge-{}">{}</span>', value, label or value.replace("_", " "))


def short_time(value, tz=None) -> str:
    """``d M H:i`` in the current time zone (or ``tz``, looked up once per page by the caller),
    as the ``date`` filter would print it."""
    if not value:
        return ""
    return value.astimezone(tz or timezone.get_current_timezone()).strftime("%d %b %H:%M")


def _truncated(text: str, limit: int) -> str:
    """``Truncator(text).chars(limit)`` for plain text, without its per-call setup."""
    return text if len(text) <= limit else Truncator(text).chars(limit)


def age(value, now) -> str:
    """The largest unit of ``timesince`` ("3 hours", "2 days"), without its translation
    machinery (a tenth of a millisecond per call, per row)."""
    seconds = max(int((now - value).total_seconds()), 0)
    for unit, size in _AGE_UNITS:
        if seconds >= size:
            n = seconds // size
            return f"{n}\xa0{unit}{'' if n == 1 else 's'}"
    return "0\xa0minutes"


_AGE_UNITS = (
    ("year", 365 * 86400),
    ("month", 30 * 86400),
    ("week", 7 * 86400),
    ("day", 86400),
    ("hour", 3600),
    ("minute", 60),
)

#: The columns each list page prints (``.only()``): a row loads no JSON payload, secret or
#: timestamp it does not show, so each of its 50 rows costs a few model fields, not dozens.
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


def _labels(choices) -> dict[str, str]:
    return {str(value): str(label) for value, label in choices}


KIND_LABELS = _labels(OperationKind.choices)
KIND_LABELS_CUSTOMER = _labels(CustomerKind.choices)
SOURCE_LABELS = _labels(Operation._meta.get_field("source").choices)
SCOPE_LABELS = _labels(SyncScope.choices)
RESOLUTION_LABELS = _labels(Discrepancy._meta.get_field("resolution").choices)


def operation_rows(operations: Iterable[dict]) -> list[dict]:
    """Rows from ``.values(*OPERATION_VALUES)`` (no model instances: four per row otherwise)."""
    detail, customer = RowUrl("web:operation-detail"), RowUrl("web:customer-detail")
    tz = timezone.get_current_timezone()
    rows = [
        {
            "pk": op["pk"],
            "url": detail(op["pk"]),
            "kind": KIND_LABELS.get(op["kind"], op["kind"]),
            "tenant": op["tenant__name"] or "",
            "state": badge(op["state"]),
            "customer": op["customer__name"] or "",
            "customer_url": customer(op["customer_id"]) if op["customer_id"] else "",
            "connection": op["connection__name"] or "",
            "attempts": op["attempts"],
            "last_error": _truncated(op["last_error"], 100) if op["last_error"] else "—",
            "created": short_time(op["created_at"], tz),
            "source": SOURCE_LABELS.get(op["source"], op["source"]),
        }
        for op in operations
    ]
    for row in rows:
        row["html"] = html(
            OPERATION_ROW,
            **row,
            tenant_line=html(TENANT_LINE, row["tenant"]) if row["tenant"] else "",
            customer_cell=html(LINK, row["customer_url"], row["customer"])
            if row["customer_url"]
            else "—",
        )
    return rows


LINK = '<a href="{}">{}</a>'
TENANT_LINE = '<br><span class="small muted">{}</span>'
OPERATION_ROW = (
    '<tr><td><a href="{url}">#{pk}</a></td>'
    "<td>{kind}{tenant_line}</td>"
    "<td>{state}</td>"
    "<td>{customer_cell}</td>"
    "<td>{connection}</td>"
    '<td class="num">{attempts}</td>'
    '<td class="small">{last_error}</td>'
    '<td class="small">{created}<br><span class="muted">{source}</span></td></tr>\n'
)


def _resolve_form(action: str, label: str) -> str:
    return (
        f'<form method="post" action="{{{action}_url}}" class="inline" '
        f'data-confirm="{{{action}_confirm}}">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
        f'<button type="submit" class="secondary">{label}</button></form>'
    )


RESOLVE_ACTIONS = (
    '<div class="actions">\n'
    + _resolve_form("accept", "Accept vendor&#x27;s")
    + "\n"
    + _resolve_form("reapply", "Re-apply ours")
    + "\n"
    + _resolve_form("ignore", "Ignore")
    + "\n</div>"
)


def discrepancy_rows(
    discrepancies: Iterable[dict], *, writable: bool, csrf: str = ""
) -> list[dict]:
    """Rows from ``.values(*DISCREPANCY_VALUES)`` (no model instances: five per row otherwise).

    ``csrf``: the request's token (``get_token``), put in each of the three resolve forms, which
    are built here: three forms of template variables per row were a third of the render time.
    """
    customer = RowUrl("web:customer-detail")
    resolve = {
        action: RowUrl("web:discrepancy-resolve", action)
        for action in ("accept", "reapply", "ignore")
    }
    now, tz = timezone.now(), timezone.get_current_timezone()
    rows = []
    for d in discrepancies:
        pk, field, ours, theirs = d["pk"], d["field"], d["ours"], d["vendor_value"]
        customer_id = d["tenant__customer_id"]
        row = {
            "pk": pk,
            "customer": d["tenant__customer__name"] if customer_id else "",
            "customer_url": customer(customer_id) if customer_id else "",
            "where": " · ".join(
                [d["tenant__name"], d["tenant__connection__name"]]
                + ([d["subscription__product_code"]] if d["subscription_id"] else [])
            ),
            "status": badge(d["status"]),
            "resolution": RESOLUTION_LABELS.get(d["resolution"], d["resolution"])
            if d["resolution"]
            else "",
            "first_seen": short_time(d["first_seen_at"], tz),
            "last_seen": age(d["last_seen_at"], now) if d["last_seen_at"] else "",
            "actions": html(
                RESOLVE_ACTIONS,
                csrf=csrf,
                accept_url=resolve["accept"](pk),
                accept_confirm=f"Accept the vendor's {field} ({theirs}) as ours?",
                reapply_url=resolve["reapply"](pk),
                reapply_confirm=f"Send our {field} ({ours}) to the vendor again?",
                ignore_url=resolve["ignore"](pk),
                ignore_confirm=f"Stop tracking {field} for {d['tenant__name']}?",
            )
            if writable and d["status"] == "open"
            else "",
        }
        row["html"] = html(
            DISCREPANCY_ROW,
            where=row["where"],
            status=row["status"],
            first_seen=row["first_seen"],
            last_seen=row["last_seen"],
            actions=row["actions"],
            field=field,
            ours=ours,
            theirs=theirs,
            customer_line=html(LINK + "<br>", row["customer_url"], row["customer"])
            if customer_id
            else "",
            resolution_line=html('<br><span class="small">{}</span>', row["resolution"])
            if row["resolution"]
            else "",
        )
        rows.append(row)
    return rows


DISCREPANCY_ROW = (
    '<tr><td>{customer_line}<span class="small muted">{where}</span></td>'
    "<td>{field}</td><td>{ours}</td><td>{theirs}</td>"
    "<td>{status}{resolution_line}</td>"
    '<td class="small">{first_seen}<br>last {last_seen} ago</td>'
    "<td>{actions}</td></tr>\n"
)


def sync_rows(runs: Iterable[dict]) -> list[dict]:
    """Rows from ``.values(*SYNC_RUN_VALUES)`` (no model instances)."""
    detail = RowUrl("web:sync-detail")
    tz = timezone.get_current_timezone()
    rows = []
    for run in runs:
        errors = len(run["errors"] or []) or (1 if run["error"] else 0)
        status, started, finished = run["status"], run["started_at"], run["finished_at"]
        live = status in ("running", "queued")
        row = {
            "run": run,
            "url": detail(run["pk"]),
            "scope": SCOPE_LABELS.get(run["scope"], run["scope"])
            + (f" {run['period']:%b %Y}" if run["period"] else ""),
            "live": live,
            "status": badge(status),
            "errors": badge("failed", str(errors)) if errors else "0",
            "started": short_time(started, tz) or "—",
            "duration": finished - started if started and finished else "—",
        }
        row["html"] = html(
            SYNC_ROW,
            url=row["url"],
            pk=run["pk"],
            connection=run["connection__name"],
            scope=row["scope"],
            # A live run's progress bar (it polls itself with htmx) keeps its template; live
            # runs are a handful at most.
            progress=render_to_string("web/sync/_progress.html", {"run": run})
            if live
            else html(
                '<div class="sync-progress" data-status="{}">{}</div>', status, row["status"]
            ),
            counts=f"{run['created_count']} / {run['updated_count']} / "
            f"{run['unchanged_count']} / {run['missing_count']}",
            errors=row["errors"],
            started=row["started"],
            duration=row["duration"],
        )
        rows.append(row)
    return rows


SYNC_ROW = (
    '<tr><td><a href="{url}">#{pk}</a></td>'
    "<td>{connection}</td>"
    '<td class="small">{scope}</td>'
    "<td>{progress}</td>"
    '<td class="num small">{counts}</td>'
    '<td class="num">{errors}</td>'
    '<td class="small">{started}</td>'
    '<td class="small">{duration}</td></tr>\n'
)


def unmatched_rows(tenants: Iterable, *, writable: bool) -> list[dict]:
    adopt = RowUrl("web:unmatched-adopt")
    tz = timezone.get_current_timezone()
    rows = []
    for t in tenants:
        row = {
            "t": t,
            "connection": t.connection.name,
            "status": badge(t.status),
            "first_seen": t.first_seen_at.astimezone(tz).strftime("%d %b %Y")
            if t.first_seen_at
            else "—",
            "adopt_url": adopt(t.pk),
        }
        row["html"] = html(
            UNMATCHED_ROW,
            name=t.name,
            connection=row["connection"],
            status=row["status"],
            external_id=t.external_id,
            first_seen=row["first_seen"],
            adopt=html('<a class="button secondary" href="{}">Adopt…</a>', row["adopt_url"])
            if writable
            else "",
        )
        rows.append(row)
    return rows


UNMATCHED_ROW = (
    "<tr><td>{name}</td><td>{connection}</td><td>{status}</td>"
    '<td class="small">{external_id}</td><td class="small">{first_seen}</td>'
    "<td>{adopt}</td></tr>\n"
)


def customer_row_html(row, *, hierarchy: bool) -> SafeString:
    """One customer's ``<tr>`` (``row``: a ``selectors.CustomerRow``)."""
    c = row.customer
    indent = (
        html(
            '<span class="tree-indent" style="padding-left: {}rem" aria-hidden="true"></span>{}',
            row.depth,
            "└ " if row.depth else "",
        )
        if hierarchy
        else ""
    )
    return html(
        CUSTOMER_ROW,
        indent=indent,
        url=row.url,
        name=c.name,
        kind=row.kind,
        parent=html(LINK, row.parent_url, c.parent.name)
        if row.parent_url
        else mark_safe('<span class="muted">top level</span>'),
        status=row.status,
        tenants=row.tenants,
        vendors=", ".join(row.vendors) or "—",
        reference=c.reference,
        external_ref=html("<br>{}", c.external_ref) if c.external_ref else "",
    )


CUSTOMER_ROW = (
    '<tr><td>{indent}<a href="{url}">{name}</a></td>'
    "<td>{kind}</td>"
    "<td>{parent}</td>"
    "<td>{status}</td>"
    '<td class="num">{tenants}</td>'
    '<td class="small">{vendors}</td>'
    '<td class="small">{reference}{external_ref}</td></tr>\n'
)


def history_rows(operations: Iterable, events: Iterable) -> tuple[SafeString, SafeString]:
    """A customer's recent operations and audit events as table rows (the customer page)."""
    detail = RowUrl("web:operation-detail")
    now, tz = timezone.now(), timezone.get_current_timezone()
    ops = "".join(
        html(
            OPERATION_HISTORY_ROW,
            url=detail(op.pk),
            pk=op.pk,
            kind=KIND_LABELS.get(op.kind, op.kind),
            connection=op.connection.name,
            state=badge(op.state),
            age=age(op.created_at, now),
        )
        for op in operations
    )
    audit = "".join(
        html(
            AUDIT_HISTORY_ROW,
            at=short_time(e.at, tz),
            actor=e.actor_label,
            source=SOURCE_LABELS.get(e.source, e.source),
            action=e.action,
            object=_truncated(e.object_repr, 60),
        )
        for e in events
    )
    return mark_safe(ops), mark_safe(audit)  # noqa: S308 - each row built by html()


OPERATION_HISTORY_ROW = (
    '<tr><td><a href="{url}">#{pk}</a></td>'
    '<td>{kind}<br><span class="small muted">{connection}</span></td>'
    '<td>{state}</td><td class="small">{age} ago</td></tr>\n'
)
AUDIT_HISTORY_ROW = (
    '<tr><td class="small">{at}</td>'
    '<td class="small">{actor}<br><span class="muted">{source}</span></td>'
    '<td class="small">{action}<br><span class="muted">{object}</span></td></tr>\n'
)


def card_actions(cards: Iterable, *, csrf: str) -> None:
    """Give every action of the customer page's tenant cards its markup (``action.html``): a
    link or a confirmed form when enabled, a disabled button with its reason otherwise. Built
    here, the cards render without a ``{% url %}`` and a dozen variables per button."""
    urls: dict[tuple[str, str], RowUrl] = {}  # one reverse() per action kind on the page

    def url(name: str, kind: str) -> RowUrl:
        if (name, kind) not in urls:
            urls[name, kind] = RowUrl(name, kind)
        return urls[name, kind]

    for card in cards:
        tenant = card.tenant
        for kind, action in card.actions.items():
            if action.enabled:
                confirm = f"{action.label} {tenant.name} at {card.vendor_name}?"
                if kind == "cancel":
                    confirm += " The vendor does not undo a cancellation."
                action.html = html(
                    TENANT_ACTION_FORM,
                    url=url("web:tenant-action", kind)(tenant.pk),
                    confirm=confirm,
                    csrf=csrf,
                    key=f"page-{uuid.uuid4()}",
                    style="danger" if kind in ("cancel", "suspend") else "secondary",
                    label=action.label,
                )
            else:
                action.html = html(DISABLED_ACTION, why=f"why-t{tenant.pk}-{kind}", **_said(action))
        for sub_card in card.subscriptions:
            sub = sub_card.subscription
            for kind, action in sub_card.actions.items():
                action.html = (
                    html(SUBSCRIPTION_ACTION_LINK, url=url("web:subscription-action", kind)(sub.pk),
                         label=action.label)
                    if action.enabled
                    else html(DISABLED_ACTION, why=f"why-{sub.pk}-{kind}", **_said(action))
                )  # fmt: skip


def _said(action) -> dict:
    return {"label": action.label, "reason": action.reason}


TENANT_ACTION_FORM = (
    '<form method="post" action="{url}" class="inline" data-confirm="{confirm}">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
    '<input type="hidden" name="idempotency_key" value="{key}">'
    '<button type="submit" class="{style}">{label}</button></form>\n'
)
SUBSCRIPTION_ACTION_LINK = '<a class="button secondary" href="{url}">{label}</a>\n'
DISABLED_ACTION = (
    '<button type="button" disabled aria-describedby="{why}">{label}</button>\n'
    '<span class="disabled-reason" id="{why}">{reason}</span>\n'
)


def child_items(children: Iterable) -> SafeString:
    """A reseller's customers as list items (name linked, status badge)."""
    detail = RowUrl("web:customer-detail")
    return mark_safe(  # noqa: S308 - each item built by html()
        "".join(
            html('<li><a href="{}">{}</a> {}</li>', detail(c.pk), c.name, badge(c.status))
            for c in children
        )
    )


def health_rows(health: Iterable) -> SafeString:
    """The dashboard's connection table rows (``selectors.ConnectionHealth`` each)."""
    detail = RowUrl("web:connection-detail")
    now, tz = timezone.now(), timezone.get_current_timezone()
    parts = []
    for h in health:
        c = h.connection
        status = (
            badge(c.sync_status, c.get_sync_status_display()) if c.enabled else badge("disabled")
        )
        if h.running:
            total = f" / {h.running.items_total}" if h.running.items_total else ""
            status += html('<div class="small">sync running: {}{} items</div>', h.running.items_seen, total)  # fmt: skip
        if c.last_error and c.sync_status != "ok":
            status += html('<div class="small muted">{}</div>', _truncated(c.last_error, 90))
        success = c.last_success_at
        parts.append(
            html(
                HEALTH_ROW,
                url=detail(c.pk),
                name=c.name,
                vendor=h.vendor_name,
                status=mark_safe(status),  # noqa: S308 - badges and html() parts
                success=html(
                    '<time datetime="{}">{}</time><br><span class="small muted">{} ago</span>',
                    success.astimezone(tz).isoformat(),
                    short_time(success, tz),
                    age(success, now),
                )
                if success
                else mark_safe('<span class="muted">never</span>'),
                tenants=h.tenants,
                seats_used=h.seats_used,
                seats=h.seats,
                calls=h.calls,
                errors=badge("failed", str(h.errors)) if h.errors else "0",
                latency=f"{_whole(h.avg_latency_ms)} / {_whole(h.max_latency_ms)} ms"
                if h.avg_latency_ms is not None
                else "—",
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - each row built by html()


def _whole(value) -> str:
    """``floatformat:0``: rounded half away from zero."""
    if value is None:
        return ""
    return str(int(value + 0.5) if value >= 0 else -int(-value + 0.5))


HEALTH_ROW = (
    '<tr><td><a href="{url}">{name}</a><br><span class="small muted">{vendor}</span></td>'
    "<td>{status}</td><td>{success}</td>"
    '<td class="num">{tenants}</td><td class="num">{seats_used} / {seats}</td>'
    '<td class="num">{calls}</td><td class="num">{errors}</td><td class="num">{latency}</td></tr>\n'
)


def failure_rows(operations: Iterable) -> SafeString:
    """The dashboard's recent failed operations."""
    detail, customer = RowUrl("web:operation-detail"), RowUrl("web:customer-detail")
    now = timezone.now()
    return mark_safe(  # noqa: S308 - each row built by html()
        "".join(
            html(
                FAILURE_ROW,
                url=detail(op.pk),
                pk=op.pk,
                kind=KIND_LABELS.get(op.kind, op.kind),
                customer=html(LINK, customer(op.customer_id), op.customer.name)
                if op.customer_id
                else "—",
                connection=op.connection.name,
                error=_truncated(op.last_error, 140),
                age=age(op.updated_at, now),
            )
            for op in operations
        )
    )


FAILURE_ROW = (
    '<tr><td><a href="{url}">#{pk}</a></td><td>{kind}</td><td>{customer}</td>'
    '<td>{connection}</td><td class="small">{error}</td><td class="small">{age} ago</td></tr>\n'
)


def audit_rows(events: Iterable) -> SafeString:
    """Audit events as table rows (the audit page and object histories), each with its detail
    folded away; the detail is printed as the ``pprint`` filter prints it."""
    from pprint import pformat

    tz = timezone.get_current_timezone()
    rows = []
    for e in events:
        at = e.at.astimezone(tz)
        rows.append(
            html(
                AUDIT_ROW,
                iso=at.isoformat(),
                at=f"{at:%Y-%m-%d %H:%M:%S}",
                actor=e.actor_label,
                source=SOURCE_LABELS.get(e.source, e.source),
                action=e.action,
                object=html(
                    '<span class="small muted">{} #{}</span><br>', e.object_type, e.object_id
                )
                if e.object_type
                else "",
                object_repr=e.object_repr,
                customer=e.customer.name if e.customer_id else "",
                detail=html(
                    '<details><summary>Detail</summary><pre class="small">{}</pre></details>',
                    pformat(e.detail),
                )
                if e.detail
                else "",
            )
        )
    return SafeString("".join(rows))


AUDIT_ROW = (
    '<tr><td><time datetime="{iso}">{at}</time></td><td>{actor}</td><td>{source}</td>'
    "<td><code>{action}</code></td><td>{object}{object_repr}</td><td>{customer}</td>"
    "<td>{detail}</td></tr>\n"
)
