"""The approval pages' tables (see ``portal/web/tables.py``)."""

from __future__ import annotations

from portal.accounts.models import Role
from portal.operations.models import OperationKind
from portal.web.tables import Badge, Choice, Column, Date, Link, Table

from .models import Approval, ApprovalPolicy, Approver

KINDS = dict(OperationKind.choices)
ROLES = dict(Role.choices)


def what(approval: Approval) -> str:
    """The operation kind and its connection, or the batch's description."""
    if approval.batch is not None:
        return approval.batch.description or f"Batch #{approval.batch_id}"
    op = approval.operation
    assert op is not None  # an approval holds a batch or an operation (a check constraint)
    return f"{KINDS.get(op.kind, op.kind)} at {op.connection.name}"


def _user(path: str):
    return lambda row: getattr(row, path).get_username() if getattr(row, path) else None


class ApprovalTable(Table):
    """The approval queue (rows: ``selectors.scoped_approvals``)."""

    attrs = {"id": "approvals"}
    empty_text = "No request to show."

    number = Column("#", "pk", cell=Link("approvals:detail", text="#{}"))
    requested = Column("Requested", "created_at", cell=Date(), css="small")
    customer = Column(
        "Customer", "customer.name", cell=Link("web:customer-detail", pk="customer_id")
    )
    what = Column("What", what)
    reasons = Column("Reasons", lambda a: "; ".join(a.reasons), css="small")
    requested_by = Column("Requested by", _user("requested_by"), empty="system")
    state = Column("State", cell=Badge(label=lambda a: a.get_state_display()))
    expires = Column("Expires", "expires_at", cell=Date(), css="small")
    decided_by = Column(
        "Decided by",
        _user("decided_by"),
        css="small",
        note=Column(value="decided_at", cell=Date()),
        empty="",
    )

    def row_attrs(self, row):
        return {"data-approval": row.pk, "data-state": row.state}


def _rules(policy: ApprovalPolicy) -> str:
    rules = [
        label
        for flag, label in (
            ("new_tenant", "new tenant"),
            ("cancel", "cancel"),
            ("plan_change", "plan change"),
            ("bulk", "bulk"),
        )
        if getattr(policy, flag)
    ]
    if policy.seats_above is not None:
        rules.append(f"more than {policy.seats_above} seats")
    if policy.seats_above_percent is not None:
        rules.append(f"more than {policy.seats_above_percent} % seats")
    if policy.amount_above is not None:
        rules.append(f"monthly price above {policy.amount_above}")
    return ", ".join(rules) or "nothing"


class ApprovalPolicyTable(Table):
    """The policies, the distributor's default first (rows: ``selectors.policies``)."""

    attrs = {"id": "approval-policies"}
    empty_text = "No policy: nothing waits for approval."

    reseller = Column(
        "Covers",
        lambda p: p.reseller.name if p.reseller else "Everyone (default)",
        cell=Link("approvals:policy-edit"),
    )
    roles = Column(
        "Requests by",
        lambda p: (
            ", ".join(ROLES.get(role, role) for role in p.roles)
            + (" and distributor staff" if p.include_distributor_staff else "")
        ),
    )
    rules = Column("Held", _rules, css="small")
    approver = Column("Decided by", cell=Choice(Approver.choices), css="small")
    expires_after_hours = Column("Expires after (h)", css="num")
