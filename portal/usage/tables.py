"""The usage review page's tables: the month's rows, totals, the close checklist, tenants
without usage and the corrections after a close (see ``portal/web/tables.py``)."""

from __future__ import annotations

from django.template.defaultfilters import date as date_filter

from portal.web.tables import Badge, Badges, Column, Date, Link, Number, Table, Template, local
from portal.web.templatetags.portal_tags import query

FLAG_BADGES = {
    "overuse": ("failed", "over-use"),
    "idle": ("suspended", "idle"),
    "jump": ("pending", "jump"),
}
#: A month's state at a connection, drawn as a badge of this status.
STATE_BADGES = {"closed": "active", "reopened": "pending", "open": "pending"}


def _period(table: Table) -> str:
    return f"?period={table.period}"


def _customer_link() -> Link:
    """The customer's usage history for the month on the page."""
    return Link("usage:customer", pk="customer_id", query=_period)


class ReviewTable(Table):
    """Per customer, vendor, product and metric (rows: ``selectors.usage_review_page``; the
    figures' texts are made there from numbers)."""

    attrs = {"id": "usage-table"}
    empty_text = "No rows."

    customer = Column("Customer", "customer_name", cell=_customer_link())
    vendor = Column("Vendor")
    product = Column("Product")
    metric = Column("Metric", "metric_label", note="unit", inline_note=True)
    purchased = Column("Purchased", "purchased_text", css="num")
    used = Column("Used", "used_text", css="num")
    utilization = Column("Utilization", css="num")
    previous = Column("Previous month", "previous_text", css="num")
    change = Column("Change", css="num")
    flags = Column("Flags", cell=Badges(FLAG_BADGES), empty="")


class TotalsTable(Table):
    """Totals per vendor and metric (``total_text``: the figure as ``floatformat:"-4g"``)."""

    attrs = {"id": "usage-totals"}

    vendor = Column("Vendor")
    metric = Column("Metric", "metric_label")
    total = Column("Total", "total_text", css="num")
    unit = Column("Unit")
    figures = Column("Figures", "rows", css="num")  # reads "rows": Table.rows keeps its name


def _when(c: dict) -> str | None:
    at, by = {"closed": ("closed_at", "closed_by"), "reopened": ("reopened_at", "reopened_by")}.get(
        c["state"], (None, None)
    )
    if at is None:
        return None
    return f"{date_filter(local(c[at]), 'Y-m-d H:i') if c[at] else ''} by {c[by] or 'system'}"


def _missing_text(c: dict) -> str | None:
    n = c["missing"]
    return f"{n} active tenant{'' if n == 1 else 's'}" if n else None


def _missing_url(c: dict, table: Table) -> str:
    return query({"request": table.request}, flag="missing", vendor=c["vendor"])


class ChecklistTable(Table):
    """The month-end close checklist (rows: ``selectors.usage_connections_state``): state,
    missing usage, corrections, and the close or reopen form."""

    name = Column("Connection", note="vendor_label", inline_note=True)
    state = Column(
        "State",
        lambda c: STATE_BADGES[c["state"]],
        cell=Badge(label="state"),
        note=_when,
        inline_note=True,
    )
    missing = Column("Missing usage", _missing_text, cell=Link(href=_missing_url), empty="none")
    adjustments = Column("Corrections since close")
    form = Column("", "state", cell=Template("usage/_close_form.html"))

    def row_attrs(self, row) -> dict:
        return {"data-connection": row["id"]}


class MissingTable(Table):
    """Active tenants without usage for the month (rows: tenants with connection, customer)."""

    attrs = {"id": "usage-missing"}
    empty_text = "Every active tenant has usage for the month."

    connection = Column("Connection", "connection.name")
    tenant = Column("Tenant", "name")
    external_id = Column("Vendor id")
    customer = Column("Customer", "customer.name", cell=_customer_link(), empty="unmatched")
    counts = Column("Counts because", "counts_because")
    flag = Column("Flag", lambda t: "missing", cell=Badge("failed"))


class AdjustmentTable(Table):
    """Vendor corrections after a close (rows: adjustments with tenant and connection)."""

    attrs = {"id": "usage-adjustments"}

    detected = Column("Detected", "detected_at", cell=Date("Y-m-d H:i"))
    tenant = Column("Tenant", "tenant.name", note="tenant.connection.name", inline_note=True)
    metric = Column("Metric")
    frozen = Column("Frozen", "frozen_quantity", cell=Number("-4g"), css="num")
    vendor_now = Column("Vendor now", "vendor_quantity", cell=Number("-4g"), css="num")
