from django.contrib import admin

from portal.core.admin_utils import RawPayloadMixin

from .models import UsageRecord


@admin.register(UsageRecord)
class UsageRecordAdmin(RawPayloadMixin, admin.ModelAdmin):
    list_display = [
        "tenant",
        "period",
        "metric",
        "quantity",
        "unit",
        "vendor_field",
        "source",
        "collected_at",
    ]
    list_filter = ["metric", "source", "period", "tenant__connection__vendor"]
    search_fields = ["tenant__name", "vendor_field", "subscription_key"]
    autocomplete_fields = ["tenant", "subscription"]
    exclude = ["raw"]
    readonly_fields = ["raw_pretty", "collected_at"]
    list_select_related = ["tenant"]
