"""Sync runs, drift between intent and vendor (discrepancies), and inbound vendor webhooks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class SyncScope(models.TextChoices):
    FULL = "full", "Catalog, tenants and subscriptions"
    USAGE = "usage", "Usage for a month"
    TENANT = "tenant", "One tenant"


class SyncRunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIAL = "partial", "Partial"
    FAILED = "failed", "Failed"
    DEFERRED = "deferred", "Deferred"


class SyncRun(models.Model):
    connection = models.ForeignKey(
        "catalog.VendorConnection",
        on_delete=models.CASCADE,
        related_name="sync_runs",
        help_text="The connection synced.",
    )
    scope = models.CharField(
        max_length=16,
        choices=SyncScope.choices,
        default=SyncScope.FULL,
        help_text="What the run pulls: full (catalog, tenants, subscriptions) or usage.",
    )
    period = models.DateField(
        null=True, blank=True, help_text="First day of the month, for usage runs."
    )
    status = models.CharField(
        max_length=16,
        choices=SyncRunStatus.choices,
        default=SyncRunStatus.QUEUED,
        help_text="queued, running, succeeded, partial or failed.",
    )
    pages_done = models.PositiveIntegerField(default=0, help_text="Vendor pages processed so far.")
    items_seen = models.PositiveIntegerField(default=0, help_text="Tenants seen so far.")
    items_total = models.PositiveIntegerField(
        null=True, blank=True, help_text="Tenants expected, when known."
    )
    created_count = models.PositiveIntegerField(default=0, help_text="Rows created.")
    updated_count = models.PositiveIntegerField(default=0, help_text="Rows changed.")
    unchanged_count = models.PositiveIntegerField(default=0, help_text="Rows seen unchanged.")
    missing_count = models.PositiveIntegerField(
        default=0, help_text="Tenants no longer listed by the vendor (marked missing)."
    )
    errors = models.JSONField(
        default=list,
        blank=True,
        help_text="Per-page or per-tenant errors (vendor, status, message).",
    )
    error = models.TextField(blank=True, help_text="Why the run stopped or was partial.")
    triggered_by = models.CharField(
        max_length=100, blank=True, help_text="Who or what asked for the run."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(
        null=True, blank=True, help_text="When the worker started it."
    )
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When it ended.")
    calls = models.PositiveIntegerField(
        default=0, help_text="Vendor calls the run made (every attempt, retries included)."
    )
    deferred_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a run deferred to keep the daily quota's reserve for staff will run.",
    )
    resumed_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resumed_by",
        help_text="The unfinished run whose listing this one took up from its last page.",
    )
    #: Set on a finished full sync for benchmarks; not a column (declared for the type checker).
    rows_written: int
    #: Likewise: details read this sync, of them only for the due refresh, memo rows stored.
    detail_reads: int
    refresh_reads: int
    details_written: int
    #: Set when the run was held back: seconds until its task runs again (it resumes then).
    rerun_in: float

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["connection", "-created_at"]),
            models.Index(fields=["status"]),
        ]

    def __str__(self) -> str:
        return f"Sync #{self.pk} {self.connection_id} {self.scope} {self.status}"

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class DiscrepancyStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class Resolution(models.TextChoices):
    ACCEPTED_VENDOR = "accepted_vendor", "Accepted the vendor's value"
    REAPPLIED = "reapplied", "Re-applied ours"
    IGNORED = "ignored", "Ignored"
    SELF_HEALED = "self_healed", "Values agree again"


class Discrepancy(models.Model):
    """A value the portal set that the vendor now reports differently."""

    tenant = models.ForeignKey(
        "customers.Tenant",
        on_delete=models.CASCADE,
        related_name="discrepancies",
        help_text="The tenant where the values differ.",
    )
    subscription = models.ForeignKey(
        "customers.Subscription",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="discrepancies",
        help_text="The subscription concerned, if any.",
    )
    field = models.CharField(
        max_length=64, help_text="The field that differs (seats, addons, status, …)."
    )
    ours = models.JSONField(null=True, blank=True, help_text="The value the portal set.")
    vendor_value = models.JSONField(
        null=True, blank=True, help_text="The value the vendor reports."
    )
    status = models.CharField(
        max_length=16,
        choices=DiscrepancyStatus.choices,
        default=DiscrepancyStatus.OPEN,
        help_text="open or resolved.",
    )
    resolution = models.CharField(max_length=16, choices=Resolution.choices, blank=True)
    first_seen_at = models.DateTimeField(
        auto_now_add=True, help_text="When sync first saw the difference."
    )
    last_seen_at = models.DateTimeField(auto_now_add=True, help_text="When sync last saw it.")
    resolved_at = models.DateTimeField(null=True, blank=True, help_text="When it was resolved.")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-last_seen_at"]
        verbose_name_plural = "discrepancies"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "subscription", "field"],
                condition=Q(status="open"),
                name="discrepancy_one_open_per_field",
            )
        ]
        indexes = [models.Index(fields=["status", "last_seen_at"])]  # the page's default view

    def __str__(self) -> str:
        return f"{self.tenant} {self.field}: ours {self.ours!r} vs vendor {self.vendor_value!r}"


class WebhookEvent(models.Model):
    """One vendor webhook delivery, stored once (deduplicated) before it is applied."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Failed"

    connection = models.ForeignKey(
        "catalog.VendorConnection", on_delete=models.CASCADE, related_name="webhook_events"
    )
    event_id = models.CharField(max_length=128)
    event_type = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "event_id"], name="webhook_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id[:12]}"


