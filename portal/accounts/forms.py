"""Forms for user management and a user's own API tokens."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator

from portal.customers.models import Customer, CustomerKind

from .models import Role


def _resellers():
    return Customer.objects.filter(kind=CustomerKind.RESELLER).order_by("name")


class RoleScopeForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)
    reseller = forms.ModelChoiceField(
        queryset=_resellers(),
        required=False,
        empty_label="None: distributor staff (sees everything)",
        label="Scope",
        help_text="A reseller ties the user to that reseller's customers only.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        reseller = self.fields["reseller"]
        assert isinstance(reseller, forms.ModelChoiceField)  # declared on the form
        reseller.queryset = _resellers()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reseller") is not None and cleaned.get("role") == Role.ADMIN:
            self.add_error("role", "A distributor admin is not tied to a reseller.")
        return cleaned


class UserInviteForm(RoleScopeForm):
    username = forms.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    email = forms.EmailField(help_text="The set-password link is mailed here.")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)

    field_order = ["username", "email", "first_name", "last_name", "role", "reseller"]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("This username is taken.")
        return username


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What uses the token, e.g. 'billing export'.", label="Token name"
    )
