"""Usage review pages: the month's figures with flags, close/reopen, CSV export, a customer's history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal.accounts.decorators import manager_required, viewer_required, writer_required
from portal.accounts.scoping import (
    can_manage,
    can_write,
    get_in_scope_or_404,
    scoped_customers,
    user_reseller,
)
from portal.billing.services import billing_month_close, billing_month_reopen
from portal.catalog.models import VendorConnection
from portal.usage.collection import previous_month
from portal.usage.selectors import scoped_usage
from portal.web.templatetags.portal_tags import query
from portal.web.widgets import options
from vendors.registry import vendor_choices

from . import selectors
from .export import usage_csv_response
from .filters import UsageFilterSet, parse_period
from .models import UsageAdjustment, UsageRecord
from .selectors import FLAGS, ReviewFilter
from .services import UsageCloseError, UsageCloseRefused
from .tables import AdjustmentTable, ChecklistTable, MissingTable, ReviewTable, TotalsTable

PAGE_SIZE = 25  # customers per page (each has a row per vendor, product and metric)
FLAG_LABELS = dict(
    zip(FLAGS, ("Over-use", "Idle licences", "Large change", "Missing usage"), strict=True)
)


def _filters(request: HttpRequest) -> tuple[UsageFilterSet, ReviewFilter]:
    filterset = UsageFilterSet(request.GET, queryset=UsageRecord.objects.none(), request=request)
    data = filterset.form.cleaned_data if filterset.form.is_valid() else {}
    return filterset, _review_filter(request, data)


def _review_filter(request: HttpRequest, data: dict) -> ReviewFilter:
    flag = request.GET.get("flag", "")
    return ReviewFilter(
        period=data.get("period") or previous_month(),
        vendor=data.get("vendor") or "",
        reseller=data.get("reseller"),
        flag=flag if flag in FLAGS else "",
    )


#: The query the review page usually gets: read without the FilterSet (see ``_page_filters``).
_PLAIN_PARAMS = frozenset({"period", "vendor", "flag", "page"})


def _page_filters(request: HttpRequest) -> ReviewFilter:
    """The review page's filters, as the shared FilterSet reads them.

    A query of month, vendor, flag and page only, with values the FilterSet accepts, is read
    here: the FilterSet's form costs about 1 ms a request (it deep-copies its six filters and
    their fields). Anything else goes through the FilterSet, which keeps its rule that one
    invalid filter drops them all.
    """
    params = request.GET
    if params.keys() <= _PLAIN_PARAMS:
        text = params.get("period", "").strip()
        period = parse_period(text) if text else None
        vendor = params.get("vendor", "")
        if (period or not text) and (not vendor or vendor in dict(vendor_choices())):
            return _review_filter(request, {"period": period, "vendor": vendor})
    return _filters(request)[1]


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


@viewer_required
def usage_review(request: HttpRequest) -> HttpResponse:
    filters = _page_filters(request)
    user, here = request.user, {"request": request}
    summary = selectors.usage_review_summary(user=user, filters=filters)
    distributor = user_reseller(user) is None
    connections = (
        selectors.usage_connections_state(user=user, filters=filters, missing=summary["missing"])
        if distributor
        else []
    )
    # A correction belongs to a tenant of a listed connection, which counts it: when none
    # counts any, the list is empty without asking (the usual month; saves a five-table query).
    adjustments: Iterable[UsageAdjustment]  # a list, or a sliced queryset
    if distributor and not any(c["adjustments"] for c in connections):
        adjustments = []
    else:
        adjustments = selectors.usage_adjustments(user=user, filters=filters)[:50]
    period = f"{filters.period:%Y-%m}"
    context = {
        "flag_options": options(FLAG_LABELS.items(), filters.flag),
        "vendor_options": options(vendor_choices(), filters.vendor),
        "reseller_options": options(
            summary["resellers"], filters.reseller.pk if filters.reseller else None
        ),
        "filters": filters,
        "period_options": options(
            ((f"{p:%Y-%m}", f"{p:%B %Y}") for p in selectors.recent_periods()), period
        ),
        "period_param": period,
        "period_label": f"{filters.period:%B %Y}",
        # Links as the ``query`` tag makes them, once per page.
        "export_url": reverse("usage:export")
        + query(here, flag=None, page=None)
        + ("" if request.GET.get("period") else f"&period={filters.period:%Y-%m}"),
        "missing_url": query(here, flag="missing"),
        "totals": TotalsTable(summary["totals"]),
        "connections": ChecklistTable(
            connections,
            request=request,
            period=period,
            month=filters.period,
            can_close=can_write(user),  # only distributor staff see the checklist
            can_reopen=can_manage(user),
        ),
        "missing_total": sum(summary["missing"].values()),
        "adjustments": AdjustmentTable(adjustments),
    }
    if filters.flag == "missing":
        missing = (
            selectors.usage_missing_tenants(period=filters.period)
            .filter(pk__in=filters.tenants(user).values("pk"))
            .select_related("connection", "customer")
            .order_by("connection__name", "name", "pk")
        )
        page = Paginator(missing, PAGE_SIZE).get_page(request.GET.get("page"))
        for tenant in page.object_list:
            tenant.counts_because = selectors.counts_because(tenant, filters.period)
        context["missing_page"] = page
        context["missing"] = MissingTable(page.object_list, period=period)
    else:
        table = selectors.usage_review_page(
            user=user, filters=filters, page=_page_number(request), size=PAGE_SIZE
        )
        context["table"] = table
        context["previous_url"] = query(here, page=table["page"] - 1)
        context["next_url"] = query(here, page=table["page"] + 1)
        context["rows"] = ReviewTable(
            table["rows"],
            period=period,
            empty_text="No rows with this flag." if filters.flag else "No rows.",
        )
    return render(request, "usage/review.html", context)


@viewer_required
def usage_export(request: HttpRequest):
    """The month's rows as CSV, with the same filters as the page (the flag does not apply)."""
    filterset, filters = _filters(request)
    queryset = (
        filterset.filter_queryset(scoped_usage(request.user)) if filterset.is_valid() else None
    )
    if queryset is None:
        queryset = scoped_usage(request.user).none()
    queryset = queryset.filter(period=filters.period)
    return usage_csv_response(queryset, filename=f"usage-{filters.period:%Y-%m}.csv")


