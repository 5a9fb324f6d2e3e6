"""The price forms the pages and the admin share: clean() asks the service's checks, so a form
error and a refused save say the same thing."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from portal.catalog.models import Product, VendorConnection
from portal.usage.filters import parse_period

from .models import PriceEntry, StatementMapping
from .reconcile import MAPPING_FIELDS
from .services import PRICE_FIELDS, price_entry_prepare


class PriceEntryForm(forms.ModelForm):
    class Meta:
        model = PriceEntry
        fields = ["product", *PRICE_FIELDS]
        widgets = {
            "effective_from": forms.DateInput(attrs={"type": "date"}),
            "effective_to": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "product" in self.fields:
            self.fields["product"].queryset = Product.objects.select_related("connection")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        existing = PriceEntry.objects.get(pk=self.instance.pk) if self.instance.pk else None
        values = {name: data.get(name) for name in PRICE_FIELDS}
        try:
            price_entry_prepare(product=data["product"], values=values, entry=existing)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        return data

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in PRICE_FIELDS}


class PriceImportForm(forms.Form):
    connection = forms.ModelChoiceField(
        queryset=VendorConnection.objects.order_by("name"),
        help_text="Products are looked up in this connection's catalog.",
    )
    file = forms.FileField(
        label="Price list (CSV)",
        help_text="The columns of the price list export; UTF-8. Nothing changes if any row is bad.",
    )


class StatementUploadForm(forms.Form):
    connection = forms.ModelChoiceField(queryset=VendorConnection.objects.order_by("name"))
    period = forms.CharField(
        label="Month",
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text="The month the vendor billed (YYYY-MM).",
    )
    file = forms.FileField(
        label="Statement (CSV)", help_text="Columns as the connection's saved mapping names them."
    )

    def clean_period(self):
        period = parse_period(self.cleaned_data["period"])
        if period is None:
            raise forms.ValidationError("Give the month as YYYY-MM.")
        return period


class StatementMappingForm(forms.ModelForm):
    class Meta:
        model = StatementMapping
        fields = list(MAPPING_FIELDS)


class AcceptForm(forms.Form):
    reason = forms.CharField(max_length=2000, required=False, strip=True)
