"""What keeps the pages fast on a large estate: kept totals, indexed suggestions, uncounted pages."""

from __future__ import annotations

from portal.customers.models import Customer, Subscription
from portal.customers.totals import (
    connection_totals_refresh,
    connection_totals_shift,
    tenant_contribution,
)
from portal.sync.adoption import tenant_suggestions
from tests.factories import CustomerFactory, SubscriptionFactory, TenantFactory


def _health(client, connection):
    d = client.get("/").context["d"]
    return next(h for h in d.connections if h.connection == connection)


def test_it_shows_the_totals_a_sync_kept_and_an_operation_shifted(viewer_client, world):
    connection = world["connection"]
    SubscriptionFactory(tenant=world["inside_tenant"], seats=10, seats_used=4, status="active")
    connection_totals_refresh(connection_id=connection.pk)  # what the end of a sync does
    TenantFactory(connection=connection)  # arrives later: not counted until the next sync
    health = _health(viewer_client, connection)
    assert (health.tenants, health.seats, health.seats_used) == (2, 10, 4)

    sub = Subscription.objects.get(tenant=world["inside_tenant"])
    before = tenant_contribution(tenant_id=sub.tenant_id)
    Subscription.objects.filter(pk=sub.pk).update(seats=25)  # what an operation's mirror does
    connection_totals_shift(
        connection_id=connection.pk,
        before=before,
        after=tenant_contribution(tenant_id=sub.tenant_id),
    )
    health = _health(viewer_client, connection)
    assert (health.tenants, health.seats, health.seats_used) == (2, 25, 4)


def test_it_counts_a_scoped_users_own_subtree_live(scoped_client, world):
    SubscriptionFactory(tenant=world["inside_tenant"], seats=7, seats_used=3, status="active")
    SubscriptionFactory(tenant=world["outside_tenant"], seats=90, seats_used=90, status="active")
    connection_totals_refresh(connection_id=world["connection"].pk)
    health = _health(scoped_client, world["connection"])
    assert (health.tenants, health.seats, health.seats_used) == (1, 7, 3)


def test_it_suggests_owners_by_their_normalized_name(db, world):
    exact = CustomerFactory(name="Contoso Dental")
    close = CustomerFactory(name="CONTOSO DENTAL, Ltd.")
    CustomerFactory(name="Contoso Dentalworks")
    tenant = TenantFactory(connection=world["connection"], customer=None, name="Contoso Dental")
    assert Customer.objects.get(pk=close.pk).name_key == "contoso dental"
    assert tenant_suggestions(tenant) == [
        (exact, "exact name"),
        (close, "same name once normalized"),
    ]


def test_it_pages_a_search_without_counting_every_match(viewer_client, db):
    for n in range(55):
        CustomerFactory(name=f"Fabrikam {n:02d}")
    first = viewer_client.get("/customers/?q=Fabrikam")
    assert len(first.context["page"].object_list) == 50
    assert b'rel="next"' in first.content and b"in all" not in first.content
    second = viewer_client.get("/customers/?q=Fabrikam&page=2")
    assert [c.name for c in second.context["page"].object_list][-1] == "Fabrikam 54"
    assert b'rel="prev"' in second.content and b'rel="next"' not in second.content


def test_it_caps_a_dashboard_count_and_says_so(db):
    from portal.operations.models import Operation, OperationState
    from portal.web.selectors import capped_count
    from tests.factories import OperationFactory

    OperationFactory.create_batch(3, state=OperationState.FAILED)
    failed = Operation.objects.filter(state=OperationState.FAILED)
    assert str(capped_count(failed, cap=2)) == "2+"
    assert str(capped_count(failed, cap=3)) == "3"
