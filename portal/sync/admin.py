from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from portal.core.admin_utils import pretty_json
from portal.core.models import Source

from .models import DetailRead, Discrepancy, SyncPage, SyncRun, VendorCallStat, WebhookEvent


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "connection",
        "scope",
        "period",
        "status",
        "pages_done",
        "items_seen",
        "created_count",
        "updated_count",
        "unchanged_count",
        "missing_count",
        "started_at",
        "finished_at",
    ]
    list_filter = ["status", "scope", "connection__vendor"]
    search_fields = ["connection__name", "error"]
    autocomplete_fields = ["connection"]
    readonly_fields = ["errors_pretty"]
    exclude = ["errors"]
    list_select_related = ["connection"]

    @admin.display(description="Errors")
    def errors_pretty(self, obj):
        return pretty_json(obj.errors)


@admin.register(Discrepancy)
class DiscrepancyAdmin(admin.ModelAdmin):
    list_display = [
        "tenant",
        "subscription",
        "field",
        "ours",
        "vendor_value",
        "status",
        "resolution",
        "last_seen_at",
    ]
    list_filter = ["status", "resolution", "field"]
    search_fields = ["tenant__name", "field"]
    autocomplete_fields = ["tenant", "subscription", "resolved_by"]
    list_select_related = ["tenant", "subscription"]
    actions = ["accept_vendor", "reapply_ours", "ignore"]

    def _resolve(self, request, queryset, service, done: str) -> None:
        count = 0
        for discrepancy in queryset.filter(status="open"):
            try:
                service(discrepancy=discrepancy, actor=request.user, source=Source.ADMIN)
                count += 1
            except ValidationError as exc:
                self.message_user(
                    request, f"{discrepancy}: {' '.join(exc.messages)}", messages.ERROR
                )
        self.message_user(request, f"{count} discrepancies {done}.", messages.SUCCESS)

    @admin.action(description="Accept the vendor's value")
    def accept_vendor(self, request, queryset):
        from .discrepancies import discrepancy_accept_vendor

        self._resolve(request, queryset, discrepancy_accept_vendor, "accepted")

    @admin.action(description="Re-apply our value (creates an operation)")
    def reapply_ours(self, request, queryset):
        from .discrepancies import discrepancy_reapply

        self._resolve(request, queryset, discrepancy_reapply, "re-applied")

    @admin.action(description="Ignore")
    def ignore(self, request, queryset):
        from .discrepancies import discrepancy_ignore

        self._resolve(request, queryset, discrepancy_ignore, "ignored")


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["event_type", "connection", "event_id", "status", "received_at", "processed_at"]
    list_filter = ["status", "event_type"]
    search_fields = ["event_id", "event_type"]
    autocomplete_fields = ["connection"]
    readonly_fields = ["payload_pretty"]
    exclude = ["payload"]

    @admin.display(description="Payload")
    def payload_pretty(self, obj):
        return pretty_json(obj.payload)


@admin.register(VendorCallStat)
class VendorCallStatAdmin(admin.ModelAdmin):
    list_display = ["connection", "hour", "calls", "errors", "total_latency_ms", "max_latency_ms"]
    list_filter = ["connection__vendor"]
    search_fields = ["connection__name"]
    autocomplete_fields = ["connection"]


@admin.register(DetailRead)
class DetailReadAdmin(admin.ModelAdmin):
    """The sync's memo of vendor details: read-only (support deletes a row to force a re-read)."""

    list_display = ["connection", "key", "tenant_external_id", "read_at"]
    list_filter = ["connection__vendor"]
    search_fields = ["key", "tenant_external_id"]
    list_select_related = ["connection"]
    readonly_fields = [
        "connection",
        "key",
        "tenant_external_id",
        "row_fingerprint",
        "tenant_fingerprint",
        "detail_pretty",
        "read_at",
    ]
    exclude = ["detail"]

    @admin.display(description="Detail")
    def detail_pretty(self, obj):
        return pretty_json(obj.detail)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SyncPage)
class SyncPageAdmin(admin.ModelAdmin):
    """Where each sync's listing stood page by page (what a resumed sync starts from): read-only."""

    list_display = ["run", "number", "applied_at"]
    list_filter = ["run__connection__vendor"]
    search_fields = ["run__connection__name"]
    list_select_related = ["run"]
    readonly_fields = ["run", "number", "cursor", "external_ids", "applied_at"]

    def has_add_permission(self, request):
        return False
