"""An operation never sleeps out a long vendor throttle in its worker slot: it re-enqueues."""

from __future__ import annotations

import time

from portal.operations.engine import operation_run

from .conftest import connect, create_request

VENDOR = "trendmicro"


def test_it_reenqueues_an_operation_throttled_for_long_instead_of_sleeping(sandbox, db):
    connection = connect(sandbox, VENDOR)
    operation = create_request(connection)
    sandbox.set_faults(VENDOR, throttle_rate=1.0, only_writes=True, max_faults=1, retry_after=5)

    started = time.monotonic()
    outcome = operation_run(operation.pk)

    assert time.monotonic() - started < 2.0  # the 5 s were not waited out in the worker slot
    assert outcome.state == "pending"
    assert outcome.rerun_in is not None and 4.0 <= outcome.rerun_in <= 5.0
    writes = [e.outcome for e in sandbox.journal.entries(VENDOR) if e.write]
    assert writes == ["fault:throttle"]
