"""Vendor statement pages: the list with the upload form, one month's comparison (differences
first) with a reason to accept each, and the connection's column mapping. The vendor's bill is
the distributor's cost: scoped users never reach these pages (404)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal.accounts.decorators import viewer_required, writer_required
from portal.accounts.scoping import can_write
from portal.catalog.models import VendorConnection
from portal.core.models import Source
from portal.core.pagination import paginate

from . import selectors
from .forms import AcceptForm, StatementMappingForm, StatementUploadForm
from .models import RowKind, Statement, StatementRow
from .reconcile import (
    MAPPING_FIELDS,
    StatementRefused,
    mapping_for,
    statement_compare,
    statement_mapping_save,
    statement_row_accept,
    statement_upload,
)
from .tables import StatementRowTable, StatementSummaryTable, StatementTable

#: The detail page's views of the rows: differences and unmatched first (the work to do).
SHOWS: dict[str, list[str]] = {
    "open": [RowKind.DIFFERENCE, RowKind.VENDOR_ONLY, RowKind.MIRROR_ONLY],
    "matched": [RowKind.MATCHED],
    "all": list(RowKind.values),
}


def _staff_only(request: HttpRequest) -> None:
    if not selectors.sees_cost(request.user):
        raise Http404("Vendor statements are the distributor's.")


@viewer_required
def statement_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    form = StatementUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can_write(request.user):
            raise PermissionDenied("Your role can view but not upload.")
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                statement = statement_upload(
                    connection=form.cleaned_data["connection"],
                    period=form.cleaned_data["period"],
                    data=upload.read(),
                    filename=upload.name,
                    actor=request.user,
                )
            except StatementRefused as exc:
                form.add_error("file", "Nothing was stored: the file has bad lines.")
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, f"Statement stored: {statement.get_state_display()}.")
                return redirect("billing:statement", pk=statement.pk)
    statements = Statement.objects.select_related("connection")
    page = paginate(request, statements)
    return render(
        request,
        "billing/statements.html",
        {
            "form": form,
            "page": page,
            "statements": StatementTable(page.object_list, request=request),
            "connections": VendorConnection.objects.order_by("name"),
            "writable": can_write(request.user),
        },
    )


@viewer_required
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    statement = get_object_or_404(Statement.objects.select_related("connection"), pk=pk)
    if request.method == "POST":
        if not can_write(request.user):
            raise PermissionDenied("Your role can view but not compare.")
        statement_compare(statement=statement, actor=request.user)
        return redirect("billing:statement", pk=pk)
    show = request.GET.get("show", "open") if request.GET.get("show") in SHOWS else "open"
    rows = statement.rows.filter(kind__in=SHOWS[show]).select_related("customer")
    page = paginate(request, rows.order_by("kind", "tenant_external_id", "sku"))
    return render(
        request,
        "billing/statement.html",
        {
            "statement": statement,
            "show": show,
            "page": page,
            "rows": StatementRowTable(
                page.object_list, request=request, writable=can_write(request.user)
            ),
            "summary": StatementSummaryTable(selectors.statement_summary(statement)),
            "writable": can_write(request.user),
        },
    )


@require_POST
@writer_required
def statement_row_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    row = get_object_or_404(StatementRow.objects.select_related("statement__connection"), pk=pk)
    form = AcceptForm(request.POST)
    if form.is_valid() and row.kind != RowKind.MATCHED:
        statement_row_accept(row=row, reason=form.cleaned_data["reason"], actor=request.user)
        messages.success(request, f"{row.tenant_external_id} {row.sku}: saved.")
    return redirect(f"/billing/statements/{row.statement_id}/?show=open")


@viewer_required
def statement_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    """The connection's statement columns; saving needs a writer."""
    _staff_only(request)
    connection = get_object_or_404(VendorConnection, pk=pk)
    mapping = mapping_for(connection)
    form = StatementMappingForm(request.POST or None, instance=mapping)
    if request.method == "POST":
        if not can_write(request.user):
            raise PermissionDenied("Your role can view but not change the mapping.")
        if form.is_valid():
            statement_mapping_save(
                connection=connection,
                columns={f: form.cleaned_data[f] for f in MAPPING_FIELDS},
                actor=request.user,
                source=Source.PAGE,
            )
            messages.success(request, f"Statement columns of {connection.name} saved.")
            return redirect("billing:statements")
    return render(
        request, "billing/statement_mapping.html", {"form": form, "connection": connection}
    )
