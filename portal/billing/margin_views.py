"""The margin report: frozen billing by vendor, reseller and month, with bar charts drawn on
the server as SVG (no script, no CDN; the CSP allows neither). Margins are the distributor's:
a scoped user is not shown this page at all."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from portal.accounts.decorators import viewer_required

from . import selectors
from .filters import MarginFilterSet
from .models import BillingLine
from .tables import MarginTable

#: Rows of the report shown (months by vendors by resellers); the charts use every row.
SHOWN = 500


@viewer_required
def margin_report(request: HttpRequest) -> HttpResponse:
    if not selectors.sees_cost(request.user):
        raise Http404("Margins are the distributor's.")
    lines = BillingLine.objects.all()
    filterset = MarginFilterSet(request.GET or None, queryset=lines, request=request)
    rows = selectors.margin_rows(filterset.qs if filterset.is_bound else lines)
    return render(
        request,
        "billing/margins.html",
        {
            "filter": filterset,
            "report": MarginTable(rows[:SHOWN], request=request),
            "more": len(rows) > SHOWN,
            "by_month": selectors.bars(rows, "run__period"),
            "by_vendor": selectors.bars(rows, "run__connection__vendor"),
            "by_reseller": selectors.bars(
                [{**r, "reseller__name": r["reseller__name"] or "(direct)"} for r in rows],
                "reseller__name",
            ),
        },
    )
