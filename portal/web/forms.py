"""Page forms: they check shape and scope; the services check vendor rules and say why."""

from __future__ import annotations

from django import forms

from portal.catalog.models import Product, VendorConnection
from portal.core.humanize import label
from portal.customers.models import Customer, subtree_q
from portal.customers.services import EDITABLE
from portal.operations import rules
from portal.operations.forms import MAX_SEATS_HINT
from portal.operations.models import OperationKind
from portal.operations.options import (
    FIELD_PREFIX,
    OptionsInvalid,
    connection_options,
    option_fields,
)
from vendors.types import ProductKind

from . import selectors


class CustomerForm(forms.ModelForm):
    """Create/edit a customer; the parent list holds only resellers the user may see."""

    class Meta:
        model = Customer
        fields = list(EDITABLE)
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        parents = selectors.reseller_choices(user=user)
        if self.instance.pk:
            parents = parents.exclude(subtree_q(self.instance.path))
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)  # the parent ForeignKey's field
        parent.queryset = parents
        parent.label = "Reseller (parent)"
        parent.empty_label = "— none (top level) —"
        from portal.accounts.scoping import user_reseller

        if user_reseller(user) is not None:
            # A scoped user's customers must stay inside their reseller's subtree.
            parent.required = True
            parent.empty_label = None

    def changed_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ProvisionForm(forms.Form):
    """Open a customer's account at a vendor: connection, product, seats, trial, add-ons, and
    the fields the chosen vendor declares as create options (``option_<name>``)."""

    connection = forms.ModelChoiceField(
        queryset=VendorConnection.objects.filter(enabled=True).order_by("vendor", "name"),
        label="Vendor connection",
        empty_label="Choose a connection…",
    )
    product_code = forms.ChoiceField(label="Product / plan", choices=())
    seats = forms.IntegerField(
        min_value=1, max_value=MAX_SEATS_HINT, initial=10, label="Seats (licences)"
    )
    trial = forms.BooleanField(required=False, label="Start as a trial")
    addons = forms.MultipleChoiceField(
        required=False, choices=(), widget=forms.CheckboxSelectMultiple, label="Add-ons"
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        connection = self._chosen_connection()
        products, addons = product_choices(connection)
        product_code, addon_field = self.fields["product_code"], self.fields["addons"]
        assert isinstance(product_code, forms.ChoiceField)  # declared on the form
        assert isinstance(addon_field, forms.ChoiceField)
        product_code.choices = [("", "Choose a product…"), *products]
        # The service refuses add-ons on a create where the vendor cannot set them: none offered.
        refused = (
            rules.capability_problem(connection, OperationKind.CHANGE_ADDONS) if connection else ""
        )
        addon_field.choices = [] if refused else [(a, label(a)) for a in addons]
        if refused and addons:
            addon_field.help_text = f"No add-ons at provisioning: {refused}"
        if not products:
            self.fields["product_code"].help_text = (
                "Choose a connection first; its mirrored catalog lists the products."
                if connection is None
                else "This connection's catalog is empty: sync it first."
            )
        if connection is not None and not addons and not refused:
            self.fields["addons"].help_text = "This vendor's catalog has no add-ons."
        self.vendor_options = connection_options(connection)
        self.fields.update(option_fields(self.vendor_options))

    def option_bound_fields(self) -> list[forms.BoundField]:
        """The chosen vendor's create option fields, in declaration order, for the template."""
        return [self[f"{FIELD_PREFIX}{o.name}"] for o in self.vendor_options]

    def options(self) -> dict:
        """The cleaned create options, by the vendor's option name."""
        return {
            o.name: self.cleaned_data.get(f"{FIELD_PREFIX}{o.name}") for o in self.vendor_options
        }

    def add_option_errors(self, exc: OptionsInvalid) -> None:
        """Show the service's per-option refusals on their fields."""
        for name, messages in exc.message_dict.items():
            field = f"{FIELD_PREFIX}{name}"
            self.add_error(field if field in self.fields else None, messages)

    def _chosen_connection(self) -> VendorConnection | None:
        key = self.data.get(self.add_prefix("connection")) or self.initial.get("connection")
        if isinstance(key, VendorConnection):
            return key
        try:
            field = self.fields["connection"]
            assert isinstance(field, forms.ModelChoiceField) and field.queryset is not None
            return field.queryset.filter(pk=int(key)).first() if key else None
        except (TypeError, ValueError):
            return None


def product_choices(connection: VendorConnection | None) -> tuple[list[tuple[str, str]], list[str]]:
    """Base products (with a trial marker) and add-on codes of a connection's mirrored catalog."""
    if connection is None:
        return [], []
    products, addons = [], set()
    for product in Product.objects.filter(connection=connection, is_active=True).order_by("name"):
        if product.kind == ProductKind.ADDON:
            addons.add(product.code)
            continue
        addons.update(product.addons or [])
        label = f"{product.name} ({product.code})" + (
            " · trial available" if product.trial_available else ""
        )
        products.append((product.code, label))
    return products, sorted(addons)


class LinkTenantForm(forms.Form):
    customer = forms.IntegerField(
        label="Customer",
        widget=forms.Select,
        help_text="The customer who owns this vendor account.",
    )

    def __init__(self, *args, customers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.customers = customers
        self.fields["customer"].widget.choices = [("", "Choose a customer…")] + [
            (c.pk, f"{c.name} ({c.reference})") for c in customers
        ]

    def clean_customer(self):
        value = self.cleaned_data["customer"]
        match = next((c for c in self.customers if c.pk == value), None)
        if match is None:
            raise forms.ValidationError("Choose one of the listed customers.")
        return match


class AdoptNewForm(forms.Form):
    parent = forms.ModelChoiceField(
        queryset=Customer.objects.none(),
        required=False,
        label="Reseller (parent)",
        empty_label="— none (top level) —",
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)  # the parent ForeignKey's field
        parent.queryset = selectors.reseller_choices(user=user)


class CustomerSearchForm(forms.Form):
    q = forms.CharField(required=False, label="Find a customer", max_length=100)
