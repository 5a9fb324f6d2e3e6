"""Key rotation: every secret is re-encrypted with the new key, then the old key can go."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from portal.catalog.models import VendorConnection
from tests import factories

pytestmark = pytest.mark.django_db


def stored(pk: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials, webhook_auth FROM catalog_vendorconnection WHERE id = %s", [pk]
        )
        return cursor.fetchone()


def test_it_reencrypts_every_credential_so_the_old_key_can_be_removed(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    first = factories.VendorConnectionFactory(
        credentials={"api_key": "old-secret-1"},
        webhook_auth={"header": "X-Hook", "value": "hook-secret-1"},
    )
    second = factories.VendorConnectionFactory(credentials={"client_secret": "old-secret-2"})
    assert Fernet(old).decrypt(stored(first.pk)[0].encode())

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    settings.FIELD_ENCRYPTION_KEYS = [new]

    assert "catalog.VendorConnection: re-encrypted 2 row(s)" in out.getvalue()
    for pk in (first.pk, second.pk):
        for token in stored(pk):
            Fernet(new).decrypt(token.encode())  # raises if any value still needs the old key
    assert VendorConnection.objects.get(pk=first.pk).credentials == {"api_key": "old-secret-1"}
    assert VendorConnection.objects.get(pk=first.pk).webhook_auth["value"] == "hook-secret-1"
    assert VendorConnection.objects.get(pk=second.pk).credentials == {
        "client_secret": "old-secret-2"
    }


def test_it_cannot_read_secrets_when_the_old_key_is_removed_without_rotating(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    row = factories.VendorConnectionFactory(credentials={"api_key": "s"})

    settings.FIELD_ENCRYPTION_KEYS = [new]

    with pytest.raises(Exception, match="cannot be decrypted"):
        VendorConnection.objects.get(pk=row.pk)
    assert stored(row.pk)[0].startswith("gAAAAA")  # the column holds only a Fernet token
