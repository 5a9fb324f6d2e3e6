"""Dashboard, customers (list, detail, create, edit) and the actions on a customer's tenants."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal.accounts.decorators import viewer_required, writer_required
from portal.accounts.scoping import (
    can_write,
    get_in_scope_or_404,
    scoped_customers,
    scoped_subscriptions,
    scoped_tenants,
)
from portal.core.pagination import paginate
from portal.core.refusals import error_text, flash_refusal
from portal.customers.filters import CustomerFilterSet
from portal.customers.services import customer_create, customer_update
from portal.operations import kinds
from portal.operations.selectors import scoped_operations
from portal.operations.services import operation_supersede
from portal.usage.backlog import usage_backlog

from .. import confirm, forms, selectors
from ..lists import (
    ConnectionHealthTable,
    CustomerAuditTable,
    CustomerOperationTable,
    CustomerTable,
    FailureTable,
    SubscriptionTable,
)
from ..widgets import list_selects


def _dashboard(request: HttpRequest) -> dict:
    d = selectors.dashboard(user=request.user)
    return {
        "d": d,
        "connections": ConnectionHealthTable(d.connections, request=request),
        "failures": FailureTable(d.recent_failures, request=request),
        "backlog": usage_backlog(),
    }


@viewer_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "web/dashboard.html", _dashboard(request))


@viewer_required
def dashboard_connections(request: HttpRequest) -> HttpResponse:
    """The connection cards alone, refreshed by htmx while a sync runs."""
    return render(request, "web/_dashboard_connections.html", _dashboard(request))


@viewer_required
def customer_list(request: HttpRequest) -> HttpResponse:
    queryset = (
        scoped_customers(request.user).select_related("parent").only(*selectors.CUSTOMER_COLUMNS)
    )
    filterset = CustomerFilterSet(request.GET or None, queryset=queryset, request=request)
    # Searching or filtering 50,000 customers: no COUNT(*) over every match (see paginate).
    narrowed = any(request.GET.get(k) for k in ("q", "kind", "status", "vendor", "reseller"))
    page = paginate(request, filterset.qs if filterset.is_bound else queryset, counted=not narrowed)
    list_selects(filterset.form)
    hierarchy = request.GET.get("ordering") == "hierarchy"
    rows = selectors.customer_rows(customers=list(page.object_list), hierarchy=hierarchy)
    return render(
        request,
        "web/customers/list.html",
        {"filter": filterset, "page": page, "table": CustomerTable(rows, request=request)},
    )


def _customer(request: HttpRequest, pk: int):
    return get_in_scope_or_404(scoped_customers(request.user).select_related("parent"), pk=pk)


@viewer_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    writable = can_write(request.user)
    operations, audit = selectors.customer_history(user=request.user, customer=customer)
    cards = selectors.tenant_cards(
        user=request.user, customer=customer, writable=writable, catalog=False
    )
    reseller = customer.kind == "reseller"
    children = (
        scoped_customers(request.user)
        .filter(parent=customer)
        .only("name", "status")
        .order_by("name")
    )
    first_children = list(children[:50]) if reseller else []
    return render(
        request,
        "web/customers/detail.html",
        {
            "customer": customer,
            "ancestors": _ancestors(customer),
            "children": first_children,
            "children_count": children.count() if reseller else 0,
            "cards": [
                {"card": card, "subscriptions": SubscriptionTable(card.subscriptions, card=card)}
                for card in cards
            ],
            "usage": selectors.customer_usage(user=request.user, customer=customer),
            "operations": CustomerOperationTable(operations, request=request),
            "audit": CustomerAuditTable(audit, request=request),
            "writable": writable,
        },
    )


def _ancestors(customer) -> list:
    """Top-level reseller first; no query when the only ancestor is the parent already loaded."""
    if customer.parent_id is None:
        return []
    if customer.depth == 1:
        return [customer.parent]
    return list(customer.ancestors())


@writer_required
def customer_create_view(request: HttpRequest) -> HttpResponse:
    form = forms.CustomerForm(request.POST or None, user=request.user)
    if request.GET.get("parent"):
        form.initial["parent"] = request.GET["parent"]
    if request.method == "POST" and form.is_valid():
        try:
            customer = customer_create(actor=request.user, **form.changed_fields())
        except ValidationError as exc:
            _form_refusal(form, exc)
        else:
            messages.success(request, f"Customer {customer.name} created.")
            if request.POST.get("then") == "provision":
                return redirect(f"{reverse('web:provision')}?customer={customer.pk}")
            return redirect("web:customer-detail", pk=customer.pk)
    return render(
        request,
        "web/customers/form.html",
        {"form": form, "then": request.GET.get("then", request.POST.get("then", ""))},
    )


@writer_required
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    form = forms.CustomerForm(request.POST or None, instance=customer, user=request.user)
    if request.method == "POST" and form.is_valid():
        fresh = _customer(request, pk)  # the form's instance already carries the new values
        try:
            customer_update(customer=fresh, actor=request.user, **form.changed_fields())
        except ValidationError as exc:
            _form_refusal(form, exc)
        else:
            messages.success(request, f"Customer {fresh.name} saved.")
            return redirect("web:customer-detail", pk=pk)
    return render(request, "web/customers/form.html", {"form": form, "customer": customer})


def _form_refusal(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error_text(exc))


# -- tenant and subscription actions (each one an Operation) ----------------------------------


def _tenant(request: HttpRequest, pk: int):
    return get_in_scope_or_404(
        scoped_tenants(request.user).select_related("connection", "customer"), pk=pk
    )


def _subscription(request: HttpRequest, pk: int):
    return get_in_scope_or_404(
        scoped_subscriptions(request.user).select_related("tenant__connection", "tenant__customer"),
        pk=pk,
    )


def _after_request(request: HttpRequest, operation, back: str) -> HttpResponse:
    """Follow the new operation live on its page (it links back to the customer)."""
    messages.info(request, f"Operation #{operation.pk} ({operation.get_kind_display()}) requested.")
    return redirect("web:operation-detail", pk=operation.pk)


@require_POST
@writer_required
def tenant_action(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    tenant = _tenant(request, pk)
    back = _back(tenant.customer_id)
    if kind not in kinds.TENANT_KINDS:
        messages.error(request, f"Unknown action {kind!r}.")
        return redirect(back)
    try:
        operation = kinds.spec(kind).service(
            tenant=tenant,
            actor=request.user,
            idempotency_key=request.POST.get("idempotency_key", ""),
        )
    except ValidationError as exc:
        flash_refusal(request, exc)
        return redirect(back)
    return _after_request(request, operation, back)


def _back(customer_id) -> str:
    return reverse("web:customer-detail", args=[customer_id]) if customer_id else "/"


@writer_required
def subscription_action(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Change seats, add-ons or plan, or convert a trial; errors stay next to the field."""
    if kind not in kinds.SUBSCRIPTION_KINDS:
        raise Http404("Unknown subscription action.")
    kind_spec = kinds.spec(kind)
    assert kind_spec.form is not None  # every subscription kind has a form
    subscription = _subscription(request, pk)
    tenant = subscription.tenant
    card = next(
        c
        for c in selectors.tenant_cards(user=request.user, customer=tenant.customer, writable=True)
        if c.tenant.pk == tenant.pk
    )
    refused = _refused_change(request, subscription, kind)
    form = kind_spec.form(
        request.POST or None,
        subscription=subscription,
        plans=card.plans,
        addons=card.addons,
        edited=refused.params if refused is not None else None,
    )
    review: list[tuple[str, str]] = []
    resend: list[tuple[str, str]] = []  # the validated fields, sent again once confirmed
    if request.method == "POST" and form.is_valid():
        inputs = {name: form.cleaned_data.get(name) for name in kind_spec.inputs}
        inputs.update(
            (name, form.cleaned_data[name])
            for name in kind_spec.optional
            if form.cleaned_data.get(name) is not None
        )

        def send():
            return kind_spec.service(
                subscription=subscription,
                actor=request.user,
                idempotency_key=request.POST.get("idempotency_key", ""),
                **inputs,
            )

        try:
            operation = send() if confirm.is_confirmed(request) else None
            if operation is None:
                confirm.dry_run(send)
        except ValidationError as exc:
            form.add_error(next(iter(form.fields)), error_text(exc))
        else:
            if operation is None:  # valid: confirm exactly what will be sent
                review = [
                    (str(form[name].label), confirm.shown(form, name)) for name in form.fields
                ]
                resend = confirm.resent(request, form)
            else:
                if refused is not None and operation.pk != refused.pk:
                    operation_supersede(failed=refused, new=operation, actor=request.user)
                return _after_request(request, operation, _back(tenant.customer_id))
    action = next(
        (s.actions[kind] for s in card.subscriptions if s.subscription.pk == subscription.pk), None
    )
    return render(
        request,
        "web/customers/subscription_action.html",
        {
            "form": form,
            "kind": kind,
            "label": kind_spec.label,
            "subscription": subscription,
            "tenant": tenant,
            "action": action,
            "refused": refused,
            "review": review,
            "resend": resend,
        },
    )


def _refused_change(request: HttpRequest, subscription, kind: str):
    """The request of this kind the vendor refused for good that this form edits
    (``?edit=<id>``, in the user's scope); transient failures keep their plain Retry."""
    edit = request.GET.get("edit") or ""
    if not edit.isdigit():
        return None
    refused = (
        scoped_operations(request.user)
        .filter(pk=int(edit), subscription=subscription, kind=kind)
        .first()
    )
    return refused if refused is not None and refused.refused_for_good else None
