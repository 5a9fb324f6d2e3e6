"""What one run costs the portal itself: queries per run, and the adapter a worker keeps."""

from __future__ import annotations

import pytest

from portal.customers.models import Tenant
from portal.operations.engine import operation_run
from portal.operations.models import OperationAttempt
from portal.operations.services import subscription_seats_change, tenant_suspend

from .conftest import connect, provision, settle

pytestmark = pytest.mark.django_db


def _calls(operation) -> list[dict]:
    attempt = OperationAttempt.objects.filter(operation=operation).order_by("number").last()
    return attempt.vendor_answer["calls"]


def _token_calls(operation) -> int:
    return sum(1 for call in _calls(operation) if call["endpoint"].endswith("/connect/token"))


def test_it_reuses_the_connection_adapter_and_its_token_in_the_next_run(sandbox):
    connection = connect(sandbox, "redstor")
    tenant = provision(connection, seats=2)
    first = tenant.operations.order_by("pk").first()
    # With Redis the token connect() fetched is shared (portal/core/tokens.py): none needed then.
    assert _token_calls(first) <= 1

    second = settle(tenant_suspend(tenant=tenant))

    assert second.state == "succeeded", second.last_error
    assert _token_calls(second) == 0
    assert _calls(second), "the vendor calls are still recorded on the attempt"


def test_it_builds_a_new_adapter_when_the_connection_changes(sandbox):
    connection = connect(sandbox, "redstor")
    tenant = provision(connection, seats=2)
    connection.credentials = {**connection.credentials, "client_id": "someone-else"}
    connection.save()

    operation = settle(tenant_suspend(tenant=tenant))  # a write Redstor documents

    # The kept adapter holds a valid token; only a new one asks for a token with the new id.
    assert operation.state == "failed"
    assert "credentials" in operation.last_error


@pytest.mark.parametrize("change", ["seats", "suspend"])
def test_it_runs_an_operation_in_a_fixed_number_of_queries(
    sandbox, change, django_assert_max_num_queries
):
    connection = connect(sandbox, "trendmicro")
    tenant = provision(connection, seats=2)
    if change == "seats":
        operation = subscription_seats_change(subscription=tenant.subscriptions.get(), seats=3)
    else:
        operation = tenant_suspend(tenant=tenant)

    # Claim, vendor answer into the mirror (with the seat history row billing prorates from)
    # and the totals, close and its audit event (which announces the outcome, read once for the
    # webhooks and the notices together): 22 statements with the test's savepoints (32, then
    # 25, then 21 before notices).
    with django_assert_max_num_queries(22):
        outcome = operation_run(operation.pk)

    assert outcome.state == "succeeded"


@pytest.mark.parametrize("change", ["seats", "suspend"])
def test_it_requests_an_operation_in_a_fixed_number_of_queries(
    sandbox, change, django_assert_num_queries
):
    connection = connect(sandbox, "trendmicro")
    provision(connection, seats=2)
    # Loaded with its relations, as the pages and the API load a target before a request.
    tenant = Tenant.objects.select_related("connection", "customer").get()
    sub = tenant.subscriptions.get()
    sub.tenant = tenant

    # The transaction (a savepoint here), the target's row lock, the open-operation check, the
    # operation and its audit event: no savepoint around the insert when the key is generated.
    with django_assert_num_queries(6):
        if change == "seats":
            operation = subscription_seats_change(subscription=sub, seats=3)
        else:
            operation = tenant_suspend(tenant=tenant)

    assert operation.state == "pending"
