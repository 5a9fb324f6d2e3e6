"""Tasks go through the configured broker to a real worker process (Redis in CI)."""

from __future__ import annotations

import os
import signal

import pytest
from django.db import connection

from portal.core.tasks import ping
from tests import factories
from tests.worker_fixtures import count_rows

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
