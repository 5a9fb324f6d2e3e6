"""Two lanes per vendor: an operations worker never picks up bulk work, nor waits behind it."""

from __future__ import annotations

import pytest
from celery import current_app
from celery.exceptions import TimeoutError as ResultTimeout

from portal.core.queues import bulk_queue, ops_queue, worker_queues
from tests.worker_fixtures import CeleryWorkerProcess, count_rows

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def test_each_lane_consumes_its_own_queues_only():
    assert set(worker_queues("ops")) >= {"default", ops_queue("egnyte")}
    assert bulk_queue("egnyte") not in worker_queues("ops")
    assert set(worker_queues("bulk")) >= {bulk_queue("egnyte"), "vendor.egnyte"}
    assert ops_queue("egnyte") not in worker_queues("bulk")


def test_an_ops_worker_serves_operations_and_leaves_bulk_work_queued(transactional_db, tmp_path):
    worker = CeleryWorkerProcess(tmp_path, concurrency=1, extra_env={"WORKER_LANE": "ops"})
    worker.start()
    try:
        interactive = count_rows.apply_async(args=["auth.user"], queue=ops_queue("egnyte"))
        bulk = count_rows.apply_async(args=["auth.user"], queue=bulk_queue("egnyte"))

        assert interactive.get(timeout=30)["count"] == 0
        with pytest.raises(ResultTimeout):
            bulk.get(timeout=5)  # no bulk worker runs: it waits in its queue
    finally:
        worker.stop()
        with current_app.connection_for_write() as connection:
            connection.default_channel.queue_purge(bulk_queue("egnyte"))
