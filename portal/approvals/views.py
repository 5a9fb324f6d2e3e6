"""The approval pages: the queue a user's scope sees, one request with its decision and
withdrawal forms, and the distributor admins' policy editor. Every write goes through
``services`` (checked and audited there); a refusal of the service is a message or a 403."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.decorators import manager_required, viewer_required
from portal.accounts.scoping import can_manage, get_in_scope_or_404
from portal.core.pagination import paginate
from portal.core.refusals import flash_refusal
from portal.operations.models import Operation

from . import selectors, services
from .filters import ApprovalFilterSet
from .forms import ApprovalPolicyForm, DecisionForm
from .models import Approval, ApprovalPolicy
from .tables import ApprovalPolicyTable, ApprovalTable, what


@viewer_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    filterset = ApprovalFilterSet(
        request.GET, queryset=selectors.scoped_approvals(request.user), request=request
    )
    page = paginate(request, filterset.qs)
    return render(
        request,
        "approvals/queue.html",
        {
            "filter": filterset,
            "page": page,
            "table": ApprovalTable(page.object_list, request=request),
            "manage": can_manage(request.user),
        },
    )


def _in_scope(request: HttpRequest, pk: int) -> Approval:
    return get_in_scope_or_404(selectors.scoped_approvals(request.user), pk=pk)


@viewer_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    approval = _in_scope(request, pk)  # out of scope: 404 whatever the method
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return _detail_page(request, approval, DecisionForm())


def _detail_page(request: HttpRequest, approval: Approval, form: DecisionForm) -> HttpResponse:
    operations = (
        Operation.objects.filter(batch_id=approval.batch_id)
        .select_related("tenant", "connection")
        .order_by("pk")
        if approval.batch_id
        else None
    )
    return render(
        request,
        "approvals/detail.html",
        {
            "approval": approval,
            "what": what(approval),
            "operations": operations,
            "can_decide": approval.is_pending and services.may_decide(request.user, approval),
            "can_withdraw": approval.is_pending and services.may_withdraw(request.user, approval),
            "form": form,
        },
    )


@require_POST
@viewer_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or reject; a rejection without a reason is shown on the page, nothing changed."""
    approval = _in_scope(request, pk)
    if not services.may_decide(request.user, approval):
        raise PermissionDenied("You may not decide this request.")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, approval, form)
    try:
        decided = services.approval_decide(
            approval=approval,
            approve=form.approve,
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
    except ValidationError as refused:
        if hasattr(refused, "error_dict"):  # what the person typed (no reason to reject)
            form.add_error(None, refused)
            return _detail_page(request, approval, form)
        flash_refusal(request, refused)  # decided meanwhile
        return redirect("approvals:detail", pk=pk)
    messages.success(request, f"Request #{decided.pk} {decided.get_state_display().lower()}.")
    return redirect("approvals:detail", pk=pk)


@require_POST
@viewer_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    approval = _in_scope(request, pk)
    try:
        services.approval_withdraw(approval=approval, actor=request.user)
    except ValidationError as refused:
        flash_refusal(request, refused)
    else:
        messages.success(request, f"Request #{approval.pk} withdrawn: nothing was sent.")
    return redirect("approvals:detail", pk=pk)


# -- policies (distributor admins) ------------------------------------------------------------


@manager_required
@require_GET
def policy_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.policies())
    return render(
        request,
        "approvals/policies.html",
        {"page": page, "table": ApprovalPolicyTable(page.object_list, request=request)},
    )


@manager_required
def policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    policy = get_object_or_404(ApprovalPolicy, pk=pk) if pk else None
    form = ApprovalPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.policy_save(policy=form.save(commit=False), actor=request.user)
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, f"{saved} saved.")
            return redirect("approvals:policies")
    return render(request, "approvals/policy_form.html", {"form": form, "policy": policy})


@manager_required
def policy_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page; its post removes the policy (the subtree falls back to the next)."""
    policy = get_object_or_404(ApprovalPolicy.objects.select_related("reseller"), pk=pk)
    if request.method == "POST":
        name = str(policy)
        services.policy_delete(policy=policy, actor=request.user)
        messages.success(request, f"{name} deleted.")
        return redirect("approvals:policies")
    return render(request, "approvals/policy_delete.html", {"policy": policy})
