"""Acceptance 2 (in-process part): one request, one vendor change, whatever the network does."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from portal.operations.engine import operation_run
from portal.operations.models import Operation
from portal.operations.services import OperationKeyReused, subscription_seats_change, tenant_create
from tests.factories import CustomerFactory
from tests.vendors.options import connection_options as vendor_options

from .conftest import VENDORS, base_product, connect, provision, settle

pytestmark = pytest.mark.django_db
VENDOR = "trendmicro"


def create(connection, customer, staff, *, key="", seats=5):
    return tenant_create(
        customer=customer,
        connection=connection,
        options=vendor_options(connection),
        product_code=base_product(connection).code,
        seats=seats,
        actor=staff,
        idempotency_key=key,
    )


@pytest.mark.parametrize("vendor", VENDORS)
def test_it_makes_one_vendor_change_for_a_request_sent_twice_with_one_key(sandbox, vendor, staff):
    connection, customer = connect(sandbox, vendor), CustomerFactory()

    first = create(connection, customer, staff, key="double-click-1")
    second = create(connection, customer, staff, key="double-click-1")
    settle(first)
    third = create(connection, customer, staff, key="double-click-1")  # a replay after it ran
    operation_run(first.pk)  # a redelivered message

    assert first.pk == second.pk == third.pk
    assert Operation.objects.count() == 1
    assert Operation.objects.get().state == "succeeded"
    assert sandbox.journal.count_actions(vendor, "create_tenant") == 1


def test_it_refuses_a_key_reused_for_a_different_request(sandbox, staff):
    connection, customer = connect(sandbox, VENDOR), CustomerFactory()
    create(connection, customer, staff, key="k-1", seats=5)

    with pytest.raises(OperationKeyReused):
        create(connection, customer, staff, key="k-1", seats=6)


def test_it_refuses_a_second_open_operation_on_the_same_target(sandbox, staff):
    connection, customer = connect(sandbox, VENDOR), CustomerFactory()
    first = create(connection, customer, staff)

    with pytest.raises(ValidationError) as refused:
        create(connection, customer, staff)

    assert f"Operation #{first.pk}" in refused.value.messages[0]
    assert Operation.objects.count() == 1


@pytest.mark.parametrize("vendor", VENDORS)
def test_it_verifies_a_create_whose_answer_was_dropped_and_never_resends(sandbox, vendor, staff):
    connection, customer = connect(sandbox, vendor), CustomerFactory()
    operation = create(connection, customer, staff)
    sandbox.set_faults(vendor, apply_then_drop_rate=1.0, only_writes=True, max_faults=1)

    operation = settle(operation)

    assert operation.state == "succeeded", operation.last_error
    # The first write that got past the vendor's rate limit was applied, then its answer lost.
    reached = [
        e for e in sandbox.journal.entries(vendor) if e.write and e.outcome != "rate_limited"
    ]
    assert reached[0].outcome == "fault:apply_then_drop"
    outcomes = [a.outcome for a in operation.attempt_log.all()]
    # Where the adapter could not tell, the engine verified before anything was resent:
    # "verified" (all there) or "applied" (a multi-write create resumed where it stopped).
    if outcomes[0] == "outcome_unknown":
        assert outcomes[1] in ("verified", "applied")
    assert sandbox.journal.count_actions(vendor, "create_tenant") == 1
    assert len(sandbox.sandboxes[vendor].snapshot()["tenants"]) == 5 + 1  # seeded + ours
    assert operation.tenant.customer == customer


def test_it_verifies_a_seat_change_whose_answer_was_dropped(sandbox, staff):
    connection = connect(sandbox, VENDOR)
    subscription = provision(connection, seats=5).subscriptions.get()
    sandbox.set_faults(VENDOR, apply_then_drop_rate=1.0, only_writes=True, max_faults=1)

    operation = settle(subscription_seats_change(subscription=subscription, seats=8, actor=staff))

    assert operation.state == "succeeded"
    assert [a.outcome for a in operation.attempt_log.all()] == ["outcome_unknown", "verified"]
    assert sandbox.journal.count_actions(VENDOR, "change_seats") == 1
    subscription.refresh_from_db()
    assert subscription.seats == 8


def test_it_retries_a_503_then_succeeds(sandbox, staff):
    connection, customer = connect(sandbox, VENDOR), CustomerFactory()
    operation = create(connection, customer, staff)
    sandbox.set_faults(VENDOR, error_rate=1.0, only_writes=True, max_faults=1)

    operation_run(operation.pk)
    operation.refresh_from_db()
    assert operation.state == "pending" and operation.next_attempt_at is not None
    operation = settle(operation)

    assert operation.state == "succeeded"
    assert [a.outcome for a in operation.attempt_log.all()] == ["transient_error", "applied"]
    assert operation.attempt_log.first().vendor_status == 500
    assert sandbox.journal.count_actions(VENDOR, "create_tenant") == 1


def test_it_gives_up_after_the_attempt_limit(sandbox, staff, settings):
    settings.OPERATIONS_MAX_ATTEMPTS = 3
    connection, customer = connect(sandbox, VENDOR), CustomerFactory()
    operation = create(connection, customer, staff)
    sandbox.set_faults(VENDOR, error_rate=1.0, only_writes=True)

    operation = settle(operation)

    assert operation.state == "failed"
    assert operation.attempts == 3
    assert "Gave up after 3 attempts" in operation.last_error
    assert sandbox.journal.count_actions(VENDOR, "create_tenant") == 0


def test_it_fails_on_rejected_credentials_and_flags_the_connection(sandbox, staff):
    connection, customer = connect(sandbox, VENDOR), CustomerFactory()
    operation = create(connection, customer, staff)
    connection.credentials = sandbox.sandboxes[VENDOR].invalid_credentials()
    connection.save()

    operation = settle(operation)

    assert operation.state == "failed" and operation.attempts == 1
    assert "rejected the credentials" in operation.last_error
    connection.refresh_from_db()
    assert connection.sync_status == "auth_failed"