#: The latency histogram's bucket bounds in milliseconds (``VendorCallStat.latency_le_<ms>ms``).
LATENCY_BUCKETS_MS = (100, 250, 500, 1000, 2500, 5000, 10000)
LATENCY_BUCKET_FIELDS = tuple(f"latency_le_{bound}ms" for bound in LATENCY_BUCKETS_MS)


class VendorCallStat(models.Model):
    """Calls to a vendor aggregated per connection and hour: latency and errors for the dashboard."""

    connection = models.ForeignKey(
        "catalog.VendorConnection", on_delete=models.CASCADE, related_name="call_stats"
    )
    hour = models.DateTimeField()
    calls = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    #: Of the errors: throttled (429, the vendor asked us to wait) and refused (the vendor
    #: answered no: bad request, conflict, unsupported, not found, credentials); the rest failed
    #: (timeouts, 5xx, unreadable answers).
    throttled = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    total_latency_ms = models.FloatField(default=0)
    max_latency_ms = models.FloatField(default=0)
    #: Calls answered within each bound (cumulative, like a Prometheus histogram's buckets).
    latency_le_100ms = models.PositiveIntegerField(default=0)
    latency_le_250ms = models.PositiveIntegerField(default=0)
    latency_le_500ms = models.PositiveIntegerField(default=0)
    latency_le_1000ms = models.PositiveIntegerField(default=0)
    latency_le_2500ms = models.PositiveIntegerField(default=0)
    latency_le_5000ms = models.PositiveIntegerField(default=0)
    latency_le_10000ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-hour"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "hour"], name="callstat_unique_hour")
        ]

    def __str__(self) -> str:
        return f"{self.connection_id} {self.hour:%Y-%m-%d %H}: {self.calls} calls"


class DetailRead(models.Model):
    """What the last sync read of one detail (a licence, a subscription) and with which list row.

    The sync reads the detail again only when the row's fingerprint changed, the mirror tenant
    changed since (an operation's result), or the periodic full refresh is due.
    """

    connection = models.ForeignKey(
        "catalog.VendorConnection",
        on_delete=models.CASCADE,
        related_name="detail_reads",
        help_text="The connection synced.",
    )
    key = models.CharField(max_length=200, help_text="The detail's id at the vendor.")
    tenant_external_id = models.CharField(max_length=200, help_text="The tenant it belongs to.")
    row_fingerprint = models.CharField(
        max_length=64, help_text="Hash of the list row the detail was read with."
    )
    tenant_fingerprint = models.CharField(
        max_length=64, blank=True, help_text="The mirror tenant's fingerprint after the read."
    )
    detail = models.JSONField(null=True, blank=True, help_text="The detail as the vendor sent it.")
    read_at = models.DateTimeField(help_text="When the detail was last read from the vendor.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "key"], name="detail_read_once")
        ]
        indexes = [models.Index(fields=["connection", "read_at"], name="detail_read_age")]

    def __str__(self) -> str:
        return f"{self.connection_id} {self.key}"


class SyncPage(models.Model):
    """One tenant page a full sync applied: where the listing stood and whom it listed.

    A run killed at page 900 is resumed from its last page's cursor (SYNC_RESUME_MAX_AGE_SECONDS)
    and a resumed pull marks tenants missing only from the pages its whole chain of runs saw.
    """

    run = models.ForeignKey(
        SyncRun, on_delete=models.CASCADE, related_name="pages", help_text="The run."
    )
    number = models.PositiveIntegerField(help_text="1 for the run's first page.")
    cursor = models.JSONField(
        null=True, blank=True, help_text="The adapter's position that fetched the page."
    )
    external_ids = models.JSONField(default=list, help_text="The tenants the page listed.")
    applied_at = models.DateTimeField(help_text="When the page was mirrored.")

    class Meta:
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="sync_page_once")]

    def __str__(self) -> str:
        return f"Sync #{self.run_id} page {self.number}"
