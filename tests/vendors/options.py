"""Values for a vendor's required create options, built from the adapter's own declarations.

Generic tests (the contract suite, the operation engine) create tenants at every vendor; a vendor
that requires more than the common spec (Trend Micro: city and state) gets a valid value for each
required option here, so those tests never name a vendor's fields.
"""

from __future__ import annotations

from typing import Any

from vendors.base import VendorAdapter
from vendors.types import CreateOption, OptionType


def sample_value(option: CreateOption) -> Any:
    """A value that fits the option's declared type, choices and limits."""
    if option.type is OptionType.CHOICE:
        return option.choices[0][0]
    if option.type is OptionType.BOOLEAN:
        return True
    if option.type is OptionType.INTEGER:
        return option.min_value if option.min_value is not None else 1
    if option.type is OptionType.EMAIL:
        return "admin@example.com"
    text = f"Sample {option.label}"
    return text[: option.max_value] if option.max_value else text


def required_options(adapter_class: type[VendorAdapter]) -> dict[str, Any]:
    """Every required create option of the vendor, filled in."""
    return {o.name: sample_value(o) for o in adapter_class.create_options if o.required}


def connection_options(connection) -> dict[str, Any]:
    """``required_options`` for a portal ``VendorConnection``'s vendor."""
    from vendors.registry import get_adapter_class

    return required_options(get_adapter_class(connection.vendor))
