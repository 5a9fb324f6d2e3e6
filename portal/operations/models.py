"""The operation ledger: every change requested at a vendor, written before anything is sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from portal.core.models import Source, TimeStamped


class OperationKind(models.TextChoices):
    CREATE_TENANT = "create_tenant", "Create tenant"
    CHANGE_SEATS = "change_seats", "Change seats"
    CHANGE_ADDONS = "change_addons", "Change add-ons"
    CHANGE_PLAN = "change_plan", "Change plan"
    SUSPEND = "suspend", "Suspend"
    RESUME = "resume", "Resume"
    CANCEL = "cancel", "Cancel"
    CONVERT_TRIAL = "convert_trial", "Convert trial"


class OperationState(models.TextChoices):
    #: Held by an approval policy (``portal.approvals``): nothing is sent until someone says yes.
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    VERIFYING = "verifying", "Verifying"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    #: A refused-for-good request replaced by an edited one (``superseded_by``).
    SUPERSEDED = "superseded", "Superseded"
    #: The approval was refused or expired: it ends here, with the reason in ``last_error``.
    REJECTED = "rejected", "Rejected"


#: On their way to the vendor (a worker will take them, or has).
IN_FLIGHT_STATES = (OperationState.PENDING, OperationState.RUNNING, OperationState.VERIFYING)
#: Not finished: in flight, or waiting for an approval (either blocks a second request).
OPEN_STATES = (OperationState.AWAITING_APPROVAL, *IN_FLIGHT_STATES)


class OperationBatch(TimeStamped):
    """A group of operations requested together (bulk suspend/resume of a customer subtree)."""

    kind = models.CharField(
        max_length=32, choices=OperationKind.choices, help_text="suspend or resume."
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        on_delete=models.SET_NULL,
        help_text="The customer the batch was requested for.",
    )
    description = models.CharField(
        max_length=300, blank=True, help_text="What the batch does, for people."
    )
    plan = models.JSONField(
        default=list,
        blank=True,
        help_text="The plan confirmed at creation (one line per tenant, with skips and reasons).",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    source = models.CharField(
        max_length=16,
        choices=Source.choices,
        default=Source.PAGE,
        help_text="Where it was requested.",
    )

    #: Operations per state, set by the API's batch list (not a column; declared for mypy).
    state_counts: dict[str, int]

    class Meta:
        verbose_name_plural = "operation batches"

    def __str__(self) -> str:
        return f"Batch #{self.pk}: {self.get_kind_display()} {self.description}"


class Operation(TimeStamped):
    kind = models.CharField(
        max_length=32, choices=OperationKind.choices, help_text="What is changed at the vendor."
    )
    state = models.CharField(
        max_length=20,
        choices=OperationState.choices,
        default=OperationState.PENDING,
        help_text="awaiting_approval, pending, running, verifying, succeeded, failed, "
        "cancelled, superseded or rejected.",
    )
    connection = models.ForeignKey(
        "catalog.VendorConnection",
        on_delete=models.PROTECT,
        related_name="operations",
        help_text="The vendor connection it runs against.",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="operations",
        help_text="The customer concerned.",
    )
    tenant = models.ForeignKey(
        "customers.Tenant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="operations",
        help_text="The vendor tenant concerned (set once created, for create_tenant).",
    )
    subscription = models.ForeignKey(
        "customers.Subscription",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="operations",
        help_text="The subscription concerned, for subscription changes.",
    )
    batch = models.ForeignKey(
        OperationBatch,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="operations",
        help_text="The bulk batch it belongs to, if any.",
    )
    params = models.JSONField(
        default=dict, blank=True, help_text="What is sent to the vendor, normalized."
    )
    #: Sent to the vendor (Lookout transactionId) or used to find an earlier create: never reused.
    idempotency_key = models.CharField(max_length=100, unique=True)
    #: Hash of the request body that created it, so an API replay with another body is a 409.
    request_fingerprint = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(
        max_length=16,
        choices=Source.choices,
        default=Source.PAGE,
        help_text="Where it was requested: api, page, admin, …",
    )
    attempts = models.PositiveIntegerField(default=0, help_text="Attempts made so far.")
    held_back = models.PositiveIntegerField(
        default=0,
        help_text=(
            "Attempts the client-side rate limit or a shared cool-down held back before the "
            "vendor could be called: re-enqueued, and not counted against the attempts allowed."
        ),
    )
    max_attempts = models.PositiveIntegerField(
        default=5, help_text="Attempts allowed before it fails."
    )
    last_error = models.TextField(blank=True, help_text="Why the latest attempt failed, for staff.")
    superseded_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supersedes",
        help_text="The edited request that replaced this refused one.",
    )
    error_detail = models.JSONField(
        default=dict,
        blank=True,
        help_text="The vendor's error (status, code, field errors), redacted.",
    )
    result = models.JSONField(
        default=dict,
        blank=True,
        help_text="What the vendor answered on success (tenant and subscription ids).",
    )
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next attempt is due, while retrying."
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="While running: when the attempt's lease lapses unless its worker renews it "
        "(the reaper then hands the operation to another worker).",
    )
    started_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker first picked it up."
    )
    finished_at = models.DateTimeField(
        null=True, blank=True, help_text="When it reached a final state."
    )
    # Set by the engine during a run, not columns (declared for the type checker): the step at
    # the vendor ("read_back" or "send") and the milliseconds spent inside the adapter.
    stage: str
    adapter_ms: float
    #: The state the claim took the run from (a held-back run goes back to it).
    claimed_from: str

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "kind"]),
            models.Index(fields=["connection", "state"]),
            models.Index(fields=["tenant", "kind", "state"]),
            models.Index(fields=["customer", "-created_at"]),
            # The operations page: newest first, whole list or one state.
            models.Index(fields=["created_at", "id"]),
            models.Index(fields=["state", "created_at", "id"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(idempotency_key=""), name="operation_key_set"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_in_flight(self) -> bool:
        """On its way to the vendor: the page follows it live (an approval may take days)."""
        return self.state in IN_FLIGHT_STATES

    @property
    def refused_for_good(self) -> bool:
        """Failed on a vendor refusal that sending the same request again cannot change (bad
        input, a conflict, something the vendor does not do): staff edit it, not resend it."""
        return self.state == OperationState.FAILED and self.error_detail.get("kind") in (
            "VendorBadRequest",
            "VendorConflict",
            "VendorUnsupported",
        )


class OperationAttempt(models.Model):
    """One try at the vendor, with what came back."""

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True)
    vendor_status = models.IntegerField(null=True, blank=True)
    vendor_answer = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["operation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["operation", "number"], name="attempt_unique_number")
        ]

    def __str__(self) -> str:
        return f"#{self.operation_id} attempt {self.number}: {self.outcome or 'running'}"
