"""Re-encrypt every stored secret under the first key of FIELD_ENCRYPTION_KEYS.

Rotation: put a new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), run this
command, then remove the old keys. Every encrypted field of every model is covered (today:
VendorConnection.credentials and webhook_auth).
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from portal.core.fields import EncryptedJSONField


def encrypted_fields() -> list[tuple[type, list[str]]]:
    """(model, [field names]) for every concrete model with an encrypted field."""
    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedJSONField)]
        if names:
            found.append((model, names))
    return found


def _stored_tokens(model, names: list[str]):
    """The raw column values (Fernet tokens), read without the field's decryption."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in names)
    pk = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pk}, {columns} FROM {table}")  # noqa: S608 - names from _meta
        yield from cursor.fetchall()


class Command(BaseCommand):
    help = "Re-encrypt every stored secret with the first key of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        keys = list(settings.FIELD_ENCRYPTION_KEYS)
        if not keys:
            raise CommandError("FIELD_ENCRYPTION_KEYS is empty.")
        newest = Fernet(keys[0])
        total = 0
        for model, names in encrypted_fields():
            count = 0
            with transaction.atomic():
                # Reading decrypts with whichever key fits (MultiFernet); .update() encrypts with
                # the first key and touches only these columns, never a concurrent edit.
                rows = model._base_manager.select_for_update().only("pk", *names)
                for row in rows.iterator():
                    values = {name: getattr(row, name) for name in names}
                    model._base_manager.filter(pk=row.pk).update(**values)
                    count += 1
            self._verify(model, names, newest)
            total += count
            self.stdout.write(
                f"{model._meta.label}: re-encrypted {count} row(s) ({', '.join(names)})"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{total} row(s) now encrypted with the first key only; older keys can be removed."
            )
        )

    def _verify(self, model, names: list[str], newest: Fernet) -> None:
        for pk, *tokens in _stored_tokens(model, names):
            for name, token in zip(names, tokens, strict=True):
                if not token:
                    continue
                try:
                    newest.decrypt(token.encode())
                except InvalidToken:
                    raise CommandError(
                        f"{model._meta.label} {pk} {name} is still not readable with the first key."
                    ) from None
