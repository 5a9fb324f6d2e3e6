"""The capability matrix, its documentation, and "test connection" with exact reasons."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from portal.catalog.capabilities import vendors_doc
from portal.catalog.models import SyncStatus, VendorConnection
from portal.sync.adapters import connection_test
from vendors.registry import DISPLAY_NAMES
from vendors.types import Capability


def test_the_command_prints_every_vendor_and_capability():
    out = StringIO()
    call_command("vendor_capabilities", "--notes", stdout=out)
    text = out.getvalue()
    assert all(name in text.splitlines()[0] for name in DISPLAY_NAMES.values())
    assert all(cap.value.replace("_", " ") in text for cap in Capability)
    assert "Egnyte, suspend" in text  # an unsupported capability comes with its reason


def test_docs_vendors_md_is_up_to_date():
    docs = settings.BASE_DIR / "docs"
    assert (docs / "vendors.md").read_text() == vendors_doc(docs), (
        "run: python manage.py vendor_capabilities --write-docs"
    )


@pytest.fixture
def connection_to(sandbox, db):
    def make(vendor: str, **overrides) -> VendorConnection:
        values = {
            "vendor": vendor,
            "name": f"{vendor} test",
            "base_url": sandbox.vendor_url(vendor),
            "credentials": sandbox.sandboxes[vendor].credentials(),
            **overrides,
        }
        return VendorConnection.objects.create(**values)

    return make


@pytest.mark.parametrize("vendor", list(DISPLAY_NAMES))
def test_a_working_connection_reports_success(connection_to, vendor):
    from portal.audit.models import AuditEvent

    connection = connection_to(vendor)
    result = connection_test(connection)
    assert result.ok, result.message
    event = AuditEvent.objects.get(action="connection.tested", object_id=str(connection.pk))
    assert event.detail == {"ok": True, "message": result.message}


@pytest.mark.parametrize("vendor", list(DISPLAY_NAMES))
def test_bad_credentials_are_reported_as_rejected(sandbox, connection_to, vendor):
    connection = connection_to(vendor, credentials=sandbox.sandboxes[vendor].invalid_credentials())
    result = connection_test(connection)
    assert not result.ok and result.message.startswith("Credentials rejected"), result.message
    connection.refresh_from_db()
    assert connection.sync_status == SyncStatus.AUTH_FAILED


def test_an_unreachable_vendor_is_reported_as_unreachable(connection_to):
    from bench._sandbox import free_port

    result = connection_test(
        connection_to("redstor", base_url=f"http://127.0.0.1:{free_port()}/redstor")
    )
    assert not result.ok and "unreachable" in result.message


def test_a_wrong_base_url_is_reported(sandbox, connection_to):
    result = connection_test(connection_to("trendmicro", base_url=f"{sandbox.url}/nowhere"))
    assert not result.ok and ("Wrong base URL" in result.message or "refused" in result.message), (
        result.message
    )
