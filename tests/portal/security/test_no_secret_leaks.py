"""Known secrets go in through the admin, the pages and the API, and a sync runs with them;
none comes out in any response, log record or audit event (the run-wide guard in
``leak_guard.py`` fails the test that lets one out)."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client
from django.urls import reverse

from portal.accounts.models import Role
from portal.catalog.models import VendorConnection
from portal.sync.services import connection_sync
from tests import factories

pytestmark = pytest.mark.django_db

ADMIN_SECRET = "adm-lookout-key-5f1e9c0a7b"
PAGE_SECRET = "page-lookout-key-8d2c4b6a1e"
API_SECRET = "api-lookout-key-3a7f0e9d2c"


def test_it_catches_a_secret_written_to_a_log_record(secret_leak_guard):
    """The guard can fail: a secret logged on purpose is found (and then forgotten)."""
    factories.VendorConnectionFactory(credentials={"application_key": "deliberate-leak-0042"})
    before = len(secret_leak_guard.leaks)

    logging.getLogger("portal.test").warning("key is %s", "deliberate-leak-0042")

    assert len(secret_leak_guard.leaks) == before + 1
    del secret_leak_guard.leaks[before:]


def test_it_leaks_no_secret_through_admin_pages_api_or_a_sync(secret_leak_guard, sandbox):
    admin = factories.ProfileFactory(user=factories.SuperUserFactory(), role=Role.ADMIN).user
    client = Client()
    client.force_login(admin)
    checked_before = dict(secret_leak_guard.checked)
    lookout_url = sandbox.vendor_url("lookout")
    base = {"vendor": "lookout", "base_url": lookout_url, "enabled": "on"}

    client.post(
        reverse("admin:catalog_vendorconnection_add"),
        {**base, "name": "via admin", "new_credentials": json.dumps({"application_key": ADMIN_SECRET})},
    )  # fmt: skip
    client.post(
        reverse("web:connection-create"),
        {**base, "name": "via page", "new_credentials": json.dumps({"application_key": PAGE_SECRET})},
    )  # fmt: skip
    client.post(
        "/api/v1/connections/",
        {"vendor": "lookout", "name": "via api", "base_url": lookout_url,
         "credentials": {"application_key": API_SECRET}},
        content_type="application/json",
    )  # fmt: skip
    real = VendorConnection.objects.create(
        vendor="lookout", name="real", base_url=lookout_url,
        credentials=sandbox.sandboxes["lookout"].credentials(),
    )  # fmt: skip
    created = VendorConnection.objects.filter(name__startswith="via ")
    assert {c.credentials["application_key"] for c in created} == {
        ADMIN_SECRET, PAGE_SECRET, API_SECRET
    }  # fmt: skip

    connection_sync(real, triggered_by="leak test")  # real key: tenants come in
    for bad in created:
        connection_sync(bad, triggered_by="leak test")  # rejected keys: errors logged, stored
    pages = [
        reverse("web:connection-list"), reverse("web:sync-list"), reverse("audit:list"),
        reverse("audit:export"), "/api/v1/connections/", "/api/v1/sync-runs/",
        "/api/v1/audit-events/", reverse("admin:catalog_vendorconnection_changelist"),
    ]  # fmt: skip
    for connection in [real, *created]:
        pages += [
            reverse("web:connection-detail", args=[connection.pk]),
            reverse("web:connection-edit", args=[connection.pk]),
            f"/api/v1/connections/{connection.pk}/",
            reverse("admin:catalog_vendorconnection_change", args=[connection.pk]),
        ]
        client.post(reverse("web:connection-test", args=[connection.pk]))
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        if response.streaming:
            b"".join(response.streaming_content)

    assert {ADMIN_SECRET, PAGE_SECRET, API_SECRET} <= secret_leak_guard.secrets
    grew = {k: secret_leak_guard.checked[k] - checked_before[k] for k in checked_before}
    assert grew["response"] >= len(pages) and grew["audit"] > 0 and grew["log"] > 0, grew
