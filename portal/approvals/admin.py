"""Support reads approvals (decided on the pages and the API, never here) and may edit
policies; a policy saved or deleted in the admin goes through the audited services."""

from __future__ import annotations

from django.contrib import admin

from portal.core.models import Source

from .models import Approval, ApprovalPolicy
from .services import policy_delete, policy_save


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "approver", "new_tenant", "cancel", "seats_above", "amount_above")
    list_select_related = ("reseller",)
    search_fields = ("reseller__name",)
    autocomplete_fields = ("reseller",)

    def save_model(self, request, obj, form, change):
        policy_save(policy=obj, actor=request.user, source=Source.ADMIN)

    def delete_model(self, request, obj):
        policy_delete(policy=obj, actor=request.user, source=Source.ADMIN)

    def delete_queryset(self, request, queryset):
        for policy in queryset:
            policy_delete(policy=policy, actor=request.user, source=Source.ADMIN)


@admin.register(Approval)
class ApprovalAdmin(admin.ModelAdmin):
    list_display = ("pk", "created_at", "customer", "state", "requested_by", "decided_by")
    list_filter = ("state",)
    search_fields = ("customer__name", "requested_by__username", "decision_reason")
    list_select_related = ("customer", "requested_by", "decided_by")
    readonly_fields = [f.name for f in Approval._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
