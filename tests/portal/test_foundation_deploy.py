"""The production files hold together: compose is valid, every service is checked, env is documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

BASE_DIR = Path(__file__).resolve().parents[2]
COMPOSE = BASE_DIR / "docker-compose.yml"
SERVICES = {"postgres", "redis", "web", "worker-ops", "worker-bulk", "beat", "sandbox"}
APP_SERVICES = {"web", "worker-ops", "worker-bulk", "beat", "sandbox", "migrate"}
WORKERS = ("worker-ops", "worker-bulk")
#: Jobs that run once and exit: no health check, nothing to restart.
ONE_OFF = {"migrate"}


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_it_validates_the_compose_file_against_the_compose_specification():
    checker = Path(sys.executable).with_name("check-jsonschema")

    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def test_it_defines_every_service_each_with_a_health_check():
    services = compose()["services"]

    assert set(services) >= SERVICES | ONE_OFF
    for name in set(services) - ONE_OFF:
        test = services[name].get("healthcheck", {}).get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL"), name


def test_it_runs_web_worker_beat_and_sandbox_from_one_image_and_one_definition():
    services = compose()["services"]

    images = {services[name]["image"] for name in APP_SERVICES}
    environments = [dict(services[name]["environment"]) for name in APP_SERVICES]
    lanes = [env.pop("WORKER_LANE", None) for env in environments]
    assert len(images) == 1
    assert all(env == environments[0] for env in environments)  # only the lane differs
    assert sorted(lane for lane in lanes if lane) == ["bulk", "ops"]
    assert {services[name]["environment"]["WORKER_LANE"] for name in WORKERS} == {"ops", "bulk"}
    assert environments[0]["DJANGO_SETTINGS_MODULE"] == "portal.settings.production"
    text = COMPOSE.read_text()
    assert "x-portal: &portal" in text
    assert text.count("<<: *portal\n") == len(APP_SERVICES)


def test_it_takes_secrets_from_the_environment_not_from_the_file():
    environment = compose()["services"]["web"]["environment"]

    for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS"):
        assert environment[name] == f"${{{name}:-}}"
    assert "${POSTGRES_PASSWORD:-}" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"] == "redis://redis:6379/0"


def test_it_migrates_once_in_a_job_before_any_portal_process_starts():
    services = compose()["services"]

    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"
    assert "migrate" not in " ".join(services["web"]["command"])
    for name in ("web", *WORKERS, "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert {depends[s]["condition"] for s in ("postgres", "redis")} == {"service_healthy"}
    for name in (*WORKERS, "beat"):
        assert services[name]["depends_on"]["web"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])


def test_it_builds_a_non_root_image_with_static_files_collected():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()

    assert dockerfile.startswith("# ") and "FROM python:3.11-slim" in dockerfile
    assert re.search(r"^USER portal$", dockerfile, re.MULTILINE)
    assert "pip install -r requirements.txt" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert "DJANGO_SETTINGS_MODULE=portal.settings.production" in dockerfile
    assert '"gunicorn", "portal.wsgi:application"' in dockerfile


def test_it_keeps_local_state_and_secrets_out_of_the_image():
    ignored = (BASE_DIR / ".dockerignore").read_text().split()

    assert {".git", ".venv", ".env", "var"} <= set(ignored)


def test_it_documents_every_environment_variable_in_the_example_file():
    example = (BASE_DIR / ".env.example").read_text()
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    read_by_settings = {
        name
        for path in (BASE_DIR / "portal" / "settings").glob("*.py")
        for name in re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]+)\"", path.read_text())
    }
    used_by_compose = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]+)", COMPOSE.read_text()))

    assert read_by_settings, "no env() call found: the pattern no longer matches the settings"
    assert read_by_settings - documented == set()
    assert used_by_compose - documented == set()
