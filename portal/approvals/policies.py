"""Which policy covers a request, and why it holds it (the reasons staff read).

The nearest policy wins, whole: a reseller's own policy, else its parent's, up to the
distributor's default (no reseller). A reseller that wants no approvals at all has a policy
with every rule off. Requests by distributor staff are held only when the policy says so;
requests with no person behind them (the system, a sync) never are.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q

from portal.accounts.scoping import user_reseller, user_role
from portal.billing.pricing import chain
from portal.billing.quotes import monthly_quote
from portal.customers.models import Customer
from portal.operations.models import Operation, OperationKind

from .models import ApprovalPolicy


def policy_for(customer: Customer | None) -> ApprovalPolicy | None:
    """The policy covering ``customer``: the nearest reseller's up its line, else the default."""
    line = chain(customer.path) if customer is not None and customer.path else []
    found = {
        p.reseller_id: p
        for p in ApprovalPolicy.objects.filter(Q(reseller__isnull=True) | Q(reseller_id__in=line))
    }
    return next((found[pk] for pk in line if pk in found), found.get(None))


def requester_covered(policy: ApprovalPolicy, user: Any) -> bool:
    """Whether ``user``'s requests fall under the policy (by role, and by being a reseller's
    user or distributor staff)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user_role(user) not in policy.roles:
        return False
    return user_reseller(user) is not None or policy.include_distributor_staff


def reasons(policy: ApprovalPolicy, operation: Operation) -> list[str]:
    """Every rule of the policy the request meets, in words; empty when none holds it."""
    kind = operation.kind
    found: list[str] = []
    if kind == OperationKind.CREATE_TENANT and policy.new_tenant:
        found.append("a new vendor account needs approval")
    if kind == OperationKind.CANCEL and policy.cancel:
        found.append("cancelling needs approval")
    if kind == OperationKind.CHANGE_PLAN and policy.plan_change:
        found.append("a plan change needs approval")
    if operation.batch_id and policy.bulk:
        found.append(f"a bulk {operation.get_kind_display().lower()} needs approval")
    if kind in (OperationKind.CHANGE_SEATS, OperationKind.CONVERT_TRIAL):
        found.extend(_seat_reasons(policy, operation))
    if policy.amount_above is not None:
        found.extend(_amount_reasons(policy.amount_above, operation))
    return found


def _seat_reasons(policy: ApprovalPolicy, operation: Operation) -> list[str]:
    seats = operation.params.get("seats")
    before = (operation.subscription.seats if operation.subscription else 0) or 0
    if not isinstance(seats, int) or seats <= before:
        return []
    more = seats - before
    found = []
    if policy.seats_above is not None and more > policy.seats_above:
        found.append(
            f"+{more} seats is more than the {policy.seats_above} allowed without approval"
        )
    if policy.seats_above_percent is not None and (
        before == 0 or more * 100 > policy.seats_above_percent * before
    ):
        share = f"{more * 100 / before:.0f} %" if before else "from none"
        found.append(
            f"+{more} seats ({share}) is more than {policy.seats_above_percent} % "
            "allowed without approval"
        )
    return found


def _amount_reasons(limit: Decimal, operation: Operation) -> list[str]:
    """The request's monthly sell price (the price book's, as billing reads it) above ``limit``."""
    params, subscription, customer = operation.params, operation.subscription, operation.customer
    if customer is None:
        return []
    if operation.kind == OperationKind.CREATE_TENANT:
        product, seats, addons = (
            params.get("product_code"),
            params.get("seats"),
            params.get("addons"),
        )
    elif subscription is not None and operation.kind in (
        OperationKind.CHANGE_SEATS, OperationKind.CHANGE_PLAN, OperationKind.CHANGE_ADDONS,
        OperationKind.CONVERT_TRIAL,
    ):  # fmt: skip
        product = params.get("product_code") or subscription.product_code
        seats = params.get("seats") or subscription.seats
        addons = params.get("addons", subscription.addons or [])
    else:
        return []
    if not isinstance(product, str) or not isinstance(seats, int):
        return []
    quote = monthly_quote(
        connection=operation.connection,
        customer=customer,
        product_code=product,
        seats=seats,
        addons=list(addons or []),
    )
    if quote is None:
        return []
    return [
        f"{amount} {currency} a month is above the {limit} allowed without approval"
        for currency, amount in sorted(quote.totals().items())
        if amount > limit
    ]
