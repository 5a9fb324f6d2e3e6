"""Sync claims follow their heartbeat: a live sync keeps its claim through a slow page, a claim
that missed a few heartbeats (its worker died) is taken over."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection as db_connection

from portal.catalog.models import VendorConnection
from portal.sync.models import SyncRunStatus
from portal.sync.services import SyncAlreadyRunning, connection_sync, sync_claim

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
VENDOR = "redstor"
HEARTBEAT = 0.25  # stale after 3 missed: 0.75 s


@pytest.fixture
def quick_heartbeat(settings):
    settings.SYNC_HEARTBEAT_SECONDS = HEARTBEAT
    settings.SYNC_CLAIM_MISSED_HEARTBEATS = 3


def test_a_claim_that_missed_its_heartbeats_is_taken_over(sandbox, connect, quick_heartbeat):
    connection = connect(VENDOR)
    sync_claim(connection)  # a worker that claimed, then died: no heartbeat follows

    with pytest.raises(SyncAlreadyRunning):
        sync_claim(connection)
    time.sleep(4 * HEARTBEAT)
    run = connection_sync(connection)

    assert run.status == SyncRunStatus.SUCCEEDED


def test_a_slow_page_keeps_the_claim_fresh(sandbox, connect, quick_heartbeat):
    sandbox.set_faults(VENDOR, latency_ms=2500)  # each call lasts several stale cutoffs
    connection = connect(VENDOR)
    claimed_at = []

    def sync() -> None:
        try:
            connection_sync(connection)
        finally:
            db_connection.close()

    worker = threading.Thread(target=sync, daemon=True)
    worker.start()
    time.sleep(1.5)  # inside the first (slow) vendor call, two stale cutoffs after the claim
    try:
        with pytest.raises(SyncAlreadyRunning):
            sync_claim(connection)
        for _ in range(4):
            claimed_at.append(
                VendorConnection.objects.values_list("sync_claimed_at", flat=True).get(
                    pk=connection.pk
                )
            )
            time.sleep(HEARTBEAT)
    finally:
        sandbox.set_faults(VENDOR)
        worker.join(timeout=60)

    assert len(set(claimed_at)) > 1  # renewed while the call ran, not only between pages
