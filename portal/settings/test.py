"""Test settings: development defaults, fast password hashing, a file SQLite test database.

The test database is a file (not in-memory) so that a real Celery worker process started by
a test can open the same database.
"""

from __future__ import annotations

from .dev import *  # noqa: F403
from .dev import DATABASES, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
