"""Outbound webhooks in the admin: subscriptions (secret never shown) and the delivery log."""

from django.contrib import admin

from portal.core.admin_utils import pretty_json

from .models import WebhookAttempt, WebhookDelivery, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    exclude = ["secret"]
    readonly_fields = ["created_at", "updated_at"]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ("number", "at", "status_code", "duration_ms", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "event_type",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
    ]
    list_filter = ["status", "event_type"]
    search_fields = ["event_id", "subscription__name"]
    readonly_fields = ["payload_pretty"]
    exclude = ["payload"]
    inlines = [WebhookAttemptInline]
    list_select_related = ["subscription"]

    @admin.display(description="Payload")
    def payload_pretty(self, obj):
        return pretty_json(obj.payload)


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(admin.ModelAdmin):
    list_display = ["delivery", "number", "at", "status_code", "duration_ms"]
    search_fields = ["delivery__event_id", "error"]
    readonly_fields = [
        "delivery",
        "number",
        "at",
        "status_code",
        "response_body",
        "error",
        "duration_ms",
    ]
