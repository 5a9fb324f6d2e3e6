"""The month's billing per connection: the frozen run's lines and totals, or (for distributor
staff, on a month not yet closed) the dry run of what closing it would freeze."""

from __future__ import annotations

from django.db.models import prefetch_related_objects
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render

from portal.accounts.decorators import viewer_required
from portal.catalog.models import VendorConnection
from portal.core.pagination import paginate
from portal.usage.collection import previous_month
from portal.usage.filters import parse_period

from . import selectors
from .export import billing_csv_response, billing_xlsx_response
from .runs import billing_preview
from .tables import LineTable, TotalTable

PAGE_SIZE = 50
#: A dry run is computed whole (its totals are complete); the page lists its first lines.
PREVIEW_SHOWN = 200


def _chosen(request: HttpRequest):
    """The month (default: the last one) and the connection (default: the first) asked for."""
    period = parse_period(request.GET.get("period", "")) or previous_month()
    connections = list(VendorConnection.objects.order_by("name"))
    chosen = next(
        (c for c in connections if str(c.pk) == request.GET.get("connection", "")),
        connections[0] if connections else None,
    )
    return period, connections, chosen


@viewer_required
def billing_month(request: HttpRequest) -> HttpResponse:
    period, connections, chosen = _chosen(request)
    sees_cost = selectors.sees_cost(request.user)
    context: dict = {
        "period": period,
        "connections": connections,
        "connection": chosen,
        "run": None,
        "preview": None,
        "sees_cost": sees_cost,
    }
    if chosen is not None:
        run = selectors.frozen_run(chosen, period)
        if run is not None:
            page = paginate(request, selectors.run_lines(request.user, run), PAGE_SIZE)
            context.update(
                run=run,
                page=page,
                lines=LineTable(page.object_list, request=request, sees_cost=sees_cost),
                totals=TotalTable(
                    selectors.run_totals(request.user, run), request=request, sees_cost=sees_cost
                ),
            )
        elif sees_cost:
            preview = billing_preview(chosen, period)
            shown = preview.lines[:PREVIEW_SHOWN]
            prefetch_related_objects(shown, "customer", "reseller")  # a query each, not a line
            context.update(
                preview=preview,
                preview_shown=PREVIEW_SHOWN,
                lines=LineTable(shown, request=request, sees_cost=True),
                totals=TotalTable(preview.total_rows(), request=request, sees_cost=True),
            )
    return render(request, "billing/month.html", context)


@viewer_required
def billing_export(request: HttpRequest) -> StreamingHttpResponse | FileResponse:
    """The frozen month's lines the user may see, as CSV, or XLSX with ``?format=xlsx`` (a
    month not closed has none)."""
    period, _, connection = _chosen(request)
    run = selectors.frozen_run(connection, period) if connection else None
    if connection is None or run is None:
        raise Http404("This month is not closed for this connection: nothing is frozen yet.")
    lines = selectors.run_lines(request.user, run)
    staff, name = selectors.sees_cost(request.user), f"billing-{connection.vendor}-{period:%Y-%m}"
    if request.GET.get("format") == "xlsx":
        return billing_xlsx_response(lines, staff=staff, filename=f"{name}.xlsx")
    return billing_csv_response(lines, staff=staff, filename=f"{name}.csv")
