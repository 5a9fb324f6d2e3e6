"""The review page's repeated markup, built in Python with every value escaped.

A page shows about 75 table rows, 15 totals and a row per connection. Through template tags and
filters (``url``, ``csrf_token``, ``query``, ``badge``, ``floatformat``, ``date``) per row that
was most of the page's time; here URLs are reversed and the CSRF token taken once per page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from html import escape

from django.http import HttpRequest
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString, mark_safe

from portal.web.templatetags.portal_tags import query
from portal.web.widgets import option_tags

_FLAG_BADGES = {
    "overuse": '<span class="badge badge-failed">over-use</span> ',
    "idle": '<span class="badge badge-suspended">idle</span> ',
    "jump": '<span class="badge badge-pending">jump</span> ',
}
_STATE_BADGES = {
    "closed": '<span class="badge badge-active">closed</span>',
    "reopened": '<span class="badge badge-pending">reopened</span>',
    "open": '<span class="badge badge-pending">open</span>',
}


def options(choices: Iterable[tuple[object, object]], selected: object) -> SafeString:
    """<option> tags (escaped, cached per process), ``selected`` marked: a picker may list
    hundreds of resellers. The same cache as the staff pages' filter selects."""
    values = set() if selected is None else {str(selected)}
    return mark_safe(option_tags(choices, values) or "")  # noqa: S308 - escaped in option_tags


def table_rows(rows: list[dict], *, history_base: str, period: str) -> SafeString:
    """The review table's <tr> lines (about 75 rows of ten cells a page).

    The figures (``*_text``, utilization, change) are made by ``selectors._decorate`` from
    numbers only, so they are not escaped again.
    """
    query = escape(f"/?period={period}")
    base = escape(history_base)
    lines = []
    for r in rows:
        lines.append(
            f'<tr><td><a href="{base}{int(r["customer_id"])}{query}">{escape(r["customer_name"])}</a></td>'
            f"<td>{escape(r['vendor'])}</td><td>{escape(r['product'] or '—')}</td>"
            f'<td>{escape(r["metric"])} <span class="muted small">{escape(r["unit"])}</span></td>'
            f'<td class="num">{r["purchased_text"]}</td><td class="num">{r["used_text"]}</td>'
            f'<td class="num">{r["utilization"]}</td><td class="num">{r["previous_text"]}</td>'
            f'<td class="num">{r["change"]}</td>'
            f"<td>{''.join(_FLAG_BADGES[f] for f in r['flags'])}</td></tr>"
        )
    return mark_safe("\n".join(lines))  # noqa: S308  (built above from escaped values)


def totals_rows(totals: list[dict]) -> SafeString:
    """Totals per vendor and metric (``total_text``: the figure as ``floatformat:"-4g"``)."""
    return mark_safe(  # noqa: S308  (every value escaped here)
        "".join(
            f"<tr><td>{escape(t['vendor'])}</td><td>{escape(t['metric'])}</td>"
            f'<td class="num">{escape(t["total_text"])}</td>'
            f'<td>{escape(t["unit"])}</td><td class="num">{int(t["rows"])}</td></tr>'
            for t in totals
        )
    )


def _when(value: dt.datetime | None) -> str:
    """``Y-m-d H:i`` in the current time zone, as the ``date`` filter prints it."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def connection_rows(
    connections: list[dict],
    *,
    request: HttpRequest,
    csrf_token: str,
    period: dt.date,
    can_close: bool,
    can_reopen: bool,
) -> SafeString:
    """The close checklist's <tr> lines: state, missing usage, corrections, close/reopen form."""
    csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
    month = f'<input type="hidden" name="period" value="{period:%Y-%m}">'
    close_url, reopen_url = escape(reverse("usage:close")), escape(reverse("usage:reopen"))
    close_label = f"Close {escape(dateformat.format(period, 'M Y'))}"
    lines = []
    for c in connections:
        pk, state = int(c["id"]), c["state"]
        hidden = f'<input type="hidden" name="connection" value="{pk}">{month}'
        if state == "closed":
            when = f"{_when(c['closed_at'])} by {escape(c['closed_by'] or 'system')}"
        elif state == "reopened":
            when = f"{_when(c['reopened_at'])} by {escape(c['reopened_by'] or 'system')}"
        else:
            when = ""
        if when:
            when = f' <span class="small muted">{when}</span>'
        if c["missing"]:
            link = escape(query({"request": request}, flag="missing", vendor=c["vendor"]))
            plural = "" if c["missing"] == 1 else "s"
            missing = f'<a href="{link}">{int(c["missing"])} active tenant{plural}</a>'
        else:
            missing = "none"
        form = ""
        if state == "closed" and can_reopen:
            form = (
                f'<form method="post" action="{reopen_url}" class="inline">{csrf}{hidden}'
                '<label class="small">Reason <input name="reason" maxlength="300"></label> '
                '<button type="submit" class="secondary">Reopen</button></form>'
            )
        elif state != "closed" and can_close:
            form = (
                f'<form method="post" action="{close_url}" class="inline">{csrf}{hidden}'
                f'<button type="submit">{close_label}</button></form>'
            )
        lines.append(
            f'<tr data-connection="{pk}"><td>{escape(c["name"])} '
            f'<span class="muted small">{escape(c["vendor_label"])}</span></td>'
            f"<td>{_STATE_BADGES[state]}{when}</td><td>{missing}</td>"
            f"<td>{int(c['adjustments'])}</td><td>{form}</td></tr>"
        )
    return mark_safe("\n".join(lines))  # noqa: S308  (built above from escaped values)
