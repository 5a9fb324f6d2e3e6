"""Tasks go through the configured broker to a real worker process (Redis in CI)."""

from __future__ import annotations

import os
import signal

import pytest
from django.db import connection

from portal.core.tasks import ping
from tests import factories
from tests.worker_fixtures import (
    CeleryWorkerProcess,
    connection_identity,
    count_rows,
    imported,
    purge_task_queues,
)
from vendors.registry import ADAPTERS

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def test_it_runs_a_task_sent_through_the_broker_in_a_real_worker(celery_worker_process):
    answer = ping.apply_async(args=["hello"]).get(timeout=30)

    assert answer["echo"] == "hello"
    assert answer["pid"] != os.getpid()
    assert celery_worker_process.owns(answer["pid"])


def test_it_points_the_worker_at_the_test_database(celery_worker_process):
    factories.CustomerFactory.create_batch(3)

    answer = count_rows.delay("customers.Customer").get(timeout=30)

    assert answer == {"count": 3, "database": str(connection.settings_dict["NAME"])}


def test_it_serves_tasks_again_after_the_worker_is_killed_and_restarted(celery_worker_process):
    first_pid = celery_worker_process.process.pid

    assert celery_worker_process.kill(signal.SIGKILL) == -signal.SIGKILL
    celery_worker_process.restart()

    answer = ping.delay("again").get(timeout=30)
    assert celery_worker_process.process.pid != first_pid
    assert celery_worker_process.owns(answer["pid"])


@pytest.fixture
def one_child_worker(transactional_db, tmp_path):
    """A real worker with a single pool process, so consecutive tasks run in the same process."""
    purge_task_queues()
    worker = CeleryWorkerProcess(tmp_path, concurrency=1).start()
    yield worker
    worker.kill()


def test_it_keeps_the_database_connection_between_tasks(one_child_worker):
    first = connection_identity.delay().get(timeout=30)
    second = connection_identity.delay().get(timeout=30)

    # Celery's Django fixup would close it around every task: a connect per operation.
    assert second == first


def test_it_replaces_a_database_connection_that_broke_between_tasks(one_child_worker):
    if connection.vendor != "postgresql":
        pytest.skip("terminates the worker's PostgreSQL backend")
    first = connection_identity.delay().get(timeout=30)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [first["backend_pid"]])

    second = connection_identity.delay().get(timeout=30)

    assert second["pid"] == first["pid"]
    assert second["backend_pid"] != first["backend_pid"]


def test_its_pool_processes_start_with_every_vendor_adapter_imported(celery_worker_process):
    modules = [dotted.rpartition(".")[0] for dotted in ADAPTERS.values()]

    # Imported once in the parent before it forks, not inside a child's first operation.
    assert imported.delay(modules).get(timeout=30) == modules
