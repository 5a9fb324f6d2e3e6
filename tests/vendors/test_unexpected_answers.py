"""An answer of a shape nobody expected is one clear vendor error with its body, never a crash.

The sandbox's ``reshaped`` fault handles the request (a write is applied) and answers
well-formed JSON where the documents promise an object or a list; every adapter must raise
``VendorUnexpectedAnswer`` carrying that body, for reads, listings and writes alike.
"""

from __future__ import annotations

import uuid

import pytest

from tests.sandbox_fixtures import make_adapter
from tests.vendors.test_adapter_contract import spec_for
from vendors.errors import VendorUnexpectedAnswer
from vendors.registry import ADAPTERS, get_adapter_class

pytestmark = pytest.mark.parametrize("vendor", list(ADAPTERS))


def _warm(adapter):
    """Sign in first: these tests reshape the vendor's data answers, not its token answer."""
    adapter.test_connection()
    return adapter


def _raises_unexpected(call) -> VendorUnexpectedAnswer:
    with pytest.raises(VendorUnexpectedAnswer) as raised:
        call()
    return raised.value


def test_a_reshaped_listing_is_an_unexpected_answer(sandbox, vendor):
    adapter = _warm(make_adapter(sandbox, vendor))
    sandbox.set_faults(vendor, reshaped_rate=1.0)

    error = _raises_unexpected(lambda: list(adapter.iter_tenant_pages()))

    name = get_adapter_class(vendor).display_name
    assert error.message.startswith(f"unexpected answer from {name}")
    assert error.body == 42 and error.vendor == vendor


def test_a_reshaped_read_of_one_tenant_is_an_unexpected_answer(sandbox, vendor):
    adapter = _warm(make_adapter(sandbox, vendor))
    created = adapter.create_tenant(spec_for(adapter), idempotency_key=str(uuid.uuid4()))
    sandbox.set_faults(vendor, reshaped_rate=1.0)

    error = _raises_unexpected(lambda: adapter.get_tenant(created.external_id))

    assert error.body == 42


def test_a_reshaped_write_answer_is_an_unexpected_answer_or_unread(sandbox, vendor):
    """An adapter that reads the write's answer raises; one that reads the tenant back instead
    (the answer unused) returns it. Either way the write took once and nothing crashed."""
    adapter = _warm(make_adapter(sandbox, vendor))
    spec = spec_for(adapter)
    sandbox.set_faults(vendor, reshaped_rate=1.0, only_writes=True, max_faults=1)

    try:
        created = adapter.create_tenant(spec, str(uuid.uuid4()))
    except VendorUnexpectedAnswer as error:
        assert error.body == 42
    else:
        assert created.external_id == adapter.find_tenant(spec.reference, spec.name).external_id

    assert [e.outcome for e in sandbox.journal.entries(vendor)].count("fault:reshaped") == 1
    assert adapter.find_tenant(spec.reference, spec.name) is not None
