"""Syncs go through the broker to a real Celery worker process (Redis in CI)."""

from __future__ import annotations

import pytest

from portal.core.queues import bulk_queue
from portal.customers.models import Tenant
from portal.sync.models import SyncRun, SyncRunStatus
from portal.sync.tasks import sync_connection

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def test_a_sync_runs_in_a_real_worker_and_fills_the_mirror(sandbox, connect, celery_worker_process):
    connection = connect("trendmicro")

    result = sync_connection.apply_async(
        args=[connection.pk, "test"], queue=bulk_queue("trendmicro")
    )
    answer = result.get(timeout=60)

    run = SyncRun.objects.get(pk=answer["run"])
    assert run.status == SyncRunStatus.SUCCEEDED, run.error
    expected = len(sandbox.sandboxes["trendmicro"].snapshot()["tenants"])
    assert Tenant.objects.filter(connection=connection).count() == expected


def test_two_sync_requests_at_once_run_one_sync(sandbox, connect, celery_worker_process):
    connection = connect("trendmicro")
    sandbox.set_faults("trendmicro", latency_ms=400)  # keep the first sync busy

    first = sync_connection.apply_async(args=[connection.pk, "a"], queue=bulk_queue("trendmicro"))
    second = sync_connection.apply_async(args=[connection.pk, "b"], queue=bulk_queue("trendmicro"))
    answers = [first.get(timeout=90), second.get(timeout=90)]

    assert sorted("skipped" in a for a in answers) == [False, True]
    assert [a["skipped"] for a in answers if "skipped" in a] == ["already running"]
    assert SyncRun.objects.filter(connection=connection).count() == 1
