"""The one place the portal and the sandboxes learn which vendors exist: one entry per vendor.

Adding a vendor is one ``VendorEntry`` here plus its package (see ``ADDING_A_VENDOR.md``).
Entries hold dotted paths so that importing the registry imports no vendor's dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import Any

from .base import VendorAdapter


@dataclass(frozen=True)
class VendorEntry:
    """Everything the portal and the sandboxes need to know to find a vendor."""

    key: str
    display_name: str
    #: Dotted path of the adapter class (imported on first use).
    adapter: str
    #: Dotted path of its sandbox (the local simulator tests and the demo run against).
    sandbox: str


VENDORS: dict[str, VendorEntry] = {
    entry.key: entry
    for entry in (
        VendorEntry(
            "lookout",
            "Lookout",
            "vendors.lookout.adapter.LookoutAdapter",
            "vendors.lookout.sandbox.LookoutSandbox",
        ),
        VendorEntry(
            "bitdefender",
            "Bitdefender GravityZone",
            "vendors.bitdefender.adapter.BitdefenderAdapter",
            "vendors.bitdefender.sandbox.BitdefenderSandbox",
        ),
        VendorEntry(
            "egnyte",
            "Egnyte",
            "vendors.egnyte.adapter.EgnyteAdapter",
            "vendors.egnyte.sandbox.EgnyteSandbox",
        ),
        VendorEntry(
            "trendmicro",
            "Trend Micro",
            "vendors.trendmicro.adapter.TrendMicroAdapter",
            "vendors.trendmicro.sandbox.TrendMicroSandbox",
        ),
        VendorEntry(
            "redstor",
            "Redstor",
            "vendors.redstor.adapter.RedstorAdapter",
            "vendors.redstor.sandbox.RedstorSandbox",
        ),
    )
}

#: Views of ``VENDORS`` for callers that need one attribute per vendor.
ADAPTERS: dict[str, str] = {key: entry.adapter for key, entry in VENDORS.items()}
DISPLAY_NAMES: dict[str, str] = {key: entry.display_name for key, entry in VENDORS.items()}
SANDBOXES: dict[str, str] = {key: entry.sandbox for key, entry in VENDORS.items()}


def _load(dotted: str) -> Any:
    module, _, name = dotted.rpartition(".")
    return getattr(import_module(module), name)


@cache
def get_adapter_class(vendor: str) -> type[VendorAdapter]:
    try:
        adapter_class: type[VendorAdapter] = _load(ADAPTERS[vendor])
    except KeyError:
        raise KeyError(f"unknown vendor {vendor!r}; known: {', '.join(ADAPTERS)}") from None
    return adapter_class


def vendor_choices() -> list[tuple[str, str]]:
    return [(key, DISPLAY_NAMES[key]) for key in ADAPTERS]


def all_adapter_classes() -> dict[str, type[VendorAdapter]]:
    return {key: get_adapter_class(key) for key in ADAPTERS}
