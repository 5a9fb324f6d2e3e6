from django.contrib import admin

from portal.core.admin_utils import pretty_json

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is never edited or deleted through the admin."""

    list_display = [
        "at",
        "actor_label",
        "source",
        "action",
        "object_type",
        "object_repr",
        "customer",
    ]
    list_filter = ["source", "action", "object_type"]
    search_fields = ["actor_label", "action", "object_repr", "object_id"]
    readonly_fields = [
        "at",
        "actor",
        "actor_label",
        "source",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "customer",
        "detail_pretty",
    ]
    exclude = ["detail"]
    list_select_related = ["customer"]

    @admin.display(description="Detail")
    def detail_pretty(self, obj):
        return pretty_json(obj.detail)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff
