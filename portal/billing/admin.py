"""Support's view of price books and frozen billing. Prices are written through the services
(checked and audited as from any door); runs and lines are read-only: a close makes them."""

from django.contrib import admin

from portal.core.models import Source

from .forms import PriceEntryForm
from .models import (
    BillingLine,
    BillingRun,
    PriceEntry,
    PriceOverride,
    ResellerMarkup,
    Statement,
    StatementMapping,
    StatementRow,
)
from .reconcile import MAPPING_FIELDS, statement_mapping_save
from .services import PRICE_FIELDS, markup_set, override_set, price_entry_save


@admin.register(PriceEntry)
class PriceEntryAdmin(admin.ModelAdmin):
    form = PriceEntryForm
    list_display = [
        "product",
        "addon",
        "basis",
        "unit_cost",
        "list_price",
        "currency",
        "effective_from",
        "effective_to",
    ]
    list_filter = ["basis", "currency", "product__connection"]
    search_fields = ["product__name", "product__code", "addon"]
    autocomplete_fields = ["product"]
    list_select_related = ["product"]

    def save_model(self, request, obj, form, change):
        existing = PriceEntry.objects.get(pk=obj.pk) if change else None
        saved = price_entry_save(
            product=form.cleaned_data["product"],
            values={name: form.cleaned_data.get(name) for name in PRICE_FIELDS},
            entry=existing,
            actor=request.user,
            source=Source.ADMIN,
        )
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False  # end a price (effective to) instead: billed months point at it


@admin.register(ResellerMarkup)
class ResellerMarkupAdmin(admin.ModelAdmin):
    list_display = ["customer", "percent", "updated_at"]
    autocomplete_fields = ["customer"]
    search_fields = ["customer__name"]

    def save_model(self, request, obj, form, change):
        markup_set(
            customer=obj.customer, percent=obj.percent, actor=request.user, source=Source.ADMIN
        )

    def delete_model(self, request, obj):
        markup_set(customer=obj.customer, percent=None, actor=request.user, source=Source.ADMIN)


@admin.register(PriceOverride)
class PriceOverrideAdmin(admin.ModelAdmin):
    list_display = ["customer", "product", "addon", "unit_price", "updated_at"]
    autocomplete_fields = ["customer", "product"]
    search_fields = ["customer__name", "product__name"]

    def save_model(self, request, obj, form, change):
        override_set(
            customer=obj.customer,
            product=obj.product,
            addon=obj.addon,
            unit_price=obj.unit_price,
            actor=request.user,
            source=Source.ADMIN,
        )

    def delete_model(self, request, obj):
        override_set(
            customer=obj.customer,
            product=obj.product,
            addon=obj.addon,
            unit_price=None,
            actor=request.user,
            source=Source.ADMIN,
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BillingRun)
class BillingRunAdmin(ReadOnlyAdmin):
    list_display = ["connection", "period", "state", "frozen_at", "frozen_by", "voided_at"]
    list_filter = ["state", "period", "connection__vendor"]
    list_select_related = ["connection", "frozen_by"]


@admin.register(BillingLine)
class BillingLineAdmin(ReadOnlyAdmin):
    list_display = [
        "description",
        "reseller",
        "customer",
        "quantity",
        "unit_price",
        "amount",
        "cost",
        "margin",
        "currency",
        "price_source",
    ]
    list_filter = ["run__period", "run__connection", "basis", "kind"]
    search_fields = ["description", "customer__name", "reseller__name"]
    list_select_related = ["reseller", "customer"]


@admin.register(StatementMapping)
class StatementMappingAdmin(admin.ModelAdmin):
    """Saved through the service, audited like the page's form."""

    list_display = ["connection", *MAPPING_FIELDS]
    fields = MAPPING_FIELDS

    def has_add_permission(self, request):
        return False  # the statements page creates a connection's mapping

    def save_model(self, request, obj, form, change):
        statement_mapping_save(
            connection=obj.connection,
            columns={name: getattr(obj, name) for name in MAPPING_FIELDS},
            actor=request.user,
            source=Source.ADMIN,
        )


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ["connection", "period", "state", "lines", "filename", "uploaded_by"]
    list_filter = ["state", "period", "connection__vendor"]
    list_select_related = ["connection", "uploaded_by"]


@admin.register(StatementRow)
class StatementRowAdmin(ReadOnlyAdmin):
    list_display = [
        "statement",
        "kind",
        "tenant_external_id",
        "sku",
        "vendor_quantity",
        "mirror_quantity",
        "money_difference",
        "reason",
    ]
    list_filter = ["kind", "statement__period"]
    search_fields = ["tenant_external_id", "sku"]
    list_select_related = ["statement__connection"]
