"""A vendor's create options as Django form fields: one validation for the page, the API and
the service.

Each adapter declares what a new tenant may carry beyond the common spec
(``VendorAdapter.create_options``: name, label, type, choices, limits, required). The provision
page renders these fields, the API accepts them as ``options``, and ``tenant_create`` cleans
them here before anything is queued, so a vendor's required field is asked for and checked up
front instead of being refused at the vendor after the request was accepted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from portal.catalog.models import VendorConnection
from vendors.registry import get_adapter_class
from vendors.types import CreateOption, OptionType

#: Page form fields are named ``option_<name>`` so no vendor option can shadow a common field.
FIELD_PREFIX = "option_"


class OptionsInvalid(ValidationError):
    """Create options that do not fit their declarations, keyed by option name."""


def connection_options(connection: VendorConnection | None) -> tuple[CreateOption, ...]:
    """The create options the connection's vendor declares (none before a connection is chosen)."""
    if connection is None:
        return ()
    return tuple(get_adapter_class(connection.vendor).create_options)


def option_field(option: CreateOption) -> forms.Field:
    """The form field for one declared option, with the vendor's limits as validators."""
    common: dict[str, Any] = {
        "label": option.label,
        "required": option.required,
        "help_text": option.help,
    }
    if option.type is OptionType.CHOICE:
        choices = list(option.choices)
        if not option.required:
            choices = [("", "—"), *choices]
        return forms.ChoiceField(choices=choices, **common)
    if option.type is OptionType.BOOLEAN:
        return forms.BooleanField(**{**common, "required": False})
    if option.type is OptionType.INTEGER:
        return forms.IntegerField(min_value=option.min_value, max_value=option.max_value, **common)
    if option.type is OptionType.EMAIL:
        return forms.EmailField(max_length=option.max_value or 254, **common)
    return forms.CharField(min_length=option.min_value, max_length=option.max_value, **common)


def option_fields(options: Sequence[CreateOption]) -> dict[str, forms.Field]:
    """Page form fields, keyed ``option_<name>``."""
    return {f"{FIELD_PREFIX}{o.name}": option_field(o) for o in options}


def clean_options(options: Sequence[CreateOption], values: Mapping[str, Any]) -> dict[str, Any]:
    """The given values checked against the declarations; empty values are left out.

    Raises ``OptionsInvalid`` keyed by option name (one message list per field), and for a
    name the vendor does not declare.
    """
    declared = {o.name: o for o in options}
    errors: dict[str, list[str]] = {
        name: ["Not an option of this vendor."] for name in values if name not in declared
    }
    cleaned: dict[str, Any] = {}
    for name, option in declared.items():
        raw = values.get(name)
        if isinstance(raw, str):
            raw = raw.strip()
        try:
            value = option_field(option).clean(raw)
        except ValidationError as exc:
            errors[name] = list(exc.messages)
            continue
        if value not in (None, "", False):
            cleaned[name] = value
    if errors:
        raise OptionsInvalid(errors)
    return cleaned
