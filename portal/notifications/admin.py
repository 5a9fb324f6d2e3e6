"""Support sees every notice and its mail state (read-only: notices are told, not edited)."""

from __future__ import annotations

from django.contrib import admin

from .models import Notice, NotificationPreference


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "title", "mail_state", "mail_attempts", "read_at")
    list_filter = ("kind", "mail_state")
    search_fields = ("title", "user__username", "user__email")
    list_select_related = ("user",)
    readonly_fields = [f.name for f in Notice._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "delivery")
    list_filter = ("kind", "delivery")
    search_fields = ("user__username",)
    list_select_related = ("user",)
