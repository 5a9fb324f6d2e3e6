"""Unmatched tenants (adopt: link or create a customer) and discrepancies (accept, re-apply, ignore)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from portal.accounts.decorators import viewer_required, writer_required
from portal.accounts.scoping import (
    can_write,
    get_in_scope_or_404,
    scoped_customers,
)
from portal.core.models import Source
from portal.core.pagination import paginate
from portal.core.refusals import flash_refusal
from portal.customers.models import Customer, Tenant
from portal.operations import services as ops
from portal.sync import adoption, discrepancies
from portal.sync.filters import DiscrepancyFilterSet
from portal.sync.models import DiscrepancyStatus
from portal.sync.selectors import scoped_discrepancies

from .. import forms, selectors
from ..lists import DiscrepancyTable, UnmatchedTable
from ..widgets import list_selects

CANDIDATES = 25


@viewer_required
def unmatched_list(request: HttpRequest) -> HttpResponse:
    # Grouped by connection, then by name: the order of the tenant_unmatched_order index.
    queryset = (
        selectors.unmatched_tenants(user=request.user)
        .only(*selectors.UNMATCHED_COLUMNS)
        .order_by("connection_id", "name", "pk")
    )
    q = request.GET.get("q", "").strip()
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(external_id__icontains=q))
    page = paginate(request, queryset, counted=not q)
    return render(
        request,
        "web/unmatched/list.html",
        {
            "page": page,
            "table": UnmatchedTable(page.object_list, writable=can_write(request.user)),
            "q": q,
        },
    )


def _candidates(request: HttpRequest, tenant: Tenant) -> tuple[list[Customer], set[int]]:
    """Suggested owners first, then what the user searched for (within their scope)."""
    scoped = scoped_customers(request.user)
    suggested = [
        c for c, _ in adoption.tenant_suggestions(tenant) if scoped.filter(pk=c.pk).exists()
    ]
    q = request.GET.get("q", "").strip()
    found = list(scoped.filter(name__icontains=q)[:CANDIDATES]) if q else []
    seen: set[int] = set()
    result: list[Customer] = []
    for customer in suggested + found:
        if customer.pk not in seen:
            seen.add(customer.pk)
            result.append(customer)
    return result, {c.pk for c in suggested}


@writer_required
def unmatched_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = get_in_scope_or_404(selectors.unmatched_tenants(user=request.user), pk=pk)
    candidates, suggested = _candidates(request, tenant)
    if request.method == "POST" and request.POST.get("customer"):
        # The posted customer must still be one this user may see.
        chosen = scoped_customers(request.user).filter(pk=request.POST.get("customer")).first()
        candidates = candidates + ([chosen] if chosen and chosen not in candidates else [])
    link = forms.LinkTenantForm(
        request.POST if request.POST.get("action") == "link" else None, customers=candidates
    )
    new = forms.AdoptNewForm(
        request.POST if request.POST.get("action") == "new" else None, user=request.user
    )
    list_selects(new)  # hundreds of resellers
    if request.method == "POST":
        if request.POST.get("action") == "link" and link.is_valid():
            customer = link.cleaned_data["customer"]
            adoption.tenant_link(
                tenant=tenant, customer=customer, actor=request.user, source=Source.PAGE
            )
            messages.success(request, f"{tenant.name} now belongs to {customer.name}.")
            return redirect("web:unmatched-list")
        if request.POST.get("action") == "new" and new.is_valid():
            customer = adoption.tenant_adopt_as_new_customer(
                tenant=tenant,
                parent=new.cleaned_data["parent"],
                actor=request.user,
                source=Source.PAGE,
            )
            messages.success(request, f"Customer {customer.name} created from {tenant.name}.")
            return redirect("web:customer-detail", pk=customer.pk)
    return render(
        request,
        "web/unmatched/adopt.html",
        {
            "tenant": tenant,
            "link": link,
            "new": new,
            "candidates": candidates,
            "suggested": suggested,
            "q": request.GET.get("q", ""),
        },
    )


@viewer_required
def discrepancy_list(request: HttpRequest) -> HttpResponse:
    queryset = scoped_discrepancies(request.user)
    data = request.GET.copy()
    data.setdefault("status", DiscrepancyStatus.OPEN)
    filterset = DiscrepancyFilterSet(data, queryset=queryset, request=request)
    page = paginate(request, filterset.qs, values=selectors.DISCREPANCY_VALUES)
    list_selects(filterset.form)
    return render(
        request,
        "web/discrepancies/list.html",
        {
            "filter": filterset,
            "page": page,
            "table": DiscrepancyTable(
                page.object_list, request=request, writable=can_write(request.user)
            ),
        },
    )


RESOLUTIONS = {
    "accept": discrepancies.discrepancy_accept_vendor,
    "reapply": ops.discrepancy_reapply,
    "ignore": discrepancies.discrepancy_ignore,
}


@require_POST
@writer_required
def discrepancy_resolve(request: HttpRequest, pk: int, how: str) -> HttpResponse:
    discrepancy = get_in_scope_or_404(
        scoped_discrepancies(request.user).select_related("tenant__customer", "subscription"),
        pk=pk,
    )
    resolve = RESOLUTIONS.get(how)
    if resolve is None:
        messages.error(request, f"Unknown resolution {how!r}.")
        return redirect("web:discrepancy-list")
    try:
        result = resolve(discrepancy=discrepancy, actor=request.user, source=Source.PAGE)
    except ValidationError as exc:
        flash_refusal(request, exc)
        return redirect("web:discrepancy-list")
    if how == "reapply":
        messages.info(request, f"Re-applying ours as operation #{result.pk}.")
        return redirect("web:operation-detail", pk=result.pk)
    messages.success(request, f"Discrepancy on {discrepancy.field} resolved.")
    return redirect("web:discrepancy-list")