@viewer_required
def usage_customer_history(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_in_scope_or_404(scoped_customers(request.user), pk=pk)
    end = parse_period(request.GET.get("period", "")) or previous_month()
    history = selectors.usage_customer_history(user=request.user, customer=customer, end=end)
    charts = [
        {"vendor": vendor, "metric": metric, "unit": unit, **_bars(history["periods"], values)}
        for (vendor, metric, unit), values in history["series"].items()
    ]
    return render(
        request,
        "usage/customer_history.html",
        {"customer": customer, "charts": charts, "end": end, "periods": history["periods"]},
    )


def _bars(periods: list[dt.date], values: dict[dt.date, Decimal]) -> dict:
    """Geometry of a small inline SVG bar chart (no chart library is vendored)."""
    width, height, top = 36, 120, 16
    peak = max(values.values(), default=0) or 1
    bars = []
    for index, period in enumerate(periods):
        value = values.get(period)
        size = int(height * (value or 0) / peak)
        bars.append(
            {
                "x": index * width + 4,
                "y": top + height - size,
                "h": size,
                "label": f"{period:%b}",
                "label_y": top + height + 12,
                "text_x": index * width + 4 + (width - 8) // 2,
                "value": value,
                "period": period,
            }
        )
    return {
        "bars": bars,
        "width": len(periods) * width + 8,
        "height": top + height + 20,
        "bar_w": width - 8,
    }


def _back(request: HttpRequest, period: dt.date) -> HttpResponse:
    return redirect(f"{reverse('usage:review')}?period={period:%Y-%m}")


@writer_required
@require_POST
def usage_close(request: HttpRequest) -> HttpResponse:
    """Close a month in two steps: a page saying what will be frozen (and what is missing), then
    the confirmed close; a distributor admin may close with tenants left by giving a reason."""
    period = parse_period(request.POST.get("period", "")) or previous_month()
    connection = get_object_or_404(VendorConnection, pk=request.POST.get("connection"))
    reason = request.POST.get("reason", "").strip()
    if request.POST.get("confirmed") != "yes":
        missing = selectors.usage_missing_tenants(connection=connection, period=period)
        listed = list(missing.select_related("connection", "customer").order_by("name", "pk")[:50])
        for tenant in listed:
            tenant.counts_because = selectors.counts_because(tenant, period)
        context = {
            "connection": connection,
            "period": period,
            "period_param": f"{period:%Y-%m}",
            "missing_count": missing.count(),
            "missing": MissingTable(listed, period=f"{period:%Y-%m}"),
            "rows": UsageRecord.objects.filter(
                tenant__connection=connection, period=period
            ).count(),
            "can_override": can_manage(request.user),
        }
        return render(request, "usage/close_confirm.html", context)
    try:
        close = billing_month_close(
            connection=connection, period=period, actor=request.user, reason=reason
        )
    except UsageCloseRefused as exc:
        messages.error(request, f"Not closed: {exc} See the list of missing usage below.")
        return redirect(
            f"{reverse('usage:review')}?period={period:%Y-%m}&vendor={connection.vendor}&flag=missing"
        )
    except (UsageCloseError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    else:
        left = f" Closed with tenants left: {close.close_reason}" if close.close_reason else ""
        messages.success(
            request,
            f"Closed {period:%Y-%m} for {connection.name}: {close.rows_frozen} figures frozen.{left}",
        )
    return _back(request, period)


@manager_required
@require_POST
def usage_reopen(request: HttpRequest) -> HttpResponse:
    period = parse_period(request.POST.get("period", "")) or previous_month()
    connection = get_object_or_404(VendorConnection, pk=request.POST.get("connection"))
    try:
        billing_month_reopen(
            connection=connection,
            period=period,
            actor=request.user,
            reason=request.POST.get("reason", ""),
        )
    except UsageCloseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Reopened {period:%Y-%m} for {connection.name}.")
    return _back(request, period)
