"""What operators run the portal with: one beat at a time, /readyz, /metrics, traceable logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import shared_task
from django.core.cache import cache
from prometheus_client.parser import text_string_to_metric_families

from portal.core.beat import LOCK_KEY, SingleBeatScheduler, beat_lock_hold
from portal.core.log_context import log_context
from tests.factories import OperationFactory, VendorCallStatFactory, VendorConnectionFactory


@pytest.fixture
def no_beat_lock():
    cache.delete(LOCK_KEY)
    yield
    cache.delete(LOCK_KEY)


def test_a_second_beat_sends_nothing_while_the_first_holds_the_lock(db, no_beat_lock, settings):
    from portal.celery import app

    settings.BEAT_LOCK_SECONDS = 1
    first = SingleBeatScheduler(app=app, lazy=True)
    second = SingleBeatScheduler(app=app, lazy=True)
    assert beat_lock_hold(first.lock_owner)

    # Not holding the lock, the second beat's tick only waits: it never reaches the schedule.
    assert second.tick() == pytest.approx(1 / 3)
    assert beat_lock_hold(first.lock_owner)  # the holder renews

    time.sleep(1.2)  # the first beat stopped renewing: its lock lapses
    assert beat_lock_hold(second.lock_owner)
    assert not beat_lock_hold(first.lock_owner)


def test_readyz_reports_database_cache_and_broker(client, db):
    answer = client.get("/readyz")

    assert answer.status_code == 200, answer.content
    assert answer.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }


def test_readyz_answers_503_and_names_a_broker_that_is_down(client, db, settings):
    from portal.celery import app

    before = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.READYZ_BROKER_TIMEOUT = 0.5
    try:
        answer = client.get("/readyz")
    finally:
        app.conf.broker_url = before

    assert answer.status_code == 503
    assert answer.json()["checks"]["broker"].startswith("down:")
    assert answer.json()["checks"]["database"] == "ok"


def test_metrics_are_closed_without_a_token(client, db, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 403
    settings.METRICS_TOKEN = "s3cret-scraper-token"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_metrics_show_operations_connections_and_queues(client, db, settings):
    from django.utils import timezone

    settings.METRICS_TOKEN = "s3cret-scraper-token"
    connection = VendorConnectionFactory(vendor="egnyte", name="Egnyte EU",
                                         last_success_at=timezone.now())  # fmt: skip
    VendorCallStatFactory(connection=connection, hour=timezone.now(), calls=40, errors=3)
    OperationFactory.create_batch(2, connection=connection, state="pending", kind="suspend")
    OperationFactory(connection=connection, state="failed", kind="suspend")

    answer = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scraper-token")

    assert answer.status_code == 200
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.content.decode())
        for sample in family.samples
    }
    assert samples[("portal_operations", (("kind", "suspend"), ("state", "pending")))] == 2
    assert samples[("portal_operations", (("kind", "suspend"), ("state", "failed")))] == 1
    assert samples[("portal_operation_oldest_age_seconds", (("state", "pending"),))] >= 0
    egnyte = {"connection": "Egnyte EU", "vendor": "egnyte"}

    def at(name: str, **labels: str) -> float:
        return samples[(name, tuple(sorted({**egnyte, **labels}.items())))]

    assert at("portal_vendor_calls_24h", outcome="error") == 3
    assert at("portal_vendor_calls_24h", outcome="ok") == 37
    assert 0 <= at("portal_sync_age_seconds") < 60
    assert ("portal_queue_length", (("queue", "vendor.egnyte.ops"),)) in samples


@shared_task(name="tests.log_ids")
def report_log_ids(operation_id: int, connection_id: int | None = None) -> dict[str, str]:
    """Test-only task: what a log line written inside a task would carry."""
    return log_context()


def test_a_task_logs_with_its_task_operation_and_connection_ids():
    result = report_log_ids.apply(args=[41], kwargs={"connection_id": 7}, task_id="task-abc")

    assert result.get() == {"task_id": "task-abc", "operation_id": "41", "connection_id": "7"}
    assert log_context() == {}  # cleared after the task


def test_a_request_keeps_the_proxys_request_id_and_invents_one_otherwise(client, db):
    sent = client.get("/healthz", HTTP_X_REQUEST_ID="edge-7f3a")
    made = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")

    assert sent["X-Request-ID"] == "edge-7f3a"
    assert len(made["X-Request-ID"]) == 32 and made["X-Request-ID"] != "<script>"


PRODUCTION_LOG = """
import django, logging
django.setup()
from django.test import Client
Client().get("/no-such-page", secure=True, HTTP_HOST="portal.example.com",
             HTTP_X_REQUEST_ID="req-42")
