from django.contrib import admin

from portal.core.admin_utils import pretty_json

from .models import Discrepancy, SyncRun, VendorCallStat, WebhookEvent


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
