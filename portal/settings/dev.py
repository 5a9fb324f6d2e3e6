"""Development and demo: zero setup. Secrets are generated once and kept under ``var/``."""

from __future__ import annotations

from cryptography.fernet import Fernet
from django.core.management.utils import get_random_secret_key

from .base import *  # noqa: F403
from .base import VAR_DIR, env


def _persisted(name: str, make) -> str:
    """A secret generated on first use and kept in var/ so restarts keep sessions and data."""
    path = VAR_DIR / name
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="") or _persisted("secret_key", get_random_secret_key)
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[]) or [
    env.str("FIELD_ENCRYPTION_KEY", default="")
    or _persisted("field_encryption_key", lambda: Fernet.generate_key().decode())
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
