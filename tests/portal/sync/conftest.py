"""Fixtures for sync engine tests: portal connections pointed at the vendor sandboxes."""

from __future__ import annotations

import pytest

from portal.catalog.models import VendorConnection


@pytest.fixture
def connect(sandbox, db):
    """``connect("redstor")`` -> a VendorConnection using that sandbox's credentials."""

    def make(vendor: str, **fields) -> VendorConnection:
        fields.setdefault("name", f"{vendor} sandbox")
        return VendorConnection.objects.create(
            vendor=vendor,
            base_url=sandbox.vendor_url(vendor),
            credentials=sandbox.sandboxes[vendor].credentials(),
            **fields,
        )

    return make


@pytest.fixture
def small_pages(monkeypatch):
    """Make adapters that let the client choose a page size use pages of 10."""
    from vendors.registry import get_adapter_class

    def apply(vendor: str) -> None:
        adapter_class = get_adapter_class(vendor)
        if getattr(adapter_class, "page_size", 0) > 10:
            monkeypatch.setattr(adapter_class, "page_size", 10)

    return apply
