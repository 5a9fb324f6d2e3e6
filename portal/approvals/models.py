"""Approval policies per reseller, and the approvals operations wait for.

A policy says which changes, requested by which roles, need someone's yes before anything is
sent to the vendor. It is set on a reseller and holds for its whole subtree, until a reseller
further down has its own (the nearest policy wins, whole: see ``policies.policy_for``); the
policy without a reseller is the distributor's default.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce

from portal.accounts.models import Role
from portal.core.models import TimeStamped


class Approver(models.TextChoices):
    DISTRIBUTOR = "distributor", "A distributor admin"
    RESELLER_ADMIN = "reseller_admin", "The reseller's own admin (or a distributor admin)"


def _default_roles() -> list[str]:
    return [Role.OPERATOR]


def _default_hours() -> int:
    return settings.APPROVAL_EXPIRY_HOURS


class ApprovalPolicy(TimeStamped):
    reseller = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="approval_policies",
        limit_choices_to={"kind": "reseller"},
        help_text="The reseller whose subtree it covers; empty: the distributor's default.",
    )
    roles = models.JSONField(
        default=_default_roles,
        help_text="Roles whose requests need approval (admin, operator).",
    )
    include_distributor_staff = models.BooleanField(
        default=False,
        help_text="Also hold requests by distributor staff (not only the reseller's own users).",
    )
    new_tenant = models.BooleanField(default=True, help_text="Opening a vendor account.")
    cancel = models.BooleanField(default=True, help_text="Cancelling a tenant or subscription.")
    plan_change = models.BooleanField(default=False, help_text="Moving to another product.")
    bulk = models.BooleanField(
        default=True, help_text="Suspending or resuming a whole customer subtree (one batch)."
    )
    seats_above = models.PositiveIntegerField(
        null=True, blank=True, help_text="Seat increases by more than this many seats."
    )
    seats_above_percent = models.PositiveIntegerField(
        null=True, blank=True, help_text="Seat increases by more than this percentage."
    )
    amount_above = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Changes whose monthly price (the customer's sell price) rises above this.",
    )
    approver = models.CharField(
        max_length=16,
        choices=Approver.choices,
        default=Approver.DISTRIBUTOR,
        help_text="Who decides.",
    )
    expires_after_hours = models.PositiveIntegerField(
        default=_default_hours, help_text="An undecided request is rejected after this long."
    )

    class Meta:
        verbose_name_plural = "approval policies"
        ordering = ["reseller__name", "pk"]
        constraints = [
            # One policy per reseller, and one default (no reseller).
            models.UniqueConstraint(
                Coalesce("reseller", 0), name="approvalpolicy_one_per_reseller"
            ),
        ]

    def __str__(self) -> str:
        return f"Approval policy for {self.reseller.name if self.reseller else 'everyone'}"


class ApprovalState(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Approval(TimeStamped):
    """The question one operation (or one bulk batch, as a whole) waits on."""

    operation = models.OneToOneField(
        "operations.Operation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="approval",
        help_text="The operation held (empty for a batch).",
    )
    batch = models.OneToOneField(
        "operations.OperationBatch",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="approval",
        help_text="The bulk batch held, approved as one.",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The customer the change is for (whose scope sees it).",
    )
    policy = models.ForeignKey(
        ApprovalPolicy,
        null=True,
        on_delete=models.SET_NULL,
        related_name="approvals",
        help_text="The policy that held it (empty once that policy was deleted).",
    )
    reasons = models.JSONField(default=list, help_text="Why the policy holds it, for people.")
    approver_reseller = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Whose admins may decide besides distributor admins (empty: distributor only).",
    )
    state = models.CharField(
        max_length=16,
        choices=ApprovalState.choices,
        default=ApprovalState.PENDING,
        help_text="pending, approved, rejected, expired or withdrawn.",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(help_text="When an undecided request is rejected.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was approved, rejected, expired or withdrawn."
    )
    decision_reason = models.CharField(
        max_length=500, blank=True, help_text="Why it was approved or rejected."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(operation__isnull=False) ^ Q(batch__isnull=False),
                name="approval_one_subject",
            )
        ]

    def __str__(self) -> str:
        subject = f"batch #{self.batch_id}" if self.batch_id else f"operation #{self.operation_id}"
        return f"Approval #{self.pk} for {subject} ({self.state})"

    @property
    def is_pending(self) -> bool:
        return self.state == ApprovalState.PENDING
