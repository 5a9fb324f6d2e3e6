"""Fixtures for operation tests: a connection per vendor sandbox with its catalog mirrored.

Most tests drive the engine in-process (``settle`` calls ``operation_run`` until the operation
leaves the open states, without waiting out backoff); the worker tests cross a real broker.
"""

from __future__ import annotations

import pytest

from portal.catalog.models import Product, VendorConnection
from portal.operations.engine import operation_run
from portal.operations.models import OPEN_STATES, Operation
from portal.operations.services import tenant_create
from portal.sync.adapters import connection_adapter
from tests.factories import CustomerFactory, UserFactory
from tests.vendors.options import connection_options as vendor_options
from vendors.registry import ADAPTERS, get_adapter_class
from vendors.types import Capability, ProductKind

VENDORS = list(ADAPTERS)


def connect(sandbox, vendor: str) -> VendorConnection:
    """A connection to the vendor's sandbox with the vendor's catalog mirrored as Products."""
    connection = VendorConnection.objects.create(
        vendor=vendor,
        name=f"{vendor} sandbox",
        base_url=sandbox.vendor_url(vendor),
        credentials=sandbox.sandboxes[vendor].credentials(),
    )
    for product in connection_adapter(connection).list_products():
        Product.objects.update_or_create(
            connection=connection,
            external_id=product.external_id,
            defaults={
                "code": product.code,
                "name": product.name,
                "kind": product.kind.value,
                "trial_available": product.trial_available,
                "addons": list(product.addons),
                "raw": product.raw,
            },
        )
    return connection


def base_product(connection: VendorConnection, *, trial: bool = False, skip: str = "") -> Product:
    products = Product.objects.filter(connection=connection).exclude(kind=ProductKind.ADDON)
    if trial:
        products = products.filter(trial_available=True)
    product = products.exclude(code=skip).order_by("pk").first()
    assert product is not None, f"{connection.vendor} sells a base product"
    return product


def settle(operation: Operation, *, runs: int = 10) -> Operation:
    """Run the engine in-process until the operation is succeeded, failed or cancelled."""
    for _ in range(runs):
        operation.refresh_from_db()
        if operation.state not in OPEN_STATES:
            return operation
        operation_run(operation.pk)
    operation.refresh_from_db()
    return operation


def supports(vendor: str, capability: Capability) -> bool:
    return get_adapter_class(vendor).supports(capability)


def create_request(
    connection: VendorConnection, customer=None, *, trial: bool = False, seats=5
) -> Operation:
    """The portal's create operation for a new tenant, requested (queued, not yet run)."""
    return tenant_create(
        customer=customer or CustomerFactory(),
        connection=connection,
        options=vendor_options(connection),
        product_code=base_product(connection, trial=trial).code,
        seats=seats,
        trial=trial,
        actor=UserFactory(),
    )


def provision(connection: VendorConnection, customer=None, *, trial: bool = False, seats=5):
    """A tenant created at the vendor through the portal's own create operation."""
    operation = settle(create_request(connection, customer, trial=trial, seats=seats))
    assert operation.state == "succeeded", operation.last_error
    return operation.tenant


@pytest.fixture
def staff(db):
    return UserFactory()
