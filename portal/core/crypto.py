"""Encryption of secrets at rest with Fernet (``cryptography``), keys from settings.

``FIELD_ENCRYPTION_KEYS`` is a list: the first key encrypts, every key decrypts (MultiFernet),
so rotation is: put a new key first, run ``manage.py rotate_encryption_keys``, drop the old key.
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is empty: no key to encrypt secrets with."
        )
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS holds an invalid Fernet key: {exc}")


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with FIELD_ENCRYPTION_KEYS: "
            "the key it was encrypted with is missing."
        ) from None


def rotate(token: str) -> str:
    """Re-encrypt under the first key (MultiFernet.rotate)."""
    return fernet().rotate(token.encode()).decode()
