"""Vendor key -> adapter class: the one place the portal learns which vendors exist.

Adding a vendor is one line here plus its package (see ``ADDING_A_VENDOR.md``). Entries are dotted
paths so that importing the registry does not import every vendor's dependencies.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from .base import VendorAdapter

ADAPTERS: dict[str, str] = {
    "lookout": "vendors.lookout.adapter.LookoutAdapter",
    "bitdefender": "vendors.bitdefender.adapter.BitdefenderAdapter",
    "egnyte": "vendors.egnyte.adapter.EgnyteAdapter",
    "trendmicro": "vendors.trendmicro.adapter.TrendMicroAdapter",
    "redstor": "vendors.redstor.adapter.RedstorAdapter",
}

DISPLAY_NAMES: dict[str, str] = {
    "lookout": "Lookout",
    "bitdefender": "Bitdefender GravityZone",
    "egnyte": "Egnyte",
    "trendmicro": "Trend Micro",
    "redstor": "Redstor",
}


def _load(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(import_module(module), name)


@cache
def get_adapter_class(vendor: str) -> type[VendorAdapter]:
    try:
        return _load(ADAPTERS[vendor])
    except KeyError:
        raise KeyError(f"unknown vendor {vendor!r}; known: {', '.join(ADAPTERS)}") from None


def vendor_choices() -> list[tuple[str, str]]:
    return [(key, DISPLAY_NAMES[key]) for key in ADAPTERS]


def all_adapter_classes() -> dict[str, type[VendorAdapter]]:
    return {key: get_adapter_class(key) for key in ADAPTERS}
