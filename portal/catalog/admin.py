from django.contrib import admin, messages

from portal.core.admin_utils import RawPayloadMixin
from portal.core.models import Source
from portal.sync.adapters import connection_test

from . import services
from .forms import VendorConnectionForm
from .models import Product, VendorConnection


def _report(admin_obj, request, result) -> None:
    admin_obj.message_user(
        request, result.message, messages.SUCCESS if result.queued else messages.WARNING
    )


@admin.register(VendorConnection)
class VendorConnectionAdmin(admin.ModelAdmin):
    form = VendorConnectionForm
    list_display = [
        "name",
        "vendor",
        "base_url",
        "enabled",
        "sync_status",
        "last_success_at",
        "last_error_short",
    ]
    list_filter = ["vendor", "enabled", "sync_status"]
    search_fields = ["name", "base_url"]
    readonly_fields = (
        "sync_status",
        "last_synced_at",
        "last_success_at",
        "last_error",
        "sync_claimed_at",
        "created_at",
        "updated_at",
    )
    fieldsets = [
        (None, {"fields": ["vendor", "name", "base_url", "enabled", "new_credentials"]}),
        ("Sync", {"fields": readonly_fields}),
    ]
    actions = ["test_connections", "sync_now", "collect_last_month"]

    def save_model(self, request, obj, form, change):
        """Through the connection services, so the admin audits like the page and the API."""
        fields = {name: form.cleaned_data[name] for name in VendorConnectionForm.Meta.fields}
        credentials = form.cleaned_data.get("credentials_value")
        if change:
            services.connection_update(
                connection=VendorConnection.objects.get(pk=obj.pk),
                credentials=credentials,
                actor=request.user,
                source=Source.ADMIN,
                **fields,
            )
        else:
            obj.pk = services.connection_create(
                credentials=credentials, actor=request.user, source=Source.ADMIN, **fields
            ).pk
        obj.refresh_from_db()

    @admin.display(description="Last error")
    def last_error_short(self, obj):
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    @admin.action(description="Test connection")
    def test_connections(self, request, queryset):
        for connection in queryset:
            result = connection_test(connection, actor=request.user, source=Source.ADMIN)
            level = messages.SUCCESS if result.ok else messages.ERROR
            self.message_user(request, f"{connection.name}: {result.message}", level)

    @admin.action(description="Sync now")
    def sync_now(self, request, queryset):
        from portal.sync.enqueue import sync_request

        for connection in queryset:
            _report(
                self,
                request,
                sync_request(connection, triggered_by=f"admin {request.user}", actor=request.user),
            )

    @admin.action(description="Collect last month's usage")
    def collect_last_month(self, request, queryset):
        from portal.sync.enqueue import usage_request
        from portal.usage.collection import previous_month

        for connection in queryset:
            _report(
                self,
                request,
                usage_request(
                    connection,
                    previous_month(),
                    triggered_by=f"admin {request.user}",
                    actor=request.user,
                ),
            )


@admin.register(Product)
class ProductAdmin(RawPayloadMixin, admin.ModelAdmin):
    list_display = ["name", "code", "kind", "connection", "trial_available", "is_active"]
    list_filter = ["kind", "trial_available", "is_active", "connection__vendor"]
    search_fields = ["name", "code", "external_id"]
    autocomplete_fields = ["connection"]
    exclude = ["raw"]
    readonly_fields = ["raw_pretty", "fingerprint", "created_at", "updated_at"]