"""


def run_in_django(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter whose settings come only from ``env`` (and defaults)."""
    from tests.portal.test_foundation_settings import SETTINGS_ENV

    clean = {k: v for k, v in os.environ.items() if k not in (*SETTINGS_ENV, "SENTRY_DSN")}
    clean.update(PORTAL_VAR_DIR=str(tmp_path / "var"), **env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2], env=clean,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_production_logs_one_json_object_per_line_with_the_request_id(tmp_path):
    from tests.portal.test_foundation_settings import production_env

    (tmp_path / "var").mkdir()
    result = run_in_django(
        PRODUCTION_LOG,
        tmp_path,
        **production_env(),
        DJANGO_SETTINGS_MODULE="portal.settings.production",
    )

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    not_found = next(line for line in lines if line["message"].startswith("Not Found"))
    assert not_found["logger"] == "django.request" and not_found["level"] == "WARNING"
    assert not_found["request_id"] == "req-42" and not_found["operation_id"] == "-"


SENTRY_PROBE = """
import django, sentry_sdk
django.setup()
print(sentry_sdk.get_client().is_active())
"""


@pytest.mark.parametrize("dsn, active", [("", "False"), ("https://key@127.0.0.1:9/1", "True")])
def test_sentry_is_on_only_when_a_dsn_is_set(tmp_path, dsn, active):
    result = run_in_django(
        SENTRY_PROBE, tmp_path, SENTRY_DSN=dsn, DJANGO_SETTINGS_MODULE="portal.settings.dev"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == active


def test_metrics_read_operation_gauges_latency_buckets_and_calls_left(client, db, settings):
    """Operations made through the service, calls through the recorder: /metrics reads them."""
    import datetime as dt

    from django.utils import timezone

    from portal.operations.models import Operation
    from portal.sync.call_stats import flush_call_stats, record_call
    from vendors.http import CallRecord
    from vendors.registry import get_adapter_class

    settings.METRICS_TOKEN = "s3cret-scraper-token"
    connection = VendorConnectionFactory(vendor="egnyte", name="Egnyte EU")
    pending = OperationFactory.create_batch(3, connection=connection, state="pending")
    OperationFactory(connection=connection, state="verifying", kind="suspend")
    Operation.objects.filter(pk=pending[0].pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=10)
    )
    for latency in (40.0, 180.0, 3000.0):
        record_call(
            connection.pk,
            CallRecord("egnyte", "k", "GET", "/pubapi/v1/userinfo", 200, latency, "ok", 1),
        )
    flush_call_stats()

    answer = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scraper-token")

    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.content.decode())
        for sample in family.samples
    }
    by_state = {
        labels: value for (name, labels), value in samples.items() if name == "portal_operations"
    }
    assert sum(v for labels, v in by_state.items() if ("state", "pending") in labels) == 3
    assert sum(v for labels, v in by_state.items() if ("state", "verifying") in labels) == 1
    assert samples[("portal_operation_oldest_age_seconds", (("state", "pending"),))] >= 600
    assert 0 <= samples[("portal_operation_oldest_age_seconds", (("state", "verifying"),))] < 60
    egnyte = (("connection", "Egnyte EU"), ("vendor", "egnyte"))

    def bucket(le: str) -> float:
        key = tuple(sorted((*egnyte, ("le", le))))
        return samples[("portal_vendor_call_latency_seconds_24h_bucket", key)]

    assert (bucket("0.1"), bucket("0.25"), bucket("2.5"), bucket("5.0"), bucket("+Inf")) == (
        1,
        2,
        2,
        3,
        3,
    )
    assert samples[("portal_vendor_call_latency_seconds_24h_sum", egnyte)] == 3.22
    per_day = get_adapter_class("egnyte").rate_limit.per_day
    assert samples[("portal_vendor_daily_calls_left", egnyte)] == per_day
    assert samples[("portal_vendor_cooldown_seconds", egnyte)] == 0
