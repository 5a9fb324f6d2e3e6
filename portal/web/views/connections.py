"""Vendor connections (list, create/edit, test, capabilities) and sync runs."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from portal.accounts.decorators import manager_required, viewer_required, writer_required
from portal.accounts.scoping import can_manage, can_write, user_reseller
from portal.catalog.forms import VendorConnectionForm
from portal.catalog.models import VendorConnection
from portal.catalog.services import connection_create, connection_update
from portal.core.models import Source
from portal.core.pagination import paginate
from portal.sync.adapters import connection_adapter, connection_test
from portal.sync.enqueue import sync_request
from portal.sync.filters import SyncRunFilterSet
from portal.sync.models import SyncRun
from portal.sync.quota import connection_call_budget
from vendors.http import HttpVendorAdapter

from .. import selectors
from ..lists import CapabilityMatrix, ConnectionTable, SyncRunTable, VendorCapabilityTable
from ..selectors import SYNC_RUN_VALUES
from ..widgets import list_selects


@viewer_required
def connection_list(request: HttpRequest) -> HttpResponse:
    vendors, rows = selectors.capability_rows()
    manage, writable = can_manage(request.user), can_write(request.user)
    return render(
        request,
        "web/connections/list.html",
        {
            "connections": ConnectionTable(
                selectors.connection_health(user=request.user),
                request=request,
                manage=manage,
                writable=writable,
            ),
            "capabilities": CapabilityMatrix(rows, vendors=vendors),
            "manage": manage,
        },
    )


@viewer_required
def connection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(VendorConnection, pk=pk)
    return render(
        request,
        "web/connections/detail.html",
        {
            "connection": connection,
            "capabilities": VendorCapabilityTable(selectors.vendor_capabilities(connection.vendor)),
            "runs": SyncRunTable(
                connection.sync_runs.order_by("-created_at").values(*SYNC_RUN_VALUES)[:10]
            ),
            "budget": connection_call_budget(
                connection, calls_left_today=connection_calls_left(connection)
            ),
            "manage": can_manage(request.user),
            "writable": can_write(request.user),
        },
    )


def connection_calls_left(connection: VendorConnection) -> int | None:
    """Today's quota left on the connection's shared limiter (None: no daily quota)."""
    adapter = connection_adapter(connection, on_call=None)
    return adapter.remaining_daily_calls() if isinstance(adapter, HttpVendorAdapter) else None


@manager_required
def connection_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or edit; the credentials field is always empty (stored secrets are never shown)."""
    connection = get_object_or_404(VendorConnection, pk=pk) if pk else None
    form = VendorConnectionForm(request.POST or None, instance=connection)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        credentials = form.cleaned_data.get("credentials_value")
        if connection is None:
            assert credentials is not None  # the form requires them for a new connection
            saved = connection_create(credentials=credentials, actor=request.user, **fields)
        else:
            saved = connection_update(
                connection=connection, credentials=credentials, actor=request.user, **fields
            )
        messages.success(
            request, f"Connection {saved.name} saved. Test it to check the credentials."
        )
        return redirect("web:connection-detail", pk=saved.pk)
    return render(request, "web/connections/form.html", {"form": form, "connection": connection})


@require_POST
@manager_required
def connection_test_view(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(VendorConnection, pk=pk)
    result = connection_test(connection, actor=request.user, source=Source.PAGE)
    if request.headers.get("HX-Request"):
        return render(request, "web/connections/_test_result.html", {"result": result})
    (messages.success if result.ok else messages.error)(request, result.message)
    return redirect("web:connection-detail", pk=pk)


@require_POST
@writer_required
def connection_sync(request: HttpRequest, pk: int) -> HttpResponse:
    if user_reseller(request.user) is not None:
        raise Http404("Connections are the distributor's.")  # a scoped user acts on its subtree
    connection = get_object_or_404(VendorConnection, pk=pk)
    answer = sync_request(
        connection, triggered_by=f"page:{request.user.get_username()}", actor=request.user
    )
    (messages.info if answer.queued else messages.warning)(request, answer.message)
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure())
    return redirect(back if back and safe else "web:sync-list")


# -- sync runs --------------------------------------------------------------------------------


@viewer_required
def sync_list(request: HttpRequest) -> HttpResponse:
    queryset = SyncRun.objects.all()
    filterset = SyncRunFilterSet(request.GET or None, queryset=queryset, request=request)
    qs = filterset.qs if filterset.is_bound else queryset
    page = paginate(request, qs, values=SYNC_RUN_VALUES)
    list_selects(filterset.form)
    return render(
        request,
        "web/sync/list.html",
        {
            "filter": filterset,
            "page": page,
            "runs": SyncRunTable(page.object_list),
            "connections": list(VendorConnection.objects.order_by("vendor", "name")),
            "writable": can_write(request.user),
        },
    )


@viewer_required
def sync_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(SyncRun.objects.select_related("connection"), pk=pk)
    return render(request, "web/sync/detail.html", {"run": run})


@viewer_required
def sync_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """One run's progress bar, polled while the run is queued or running."""
    run = get_object_or_404(SyncRun.objects.select_related("connection"), pk=pk)
    return render(request, "web/sync/_progress.html", {"run": run})
