"""An answer nobody expected ends an operation after one read-back, and a sync, failed with the
reason and the vendor's body kept: never a verify loop (the sandbox's ``reshaped`` fault)."""

from __future__ import annotations

import pytest

from portal.operations.services import operation_retry, subscription_seats_change, tenant_create
from portal.sync.models import SyncRunStatus
from portal.sync.services import connection_sync
from tests.factories import CustomerFactory
from tests.vendors.options import connection_options as vendor_options

from .conftest import base_product, connect, provision, settle

pytestmark = pytest.mark.django_db
VENDOR = "trendmicro"


def create(connection, staff):
    return tenant_create(
        customer=CustomerFactory(),
        connection=connection,
        options=vendor_options(connection),
        product_code=base_product(connection).code,
        seats=5,
        actor=staff,
    )


def test_a_write_whose_answer_was_reshaped_is_read_back_once_and_recorded(sandbox, staff):
    vendor = "lookout"  # one write (an order) whose answer the adapter reads
    connection = connect(sandbox, vendor)
    sandbox.set_faults(vendor, reshaped_rate=1.0, only_writes=True, path_contains="/orders")

    operation = settle(create(connection, staff))

    assert operation.state == "succeeded", operation.last_error
    assert [a.outcome for a in operation.attempt_log.all()] == ["unexpected_answer", "verified"]
    assert sandbox.journal.count_actions(vendor, "create_tenant") == 1


def test_an_unexpected_read_back_ends_the_operation_failed_without_a_loop(sandbox, staff):
    subscription = provision(connect(sandbox, VENDOR), seats=5).subscriptions.get()
    sandbox.set_faults(VENDOR, reshaped_rate=1.0)

    operation = settle(subscription_seats_change(subscription=subscription, seats=8, actor=staff))

    assert operation.state == "failed"
    assert operation.attempts == 2  # the send, then one read-back
    assert operation.last_error.startswith("unexpected answer from Trend Micro")
    assert operation.error_detail["body"] == 42
    assert sandbox.journal.count_actions(VENDOR, "change_seats") <= 1
    attempt = operation.attempt_log.order_by("number").last()
    assert attempt.vendor_answer["error"]["kind"] == "VendorUnexpectedAnswer"


def test_staff_retry_after_an_unexpected_answer_reads_back_then_sends(sandbox, staff):
    subscription = provision(connect(sandbox, VENDOR), seats=5).subscriptions.get()
    sandbox.set_faults(VENDOR, reshaped_rate=1.0, path_contains="/subscriptions")
    failed = settle(subscription_seats_change(subscription=subscription, seats=8, actor=staff))
    assert failed.state == "failed"
    sandbox.set_faults(VENDOR)

    operation = settle(operation_retry(operation=failed, actor=staff))

    assert operation.state == "succeeded", operation.last_error
    subscription.refresh_from_db()
    assert subscription.seats == 8


def test_a_sync_meeting_an_unexpected_answer_ends_failed_with_the_body(sandbox):
    connection = connect(sandbox, VENDOR)
    sandbox.set_faults(VENDOR, reshaped_rate=1.0)

    run = connection_sync(connection)

    assert run.status == SyncRunStatus.FAILED
    assert "unexpected answer from Trend Micro" in run.error
    assert run.errors[-1]["kind"] == "VendorUnexpectedAnswer" and run.errors[-1]["body"] == "42"
