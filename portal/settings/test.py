"""Test settings: development defaults, fast password hashing, a file SQLite test database.

The test database is a file (not in-memory) so that a real Celery worker process started by
a test can open the same database.
"""

from __future__ import annotations

import os

from .dev import *  # noqa: F403
from .dev import DATABASES, VAR_DIR

# One id per test session, inherited by the worker processes it starts: two test sessions on
# one checkout never share a test database or a broker folder.
TEST_RUN_ID = os.environ.setdefault("PORTAL_TEST_RUN_ID", str(os.getpid()))
TEST_VAR_DIR = VAR_DIR / "test-runs" / TEST_RUN_ID

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(TEST_VAR_DIR / "test.sqlite3")}
    TEST_VAR_DIR.mkdir(parents=True, exist_ok=True)

# Keep test messages apart from a demo worker that may be running on the same checkout.
from .dev import CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_BROKER_URL, make_result_folder  # noqa: E402

if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_FOLDER = TEST_VAR_DIR / "celery" / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "data_folder_in": str(CELERY_BROKER_FOLDER),
        "data_folder_out": str(CELERY_BROKER_FOLDER),
        "control_folder": str(CELERY_BROKER_FOLDER.parent / "control"),
    }
    CELERY_RESULT_BACKEND = f"file://{TEST_VAR_DIR / 'celery' / 'results'}"
    make_result_folder(CELERY_RESULT_BACKEND)
