from django.contrib import admin

from portal.core.admin_utils import pretty_json

from .models import Operation, OperationAttempt, OperationBatch


class AttemptInline(admin.TabularInline):
    model = OperationAttempt
    fields = ("number", "started_at", "finished_at", "outcome", "vendor_status", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Operation)
class OperationAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "state",
        "connection",
        "customer",
        "tenant",
        "attempts",
        "created_at",
        "finished_at",
    ]
    list_filter = ["state", "kind", "connection__vendor", "source"]
    search_fields = ["idempotency_key", "customer__name", "tenant__name", "last_error"]
    autocomplete_fields = [
        "connection",
        "customer",
        "tenant",
        "subscription",
        "batch",
        "requested_by",
    ]
    readonly_fields = [
        "state",
        "attempts",
        "last_error",
        "params_pretty",
        "result_pretty",
        "error_pretty",
        "claimed_at",
        "started_at",
        "finished_at",
        "next_attempt_at",
        "created_at",
        "updated_at",
    ]
    exclude = ["params", "result", "error_detail"]
    inlines = [AttemptInline]
    list_select_related = ["connection", "customer", "tenant"]

    @admin.display(description="Parameters")
    def params_pretty(self, obj):
        return pretty_json(obj.params)

    @admin.display(description="Vendor answer")
    def result_pretty(self, obj):
        return pretty_json(obj.result)

    @admin.display(description="Error detail")
    def error_pretty(self, obj):
        return pretty_json(obj.error_detail)


@admin.register(OperationBatch)
class OperationBatchAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "customer", "description", "requested_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["description", "customer__name"]
    autocomplete_fields = ["customer", "requested_by"]


@admin.register(OperationAttempt)
class OperationAttemptAdmin(admin.ModelAdmin):
    list_display = ["operation", "number", "outcome", "vendor_status", "started_at", "finished_at"]
    list_filter = ["outcome"]
    search_fields = ["operation__idempotency_key", "error"]
    autocomplete_fields = ["operation"]
