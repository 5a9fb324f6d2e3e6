"""The price book pages: the list (everyone; cost and list margin for distributor staff only,
a scoped user sees its own sell price), create/edit and CSV import/export (distributor admins).
Every write goes through ``services.price_entry_save`` (checked, audited)."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from portal.accounts.decorators import manager_required, viewer_required
from portal.accounts.scoping import can_manage
from portal.catalog.models import VendorConnection
from portal.core.pagination import paginate

from . import selectors
from .export import _Line
from .filters import PriceEntryFilterSet
from .forms import PriceEntryForm, PriceImportForm
from .models import PriceEntry
from .pricelist import price_list_import, price_list_rows
from .services import price_entry_save
from .tables import ImportErrorTable, PriceTable


def _entries(request: HttpRequest) -> tuple[PriceEntryFilterSet, QuerySet[PriceEntry]]:
    queryset = PriceEntry.objects.select_related("product__connection").order_by(
        "product__connection__name", "product__code", "addon", "effective_from"
    )
    filterset = PriceEntryFilterSet(request.GET or None, queryset=queryset, request=request)
    return filterset, (filterset.qs if filterset.is_bound else queryset)


@viewer_required
def price_list(request: HttpRequest) -> HttpResponse:
    filterset, entries = _entries(request)
    page = paginate(request, entries)
    staff = selectors.sees_cost(request.user)
    return render(
        request,
        "billing/prices.html",
        {
            "filter": filterset,
            "page": page,
            "prices": PriceTable(
                selectors.price_rows(request.user, list(page.object_list)),
                request=request,
                sees_cost=staff,
                manage=can_manage(request.user),
            ),
            "manage": can_manage(request.user),
            "staff": staff,
        },
    )


@manager_required
def price_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    entry = get_object_or_404(PriceEntry, pk=pk) if pk else None
    form = PriceEntryForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        existing = PriceEntry.objects.get(pk=entry.pk) if entry else None
        saved = price_entry_save(
            product=form.cleaned_data["product"],
            values=form.values(),
            entry=existing,
            actor=request.user,
        )
        messages.success(request, f"Price saved: {saved}.")
        return redirect("billing:prices")
    return render(request, "billing/price_form.html", {"form": form, "entry": entry})


@manager_required
def price_import(request: HttpRequest) -> HttpResponse:
    """Upload a price list; any bad row refuses the whole file and lists every bad row."""
    form = PriceImportForm(request.POST or None, request.FILES or None)
    errors = None
    if request.method == "POST" and form.is_valid():
        result = price_list_import(
            connection=form.cleaned_data["connection"],
            data=form.cleaned_data["file"].read(),
            actor=request.user,
        )
        if result.ok:
            messages.success(
                request,
                f"Price list imported: {result.created} new, {result.changed} changed, "
                f"{result.unchanged} unchanged.",
            )
            return redirect("billing:prices")
        errors = ImportErrorTable(result.errors)
    return render(request, "billing/price_import.html", {"form": form, "errors": errors})


@viewer_required
def price_export(request: HttpRequest) -> StreamingHttpResponse:
    """The (filtered) price list as the CSV the import reads; it holds cost: staff only."""
    if not selectors.sees_cost(request.user):
        raise Http404("The price list with costs is the distributor's.")
    _, entries = _entries(request)
    asked = request.GET.get("connection", "")
    connection = VendorConnection.objects.filter(pk=int(asked)).first() if asked.isdigit() else None
    writer = csv.writer(_Line())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in price_list_rows(entries)),
        content_type="text/csv; charset=utf-8",
    )
    name = f"prices-{connection.vendor}" if connection else "prices"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
