from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from portal.billing.services import billing_month_reopen
from portal.core.admin_utils import RawPayloadMixin
from portal.core.models import Source
from portal.usage.selectors import scoped_usage

from .models import MonthClose, UsageAdjustment, UsageRecord
from .services import UsageCloseError


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

    def get_queryset(self, request):
        return scoped_usage(request.user, super().get_queryset(request))


@admin.register(MonthClose)
class MonthCloseAdmin(admin.ModelAdmin):
    """Closes are made on the usage review page; here support sees them and admins reopen."""

    list_display = ["connection", "period", "is_closed", "closed_at", "closed_by", "reopened_at"]
    list_filter = ["is_closed", "period", "connection__vendor"]
    list_select_related = ["connection", "closed_by"]
    actions = ["reopen"]
    readonly_fields = [f.name for f in MonthClose._meta.fields]

    def has_add_permission(self, request):
        return False  # a close needs the missing-usage check: use the review page

    def has_delete_permission(self, request, obj=None):
        return False  # the close history stays

    @admin.action(description="Reopen the selected months (audited)")
    def reopen(self, request, queryset):
        done = 0
        for close in queryset.filter(is_closed=True).select_related("connection"):
            try:
                billing_month_reopen(
                    connection=close.connection,
                    period=close.period,
                    actor=request.user,
                    reason="admin action",
                    source=Source.ADMIN,
                )
            except (UsageCloseError, PermissionDenied) as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
            done += 1
        self.message_user(request, f"Reopened {done} month(s).", messages.SUCCESS)


@admin.register(UsageAdjustment)
class UsageAdjustmentAdmin(RawPayloadMixin, admin.ModelAdmin):
    list_display = [
        "tenant",
        "period",
        "metric",
        "frozen_quantity",
        "vendor_quantity",
        "detected_at",
    ]
    list_filter = ["period", "metric", "tenant__connection__vendor"]
    search_fields = ["tenant__name", "subscription_key"]
    list_select_related = ["tenant"]
    exclude = ["raw"]
    readonly_fields = [f.name for f in UsageAdjustment._meta.fields if f.name != "raw"] + [
        "raw_pretty"
    ]

    def has_add_permission(self, request):
        return False  # adjustments come from vendor reports only
