from django.contrib import admin

from portal.core.admin_utils import RawPayloadMixin

from .models import Customer, Subscription, Tenant


class TenantInline(admin.TabularInline):
    model = Tenant
    fields = ["name", "connection", "external_id", "status", "last_seen_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    fields = [
        "product_name",
        "product_code",
        "status",
        "seats",
        "seats_used",
        "is_trial",
        "trial_ends",
    ]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "parent",
        "status",
        "reference",
        "external_ref",
        "contact_email",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["name", "reference", "external_ref", "contact_email"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["reference", "path", "created_at", "updated_at"]
    inlines = [TenantInline]
    list_select_related = ["parent"]


@admin.register(Tenant)
class TenantAdmin(RawPayloadMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "connection",
        "customer",
        "external_id",
        "status",
        "last_seen_at",
        "missing_since",
    ]
    list_filter = [
        "status",
        "connection__vendor",
        "connection",
        ("customer", admin.EmptyFieldListFilter),
    ]
    search_fields = ["name", "external_id", "vendor_reference", "customer__name"]
    autocomplete_fields = ["connection", "customer"]
    exclude = ["raw"]
    readonly_fields = [
        "raw_pretty",
        "fingerprint",
        "first_seen_at",
        "last_seen_at",
        "missing_since",
        "created_at",
        "updated_at",
    ]
    inlines = [SubscriptionInline]
    list_select_related = ["connection", "customer"]


@admin.register(Subscription)
class SubscriptionAdmin(RawPayloadMixin, admin.ModelAdmin):
    list_display = [
        "tenant",
        "product_name",
        "status",
        "seats",
        "seats_used",
        "is_trial",
        "trial_ends",
    ]
    list_filter = ["status", "is_trial", "tenant__connection__vendor"]
    search_fields = ["external_id", "product_code", "product_name", "tenant__name"]
    autocomplete_fields = ["tenant", "product"]
    exclude = ["raw"]
    readonly_fields = [
        "raw_pretty",
        "fingerprint",
        "last_seen_at",
        "missing_since",
        "created_at",
        "updated_at",
    ]
    list_select_related = ["tenant"]
