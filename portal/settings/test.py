"""Test settings: development defaults, fast password hashing, a file SQLite test database.

The test database is a file (not in-memory) so that a real Celery worker process started by
a test can open the same database.
"""

from __future__ import annotations

import os

from .dev import *  # noqa: F403
from .dev import CACHES, CELERY_BROKER_URL, CELERY_RESULT_BACKEND, DATABASES, REDIS_URL, VAR_DIR

# pytest-xdist runs the suite in several processes ("gw0", "gw1", ...). Each gets its own Redis
# database (broker, results, cache, shared tokens and limits), so one process's Celery worker
# never takes another's tasks. The worker processes a test starts inherit PYTEST_XDIST_WORKER
# and the same REDIS_URL, so they compute the same database. (Computed here, not by changing
# the environment: ``portal`` has read the base settings before this module runs.)
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if XDIST_WORKER and REDIS_URL:
    from urllib.parse import urlsplit, urlunsplit

    _url = urlsplit(REDIS_URL)
    _db = (int(_url.path.strip("/") or 0) + 1 + int(XDIST_WORKER.removeprefix("gw"))) % 16
    _shifted = urlunsplit(_url._replace(path=f"/{_db}"))
    CACHES = {"default": {**CACHES["default"], "LOCATION": _shifted}}
    if CELERY_BROKER_URL == REDIS_URL:
        CELERY_BROKER_URL = _shifted
    if CELERY_RESULT_BACKEND == REDIS_URL:
        CELERY_RESULT_BACKEND = _shifted
    REDIS_URL = _shifted

# One id per test session, inherited by the worker processes it starts: two test sessions on
# one checkout never share a test database or a broker folder (nor two xdist processes).
TEST_RUN_ID = os.environ.setdefault("PORTAL_TEST_RUN_ID", str(os.getpid())) + (
    f"-{XDIST_WORKER}" if XDIST_WORKER else ""
)
TEST_VAR_DIR = VAR_DIR / "test-runs" / TEST_RUN_ID

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(TEST_VAR_DIR / "test.sqlite3")}
    TEST_VAR_DIR.mkdir(parents=True, exist_ok=True)

# Keep test messages apart from a demo worker that may be running on the same checkout.
from .dev import CELERY_BROKER_TRANSPORT_OPTIONS, make_result_folder  # noqa: E402

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
