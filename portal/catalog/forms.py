"""Forms for vendor connections: credentials are write-only."""

from __future__ import annotations

import json

from django import forms

from vendors.registry import get_adapter_class

from .models import VendorConnection


class WriteOnlyTextarea(forms.Textarea):
    """Never renders a value: a form shown again after an error does not echo a typed secret."""

    def format_value(self, value):
        return None


class VendorConnectionForm(forms.ModelForm):
    """Never shows stored credentials; leaving the field empty keeps them unchanged."""

    base_url = forms.URLField(
        label="Base URL",
        max_length=300,
        assume_scheme="https",
        help_text="The vendor API's address, e.g. the sandbox's or the vendor's production URL.",
    )
    new_credentials = forms.CharField(
        label="Credentials",
        required=False,
        strip=True,
        widget=WriteOnlyTextarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
        help_text="JSON object with the vendor's credential fields. Stored encrypted and never shown "
        "again; leave empty to keep the current credentials.",
    )

    class Meta:
        model = VendorConnection
        fields = ["vendor", "name", "base_url", "enabled"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial.pop("new_credentials", None)
        if self.instance.pk and self.instance.credentials:
            self.fields["new_credentials"].help_text = (
                "Credentials are set (hidden). " + self.fields["new_credentials"].help_text
            )

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("new_credentials")
        vendor = cleaned.get("vendor")
        if not text:
            if not self.instance.pk or not self.instance.credentials:
                self.add_error("new_credentials", "Credentials are required for a new connection.")
            return cleaned
        try:
            value = json.loads(text)
        except ValueError:
            self.add_error(
                "new_credentials", 'Not valid JSON: enter an object such as {"api_key": "…"}.'
            )
            return cleaned
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            self.add_error("new_credentials", "Enter a JSON object whose values are strings.")
            return cleaned
        if vendor:
            expected = set(get_adapter_class(vendor).credential_fields)
            missing = sorted(expected - set(value))
            if missing:
                self.add_error(
                    "new_credentials", f"Missing credential fields: {', '.join(missing)}."
                )
        cleaned["credentials_value"] = value
        return cleaned

    def save(self, commit: bool = True):
        connection = super().save(commit=False)
        if "credentials_value" in self.cleaned_data:
            connection.credentials = self.cleaned_data["credentials_value"]
        if commit:
            connection.save()
        return connection
