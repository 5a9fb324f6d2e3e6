"""Acceptance 4: a bulk suspend of a reseller's subtree, with its dry run and a failing vendor."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from portal.operations.models import OperationBatch
from portal.operations.selectors import batch_plan, batch_progress
from portal.operations.services import batch_create, batch_resume
from tests.factories import CustomerFactory, ResellerFactory

from .conftest import connect, provision, settle

pytestmark = pytest.mark.django_db


@pytest.fixture
def reseller_estate(sandbox):
    """A reseller with a sub-reseller; customers at three vendors that suspend, one that cannot."""
    reseller = ResellerFactory()
    sub_reseller = ResellerFactory(parent=reseller)
    connections = {v: connect(sandbox, v) for v in ("trendmicro", "redstor", "bitdefender")}
    connections["lookout"] = connect(sandbox, "lookout")
    tenants = {
        "trendmicro": provision(connections["trendmicro"], CustomerFactory(parent=reseller)),
        "redstor": provision(connections["redstor"], CustomerFactory(parent=sub_reseller)),
        "bitdefender": provision(connections["bitdefender"], CustomerFactory(parent=reseller)),
        "lookout": provision(connections["lookout"], CustomerFactory(parent=reseller)),
    }
    already = provision(connections["trendmicro"], CustomerFactory(parent=sub_reseller))
    settle(batch_create(customer=already.customer, kind="suspend").operations.get())
    outsider = provision(connections["redstor"])  # another reseller's customer: untouched
    return reseller, tenants, already, outsider


def test_it_previews_then_suspends_a_resellers_subtree_and_survives_a_failing_vendor(
    sandbox, reseller_estate, staff, settings
):
    settings.OPERATIONS_MAX_ATTEMPTS = 2
    reseller, tenants, already, outsider = reseller_estate

    plan = {item.tenant_id: item for item in batch_plan(customer=reseller, kind="suspend")}

    assert set(plan) == {t.pk for t in tenants.values()} | {already.pk}
    assert outsider.pk not in plan
    assert plan[tenants["lookout"].pk].action == "skip"
    assert plan[tenants["lookout"].pk].reason.startswith("Lookout cannot suspend:")
    assert plan[already.pk].action == "skip"
    assert plan[already.pk].reason == f"{already.name} is already suspended."
    runnable = {v for v, t in tenants.items() if plan[t.pk].will_run}
    assert runnable == {"trendmicro", "redstor", "bitdefender"}

    sandbox.set_faults("redstor", error_rate=1.0, only_writes=True)
    batch = batch_create(customer=reseller, kind="suspend", actor=staff)
    assert len(batch.plan) == 5 and batch_progress(batch=batch).total == 3
    for operation in batch.operations.all():
        settle(operation)

    progress = batch_progress(batch=batch)
    assert progress.done and progress.failed == 1 and progress.skipped == 2
    for vendor in ("trendmicro", "bitdefender"):
        tenants[vendor].refresh_from_db()
        assert tenants[vendor].status == "suspended"
    failed = batch.operations.get(state="failed")
    assert failed.tenant == tenants["redstor"]

    sandbox.set_faults("redstor")  # the vendor is back
    retried = batch_resume(batch=batch, actor=staff)
    assert [op.pk for op in retried] == [failed.pk]
    assert settle(retried[0]).state == "succeeded"

    assert batch_progress(batch=batch).by_state == {"succeeded": 3}
    tenants["redstor"].refresh_from_db()
    assert tenants["redstor"].status == "suspended"
    assert sandbox.journal.count_actions("redstor", "suspend") >= 1
    outsider.refresh_from_db()
    assert outsider.status == "active"


def test_it_resumes_the_subtree_after_a_bulk_suspend(sandbox, reseller_estate, staff):
    reseller, tenants, _, _ = reseller_estate
    for operation in batch_create(customer=reseller, kind="suspend").operations.all():
        settle(operation)

    batch = batch_create(customer=reseller, kind="resume", actor=staff)
    for operation in batch.operations.all():
        settle(operation)

    assert batch_progress(batch=batch).by_state == {"succeeded": 4}  # includes `already`
    for vendor in ("trendmicro", "redstor", "bitdefender"):
        tenants[vendor].refresh_from_db()
        assert tenants[vendor].status == "active"


def test_it_refuses_a_bulk_request_with_nothing_to_do(sandbox, staff):
    tenant = provision(connect(sandbox, "lookout"), CustomerFactory(parent=ResellerFactory()))

    with pytest.raises(ValidationError) as refused:
        batch_create(customer=tenant.customer.parent, kind="suspend")

    assert "Lookout cannot suspend" in refused.value.messages[0]
    assert not OperationBatch.objects.exists()
