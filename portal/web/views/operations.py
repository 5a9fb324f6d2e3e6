"""Provisioning, the operation ledger (list, detail, live status, retry, cancel) and bulk batches."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal.accounts.decorators import viewer_required, writer_required
from portal.accounts.scoping import (
    can_write,
    get_in_scope_or_404,
    scoped_customers,
)
from portal.approvals.selectors import approval_of
from portal.billing.quotes import monthly_quote
from portal.core.pagination import paginate
from portal.core.refusals import error_text, flash_refusal
from portal.operations import kinds
from portal.operations import services as ops
from portal.operations.filters import OperationFilterSet
from portal.operations.models import OperationBatch, OperationKind
from portal.operations.options import FIELD_PREFIX, OptionsInvalid
from portal.operations.selectors import batch_plan, batch_progress, scoped_operations

from .. import confirm, forms, selectors
from ..lists import (
    AttemptTable,
    BatchOperationTable,
    BulkPlanTable,
    OperationTable,
    QuoteTable,
)
from ..widgets import list_selects

SEARCH_LIMIT = 20


def _initial(request: HttpRequest, customer) -> dict:
    """The form's starting values: a chosen connection, or a refused request to edit
    (``?edit=<operation>``: its product, seats, trial, add-ons and the vendor's options)."""
    initial = {"connection": request.GET.get("connection")}
    refused = _refused(request, customer)
    if refused is not None:
        p = refused.params
        initial.update(
            connection=refused.connection_id,
            product_code=p.get("product_code"),
            seats=p.get("seats"),
            trial=p.get("trial", False),
            addons=p.get("addons", []),
        )
        initial.update({f"{FIELD_PREFIX}{k}": v for k, v in p.get("options", {}).items()})
    return initial


def _refused(request: HttpRequest, customer):
    """The refused create this request edits (``?edit=<id>``), in the user's scope."""
    edit = request.GET.get("edit") or ""
    if not edit.isdigit():
        return None
    return (
        scoped_operations(request.user)
        .filter(pk=int(edit), customer=customer, kind=OperationKind.CREATE_TENANT)
        .first()
    )


def edit_url(operation) -> str:
    """Where staff correct a request the vendor refused for good ('' where nothing is editable)."""
    if operation.kind == OperationKind.CREATE_TENANT and operation.customer_id:
        query = urlencode({"customer": operation.customer_id, "edit": operation.pk})
        return f"{reverse('web:provision')}?{query}"
    if operation.kind in kinds.SUBSCRIPTION_KINDS and operation.subscription_id:
        path = reverse("web:subscription-action", args=[operation.subscription_id, operation.kind])
        return f"{path}?{urlencode({'edit': operation.pk})}"
    return ""


@writer_required
def provision(request: HttpRequest) -> HttpResponse:
    """Choose a customer (or create one), then connection, product, seats, trial and add-ons."""
    customers = scoped_customers(request.user)
    customer_id = request.POST.get("customer") or request.GET.get("customer")
    if not customer_id:
        search = forms.CustomerSearchForm(request.GET or None)
        found = []
        if search.is_valid() and search.cleaned_data["q"]:
            q = search.cleaned_data["q"]
            found = list(
                customers.filter(
                    Q(name__icontains=q) | Q(reference__iexact=q) | Q(external_ref__iexact=q)
                ).select_related("parent")[:SEARCH_LIMIT]
            )
        return render(request, "web/provision/choose.html", {"search": search, "found": found})
    try:
        customer = get_in_scope_or_404(customers.select_related("parent"), pk=int(customer_id))
    except ValueError:
        raise Http404("No such customer.") from None
    form = forms.ProvisionForm(request.POST or None, initial=_initial(request, customer))
    review: list[tuple[str, str]] = []
    quote = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def send():
            return ops.tenant_create(
                customer=customer,
                connection=data["connection"],
                product_code=data["product_code"],
                seats=data["seats"],
                trial=data["trial"],
                addons=data["addons"],
                options=form.options(),
                actor=request.user,
                idempotency_key=request.POST.get("idempotency_key", ""),
            )

        try:
            operation = send() if confirm.is_confirmed(request) else None
            if operation is None:
                confirm.dry_run(send)
        except OptionsInvalid as exc:
            form.add_option_errors(exc)
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
        else:
            if operation is None:  # valid: confirm exactly what will be sent, and its price
                review = [
                    (str(form[name].label), confirm.shown(form, name)) for name in form.fields
                ]
                quote = monthly_quote(
                    connection=data["connection"],
                    customer=customer,
                    product_code=data["product_code"],
                    seats=data["seats"],
                    addons=data["addons"],
                )
            else:
                refused = _refused(request, customer)
                if refused is not None and refused.refused_for_good and operation.pk != refused.pk:
                    ops.operation_supersede(failed=refused, new=operation, actor=request.user)
                messages.info(
                    request,
                    f"Operation #{operation.pk}: opening {customer.name}'s account at "
                    f"{data['connection'].name}.",
                )
                return redirect("web:operation-detail", pk=operation.pk)
    return render(
        request,
        "web/provision/form.html",
        {
            "form": form,
            "customer": customer,
            "review": review,
            "resend": confirm.resent(request, form) if review else [],
            "quote": quote,
            "quote_table": QuoteTable(quote.lines) if quote else None,
        },
    )


@writer_required
def provision_products(request: HttpRequest) -> HttpResponse:
    """The product and add-on fields for the chosen connection (htmx swap)."""
    form = forms.ProvisionForm(initial={"connection": request.GET.get("connection")})
    return render(request, "web/provision/_products.html", {"form": form})


# -- operations -------------------------------------------------------------------------------


@viewer_required
def operation_list(request: HttpRequest) -> HttpResponse:
    queryset = scoped_operations(request.user)
    filterset = OperationFilterSet(request.GET or None, queryset=queryset, request=request)
    qs = filterset.qs if filterset.is_bound else queryset
    qs = qs.order_by(*(qs.query.order_by or ["-created_at"]), "-pk")
    page = paginate(request, qs, values=selectors.OPERATION_VALUES)
    list_selects(filterset.form)
    return render(
        request,
        "web/operations/list.html",
        {"filter": filterset, "page": page, "table": OperationTable(page.object_list)},
    )


def _operation(request: HttpRequest, pk: int):
    return get_in_scope_or_404(
        scoped_operations(request.user).select_related(
            "connection", "customer", "tenant", "subscription", "requested_by", "batch"
        ),
        pk=pk,
    )


@viewer_required
def operation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    operation = _operation(request, pk)
    return render(
        request,
        "web/operations/detail.html",
        {
            "op": operation,
            "attempts": AttemptTable(operation.attempt_log.order_by("number")),
            "writable": can_write(request.user),
            "edit_url": edit_url(operation),
            "approval": approval_of(operation),
        },
    )


@viewer_required
def operation_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The live status block, polled by htmx until the operation finishes."""
    operation = _operation(request, pk)
    return render(
        request,
        "web/operations/_status.html",
        {
            "op": operation,
            "attempts": AttemptTable(operation.attempt_log.order_by("number")),
            "writable": can_write(request.user),
            "edit_url": edit_url(operation),
            "approval": approval_of(operation),
        },
    )


@require_POST
@writer_required
def operation_retry(request: HttpRequest, pk: int) -> HttpResponse:
    operation = _operation(request, pk)
    try:
        ops.operation_retry(operation=operation, actor=request.user)
    except ValidationError as exc:
        flash_refusal(request, exc)
    else:
        messages.info(request, f"Operation #{operation.pk} sent again.")
    return redirect("web:operation-detail", pk=pk)


@require_POST
@writer_required
def operation_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    operation = _operation(request, pk)
    try:
        ops.operation_cancel(operation=operation, actor=request.user)
    except ValidationError as exc:
        flash_refusal(request, exc)
    else:
        messages.success(request, f"Operation #{operation.pk} cancelled; nothing was sent.")
    return redirect("web:operation-detail", pk=pk)


# -- bulk suspend / resume with a dry run -----------------------------------------------------


#: What the dry run says will happen to each tenant ("will be resumed").
BULK_DONE: dict[str, str] = {OperationKind.SUSPEND: "suspended", OperationKind.RESUME: "resumed"}


@writer_required
def bulk(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """GET: the dry run (what will happen to every tenant, and why not); POST: do it."""
    if kind not in ops.BULK_KINDS:
        raise Http404("Only suspend and resume run in bulk.")
    customer = get_in_scope_or_404(scoped_customers(request.user), pk=pk)
    if request.method == "POST":
        try:
            batch = ops.batch_create(customer=customer, kind=kind, actor=request.user)
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            return redirect("web:batch-detail", pk=batch.pk)
    plan = batch_plan(customer=customer, kind=kind)
    return render(
        request,
        "web/operations/bulk.html",
        {
            "customer": customer,
            "kind": kind,
            "done": BULK_DONE[kind],
            "label": OperationKind(kind).label,
            "plan": BulkPlanTable(plan),
            "will_run": sum(1 for item in plan if item.will_run),
        },
    )


def _batch(request: HttpRequest, pk: int) -> OperationBatch:
    batch = get_in_scope_or_404(OperationBatch.objects.select_related("customer"), pk=pk)
    if (
        batch.customer is None
        or not scoped_customers(request.user).filter(pk=batch.customer_id).exists()
    ):
        raise Http404("No such batch.")
    return batch


@viewer_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    return render(
        request,
        "web/operations/batch.html",
        {"batch": batch, "progress": batch_progress(batch=batch), **_batch_ops(batch)},
    )


@viewer_required
def batch_status(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    return render(
        request,
        "web/operations/_batch_status.html",
        {"batch": batch, "progress": batch_progress(batch=batch), **_batch_ops(batch)},
    )


def _batch_ops(batch: OperationBatch) -> dict:
    return {
        "operations": BatchOperationTable(
            batch.operations.select_related("connection", "customer", "tenant").order_by("pk")
        )
    }


@require_POST
@writer_required
def batch_resume(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        retried = ops.batch_resume(batch=batch, actor=request.user)
    except ValidationError as exc:
        flash_refusal(request, exc)
    else:
        messages.info(request, f"{len(retried)} failed operation(s) sent again.")
    return redirect(reverse("web:batch-detail", args=[pk]))
