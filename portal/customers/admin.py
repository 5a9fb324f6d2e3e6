from django.contrib import admin, messages

from portal.core.admin_utils import RawPayloadMixin
from portal.core.models import Source

from .models import ConnectionTotals, Customer, SeatChange, Subscription, Tenant


class TenantInline(admin.TabularInline):
    model = Tenant
    fields = ("name", "connection", "external_id", "status", "last_seen_at")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    fields = (
        "product_name",
        "product_code",
        "status",
        "seats",
        "seats_used",
        "is_trial",
        "trial_ends",
    )
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
    # "Customers at this vendor" is what support asks most after a name.
    list_filter = ["kind", "status", ("tenants__connection__vendor", admin.ChoicesFieldListFilter)]
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
    actions = ["create_customers"]
    readonly_fields = [
        "suggested_customers",
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

    @admin.display(description="Suggested customers")
    def suggested_customers(self, obj):
        from portal.sync.adoption import tenant_suggestions

        if obj.customer_id:
            return "Linked."
        found = tenant_suggestions(obj)
        if not found:
            return (
                "No customer with this name; use the action 'Create a customer from each tenant'."
            )
        return ", ".join(f"{c.name} ({why})" for c, why in found)  # the admin escapes it

    def save_model(self, request, obj, form, change):
        """Linking a tenant to a customer goes through the adoption service, which audits it."""
        from portal.sync.adoption import tenant_link

        if change and "customer" in form.changed_data and obj.customer_id:
            tenant_link(tenant=obj, customer=obj.customer, actor=request.user, source=Source.ADMIN)
            form.changed_data.remove("customer")
        super().save_model(request, obj, form, change)

    @admin.action(description="Create a customer from each selected unmatched tenant")
    def create_customers(self, request, queryset):
        from portal.sync.adoption import tenant_adopt_as_new_customer

        created = 0
        for tenant in queryset.filter(customer__isnull=True):
            tenant_adopt_as_new_customer(tenant=tenant, actor=request.user, source=Source.ADMIN)
            created += 1
        self.message_user(request, f"{created} customers created and linked.", messages.SUCCESS)


class SeatChangeInline(admin.TabularInline):
    """The seat history billing prorates from; written by the mirror only."""

    model = SeatChange
    fields = ("observed_at", "seats", "status", "addons")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


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
    inlines = [SeatChangeInline]


@admin.register(SeatChange)
class SeatChangeAdmin(admin.ModelAdmin):
    list_display = ["subscription", "observed_at", "seats", "status"]
    list_filter = ["status"]
    list_select_related = ["subscription"]
    search_fields = ["subscription__external_id", "subscription__tenant__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConnectionTotals)
class ConnectionTotalsAdmin(admin.ModelAdmin):
    """Read-only: kept by syncs and operations (portal.customers.totals)."""

    list_display = ["connection", "tenants", "seats", "seats_used", "refreshed_at"]
    readonly_fields = ["connection", "tenants", "seats", "seats_used", "refreshed_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
