"""Every reading of every open point: pytest parameters ``(vendor, variant)`` for the contract suite.

Each vendor runs once with its sandbox at the defaults, then once per other reading of each of
its switches (``VendorSandbox.variants``), one switch at a time.
"""

from __future__ import annotations

import pytest

from vendors.sandbox.server import load_sandbox_class


def readings(vendor: str) -> list[dict[str, str]]:
    variants = load_sandbox_class(vendor).variants
    return [{}] + [{switch: value} for switch, values in variants.items() for value in values[1:]]


def vendor_variant_params(vendors: list[str]) -> list:
    return [
        pytest.param(
            vendor,
            chosen,
            id=vendor + "".join(f"[{name}={value}]" for name, value in chosen.items()),
        )
        for vendor in vendors
        for chosen in readings(vendor)
    ]
