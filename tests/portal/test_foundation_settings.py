"""Settings come from the environment; each case imports the settings in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parents[2]
#: Variables the settings read; removed so the developer's or CI's values do not leak in.
SETTINGS_ENV = [
    "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "SECRET_KEY",
    "FIELD_ENCRYPTION_KEY", "FIELD_ENCRYPTION_KEYS", "ALLOWED_HOSTS", "DEBUG", "CONN_MAX_AGE",
    "DJANGO_SETTINGS_MODULE", "CELERY_TASK_ALWAYS_EAGER", "PORTAL_TEST_RUN_ID",
    "PYTEST_XDIST_WORKER",
]  # fmt: skip
PRINT_SETTINGS = """
import importlib, json, sys
s = importlib.import_module(sys.argv[1])
print(json.dumps({name: getattr(s, name) for name in dir(s) if name.isupper()}, default=str))
"""
PRODUCTION_SECRET = "p" * 20 + "-production-secret-key-0123456789abcdef"


def run_settings(module: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    clean.update(PORTAL_VAR_DIR=str(tmp_path / "var"), **env)
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS, module],
        cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def load_settings(module: str, tmp_path: Path, **env: str) -> dict:
    result = run_settings(module, tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        "SECRET_KEY": PRODUCTION_SECRET,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "portal.example.com,.portal.example.com",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    env.update(overrides)
    return env


def test_it_defaults_to_sqlite_and_the_filesystem_broker_under_var(tmp_path):
    settings = load_settings("portal.settings.dev", tmp_path)

    database = settings["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(tmp_path / "var" / "portal.sqlite3")
    assert settings["CELERY_BROKER_URL"] == "filesystem://"
    assert settings["CELERY_BROKER_TRANSPORT_OPTIONS"]["data_folder_in"].startswith(
        str(tmp_path / "var")
    )
    assert settings["CELERY_RESULT_BACKEND"] == f"file://{tmp_path / 'var' / 'celery' / 'results'}"
    assert (tmp_path / "var" / "celery" / "results").is_dir()
    assert settings["DEBUG"] is True


def test_it_generates_development_secrets_once_and_keeps_them_in_var(tmp_path):
    first = load_settings("portal.settings.dev", tmp_path)
    second = load_settings("portal.settings.dev", tmp_path)

    assert len(first["SECRET_KEY"]) >= 50
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert first["FIELD_ENCRYPTION_KEYS"] == second["FIELD_ENCRYPTION_KEYS"]
    Fernet(first["FIELD_ENCRYPTION_KEYS"][0])  # a valid key, or this raises
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0


def test_it_parses_a_postgresql_database_url(tmp_path):
    settings = load_settings(
        "portal.settings.dev", tmp_path,
        DATABASE_URL="postgres://portal:s%40fe@db.example:6543/portal_db", CONN_MAX_AGE="30",
    )  # fmt: skip

    database = settings["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["NAME"], database["USER"], database["PASSWORD"]) == (
        "portal_db",
        "portal",
        "s@fe",
    )
    assert (database["HOST"], int(database["PORT"])) == ("db.example", 6543)
    assert database["CONN_MAX_AGE"] == 30
    assert database["CONN_HEALTH_CHECKS"] is True


def test_it_uses_redis_for_broker_results_and_cache_when_redis_url_is_set(tmp_path):
    settings = load_settings(
        "portal.settings.dev", tmp_path, REDIS_URL="redis://cache.example:6379/2"
    )

    assert settings["CELERY_BROKER_URL"] == "redis://cache.example:6379/2"
    assert settings["CELERY_RESULT_BACKEND"] == "redis://cache.example:6379/2"
    assert settings["CACHES"]["default"]["LOCATION"] == "redis://cache.example:6379/2"
    visibility = settings["CELERY_BROKER_TRANSPORT_OPTIONS"]["visibility_timeout"]
    assert visibility > settings["CELERY_TASK_TIME_LIMIT"]


def test_it_prefers_an_explicit_broker_url_over_redis_url(tmp_path):
    settings = load_settings(
        "portal.settings.dev", tmp_path,
        REDIS_URL="redis://cache.example:6379/2", CELERY_BROKER_URL="redis://broker.example:6379/0",
    )  # fmt: skip

    assert settings["CELERY_BROKER_URL"] == "redis://broker.example:6379/0"
    assert settings["CELERY_RESULT_BACKEND"] == "redis://cache.example:6379/2"


def test_it_keeps_each_test_sessions_sqlite_database_and_broker_in_files_a_worker_can_open(
    tmp_path,
):
    settings = load_settings("portal.settings.test", tmp_path, PORTAL_TEST_RUN_ID="run-7")

    run_dir = tmp_path / "var" / "test-runs" / "run-7"
    assert settings["DATABASES"]["default"]["TEST"]["NAME"] == str(run_dir / "test.sqlite3")
    assert settings["CELERY_BROKER_TRANSPORT_OPTIONS"]["data_folder_in"].startswith(str(run_dir))
    assert settings["CELERY_RESULT_BACKEND"].startswith(f"file://{run_dir}")


def test_each_xdist_process_gets_its_own_database_broker_folder_and_redis_database(tmp_path):
    one = load_settings(
        "portal.settings.test", tmp_path, PORTAL_TEST_RUN_ID="run-7", PYTEST_XDIST_WORKER="gw1",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )  # fmt: skip
    other = load_settings(
        "portal.settings.test", tmp_path, PORTAL_TEST_RUN_ID="run-7", PYTEST_XDIST_WORKER="gw0",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )  # fmt: skip

    assert one["DATABASES"]["default"]["TEST"]["NAME"] == str(
        tmp_path / "var" / "test-runs" / "run-7-gw1" / "test.sqlite3"
    )
    assert one["REDIS_URL"] == one["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/2"
    assert one["CACHES"]["default"]["LOCATION"] == "redis://127.0.0.1:6379/2"
    assert other["REDIS_URL"] == other["CELERY_RESULT_BACKEND"] == "redis://127.0.0.1:6379/1"


def test_it_refuses_to_start_production_without_a_secret_key(tmp_path):
    env = production_env()
    del env["SECRET_KEY"]

    result = run_settings("portal.settings.production", tmp_path, **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set" in result.stderr


def test_it_refuses_a_short_production_secret_key(tmp_path):
    result = run_settings(
        "portal.settings.production", tmp_path, **production_env(SECRET_KEY="short")
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set" in result.stderr


def test_it_refuses_to_start_production_without_an_encryption_key(tmp_path):
    env = production_env()
    del env["FIELD_ENCRYPTION_KEYS"]

    result = run_settings("portal.settings.production", tmp_path, **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: FIELD_ENCRYPTION_KEYS" in result.stderr


def test_it_refuses_to_start_production_without_redis(tmp_path):
    env = production_env()
    del env["REDIS_URL"]

    result = run_settings("portal.settings.production", tmp_path, **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: REDIS_URL must be set in production" in result.stderr


def test_it_reads_production_secrets_and_hosts_from_the_environment(tmp_path):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()

    settings = load_settings(
        "portal.settings.production", tmp_path,
        **production_env(FIELD_ENCRYPTION_KEYS=f"{new_key},{old_key}"),
    )  # fmt: skip

    assert settings["DEBUG"] is False
    assert settings["SECRET_KEY"] == PRODUCTION_SECRET
    assert settings["FIELD_ENCRYPTION_KEYS"] == [new_key, old_key]
    assert settings["ALLOWED_HOSTS"] == ["portal.example.com", ".portal.example.com"]
    assert not (tmp_path / "var" / "secret_key").exists()


def test_it_accepts_a_single_field_encryption_key(tmp_path):
    key = Fernet.generate_key().decode()
    env = production_env(FIELD_ENCRYPTION_KEY=key)
    del env["FIELD_ENCRYPTION_KEYS"]

    settings = load_settings("portal.settings.production", tmp_path, **env)

    assert settings["FIELD_ENCRYPTION_KEYS"] == [key]


def test_it_passes_the_deployment_checklist_with_production_settings(tmp_path):
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    clean.update(production_env(), PORTAL_VAR_DIR=str(tmp_path / "var"))

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING",
         "--settings", "portal.settings.production"],
        cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr
