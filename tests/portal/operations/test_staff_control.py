"""Staff control: retry a failed operation, cancel a pending one, the reaper, support commands."""

from __future__ import annotations

import datetime as dt
import importlib
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from portal.audit.models import AuditEvent
from portal.operations.engine import operation_run, operations_reap
from portal.operations.models import Operation, OperationAttempt
from portal.operations.services import operation_cancel, operation_retry, tenant_create
from tests.factories import CustomerFactory
from tests.vendors.options import connection_options as vendor_options

from .conftest import base_product, connect, settle

pytestmark = pytest.mark.django_db
VENDOR = "trendmicro"


def failed_create(sandbox, staff, settings) -> Operation:
    settings.OPERATIONS_MAX_ATTEMPTS = 1
    connection = connect(sandbox, VENDOR)
    operation = tenant_create(
        customer=CustomerFactory(),
        connection=connection,
        options=vendor_options(connection),
        product_code=base_product(connection).code,
        seats=4,
        actor=staff,
    )
    sandbox.set_faults(VENDOR, error_rate=1.0, only_writes=True, max_faults=1)
    return settle(operation)


def actions(operation: Operation) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="operations.operation", object_id=str(operation.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_it_retries_a_failed_operation_with_the_same_key(sandbox, staff, settings):
    operation = failed_create(sandbox, staff, settings)
    assert operation.state == "failed"
    key = operation.idempotency_key

    operation = settle(operation_retry(operation=operation, actor=staff))

    assert operation.state == "succeeded" and operation.idempotency_key == key
    assert [a.outcome for a in operation.attempt_log.all()] == ["transient_error", "applied"]
    assert sandbox.journal.count_actions(VENDOR, "create_tenant") == 1
    assert actions(operation) == [
        "operation.requested", "operation.running", "operation.failed",
        "operation.retried", "operation.running", "operation.succeeded",
    ]  # fmt: skip


def test_it_only_retries_failed_operations(sandbox, staff):
    connection = connect(sandbox, VENDOR)
    operation = tenant_create(
        customer=CustomerFactory(), connection=connection,
        options=vendor_options(connection),
        product_code=base_product(connection).code, seats=4,
    )  # fmt: skip

    with pytest.raises(ValidationError, match="only a failed operation can be retried"):
        operation_retry(operation=operation, actor=staff)


def test_it_cancels_a_pending_operation_and_never_sends_it(sandbox, staff):
    connection = connect(sandbox, VENDOR)
    operation = tenant_create(
        customer=CustomerFactory(), connection=connection,
        options=vendor_options(connection),
        product_code=base_product(connection).code, seats=4,
    )  # fmt: skip

    operation_cancel(operation=operation, actor=staff)
    operation_run(operation.pk)  # its message is still delivered

    operation.refresh_from_db()
    assert operation.state == "cancelled" and operation.attempts == 0
    assert sandbox.journal.count_actions(VENDOR) == 0
    assert actions(operation)[-1] == "operation.cancelled"
    with pytest.raises(ValidationError, match="only a pending operation can be cancelled"):
        operation_cancel(operation=operation, actor=staff)


def test_it_reaps_a_run_whose_worker_died_and_verifies_before_resending(sandbox, staff):
    connection = connect(sandbox, VENDOR)
    operation = tenant_create(
        customer=CustomerFactory(), connection=connection,
        options=vendor_options(connection),
        product_code=base_product(connection).code, seats=4,
    )  # fmt: skip
    operation_run(operation.pk)  # applied at the vendor...
    long_ago = timezone.now() - dt.timedelta(hours=1)
    # ...but the worker "died" before recording it: back to running, its lease long lapsed.
    Operation.objects.filter(pk=operation.pk).update(
        state="running", claimed_at=long_ago, lease_expires_at=long_ago
    )
    OperationAttempt.objects.filter(operation=operation).update(finished_at=None, outcome="")

    assert operations_reap() == [operation.pk]
    operation.refresh_from_db()
    assert operation.state == "verifying"
    operation = settle(operation)

    assert operation.state == "succeeded"
    assert [a.outcome for a in operation.attempt_log.all()] == ["worker_lost", "verified"]
    assert sandbox.journal.count_actions(VENDOR, "create_tenant") == 1


def test_it_leaves_a_run_inside_its_lease_alone(sandbox, staff):
    connection = connect(sandbox, VENDOR)
    operation = tenant_create(
        customer=CustomerFactory(), connection=connection,
        options=vendor_options(connection),
        product_code=base_product(connection).code, seats=4,
    )  # fmt: skip
    claimed = timezone.now() - dt.timedelta(minutes=5)  # a long call, its lease renewed
    Operation.objects.filter(pk=operation.pk).update(
        state="running",
        claimed_at=claimed,
        lease_expires_at=timezone.now() + dt.timedelta(seconds=20),
    )

    assert operations_reap() == []


def test_it_schedules_the_reaper_in_celery_beat(db):
    """What its migrations write (0002 schedules it, 0008 makes it every 5 s). Run again here:
    a transactional test earlier in this process flushes the tables, migration rows included;
    both steps are idempotent."""
    from django.apps import apps

    for migration, forward in (
        ("0002_reaper_schedule", "schedule"),
        ("0008_reaper_every_five_seconds", "faster"),
    ):
        module = importlib.import_module(f"portal.operations.migrations.{migration}")
        getattr(module, forward)(apps, None)
    assert PeriodicTask.objects.filter(task="operations.reap_stuck_operations").count() == 1
    task = PeriodicTask.objects.get(task="operations.reap_stuck_operations")
    assert task.enabled and (task.interval.every, task.interval.period) == (5, "seconds")


def test_it_lists_and_retries_from_the_command_line(sandbox, staff, settings):
    operation = failed_create(sandbox, staff, settings)
    out = StringIO()

    call_command("operations", "--state", "failed", stdout=out)
    assert f"#{operation.pk}" in out.getvalue() and "1 of 1 operation(s)" in out.getvalue()

    call_command("operation-retry", str(operation.pk), stdout=out)
    operation.refresh_from_db()
    assert operation.state == "pending"
    assert "queued" in out.getvalue()
    with pytest.raises(CommandError, match="only a failed operation"):
        call_command("operation-retry", str(operation.pk), stdout=out)
    with pytest.raises(CommandError, match="no operation #999999"):
        call_command("operation-retry", "999999", stdout=out)
