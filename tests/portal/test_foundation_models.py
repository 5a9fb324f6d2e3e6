"""The domain model's invariants hold in the database itself, not only in forms and services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from portal.customers.models import Customer
from tests import factories

pytestmark = pytest.mark.django_db

EVERY_FACTORY = [
    factories.UserFactory,
    factories.SuperUserFactory,
    factories.ProfileFactory,
    factories.ApiTokenFactory,
    factories.CustomerFactory,
    factories.ResellerFactory,
    factories.VendorConnectionFactory,
    factories.ProductFactory,
    factories.TenantFactory,
    factories.SubscriptionFactory,
    factories.UsageRecordFactory,
    factories.OperationBatchFactory,
    factories.OperationFactory,
    factories.OperationAttemptFactory,
    factories.SyncRunFactory,
    factories.DiscrepancyFactory,
    factories.WebhookEventFactory,
    factories.VendorCallStatFactory,
    factories.AuditEventFactory,
]


def assert_rejected(factory, **kwargs) -> None:
    """The row is refused by a database constraint (the savepoint keeps the test usable)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**kwargs)


@pytest.mark.parametrize("factory", EVERY_FACTORY, ids=lambda f: f.__name__)
def test_it_builds_a_valid_row_with_every_factory(factory):
    first, second = factory(), factory()
    model = factory._meta.model
    assert model.objects.filter(pk__in=[first.pk, second.pk]).count() == 2
    first.full_clean(exclude=["password"])


def test_it_rejects_a_duplicate_tenant_external_id_on_one_connection():
    tenant = factories.TenantFactory(external_id="T-1")
    assert_rejected(factories.TenantFactory, connection=tenant.connection, external_id="T-1")


def test_it_allows_the_same_tenant_external_id_on_another_connection():
    factories.TenantFactory(external_id="T-1")
    other = factories.TenantFactory(external_id="T-1")
    assert other.pk


def test_it_rejects_an_empty_external_id():
    assert_rejected(factories.TenantFactory, external_id="")


def test_it_rejects_a_duplicate_product_external_id_on_one_connection():
    product = factories.ProductFactory(external_id="P-1")
    assert_rejected(factories.ProductFactory, connection=product.connection, external_id="P-1")


def test_it_rejects_a_duplicate_subscription_external_id_in_one_tenant():
    subscription = factories.SubscriptionFactory(external_id="S-1")
    assert_rejected(factories.SubscriptionFactory, tenant=subscription.tenant, external_id="S-1")


@pytest.mark.parametrize("field", ["seats", "seats_used"])
def test_it_rejects_negative_seats(field):
    assert_rejected(factories.SubscriptionFactory, **{field: -1})


def test_it_accepts_zero_and_unknown_seats():
    assert factories.SubscriptionFactory(seats=0, seats_used=None).pk


def test_it_keeps_one_usage_row_per_tenant_subscription_period_and_metric():
    row = factories.UsageRecordFactory(period=dt.date(2025, 3, 1), subscription_key="S-1")
    assert_rejected(
        factories.UsageRecordFactory,
        tenant=row.tenant, period=row.period, metric=row.metric, subscription_key="S-1",
    )  # fmt: skip
    other_month = factories.UsageRecordFactory(
        tenant=row.tenant, period=dt.date(2025, 4, 1), metric=row.metric, subscription_key="S-1"
    )
    assert other_month.pk


def test_it_rejects_negative_usage():
    assert_rejected(factories.UsageRecordFactory, quantity=Decimal("-0.5"))


def test_it_records_a_webhook_delivery_once_per_connection():
    event = factories.WebhookEventFactory(event_id="evt-1")
    assert_rejected(factories.WebhookEventFactory, connection=event.connection, event_id="evt-1")


def test_it_rejects_a_reused_idempotency_key():
    factories.OperationFactory(idempotency_key="key-1")
    assert_rejected(factories.OperationFactory, idempotency_key="key-1")


def test_it_numbers_attempts_once_per_operation():
    attempt = factories.OperationAttemptFactory(number=1)
    assert_rejected(factories.OperationAttemptFactory, operation=attempt.operation, number=1)


def test_it_allows_one_open_discrepancy_per_field():
    open_one = factories.DiscrepancyFactory(field="seats")
    assert_rejected(
        factories.DiscrepancyFactory,
        tenant=open_one.tenant, subscription=open_one.subscription, field="seats",
    )  # fmt: skip
    resolved = factories.DiscrepancyFactory(
        tenant=open_one.tenant, subscription=open_one.subscription, field="seats", status="resolved"
    )
    assert resolved.pk


def test_it_refuses_a_customer_as_its_own_parent():
    customer = factories.ResellerFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(parent=customer)


def test_it_gives_each_customer_the_path_of_its_ancestors():
    top = factories.ResellerFactory()
    middle = factories.ResellerFactory(parent=top)
    leaf = factories.CustomerFactory(parent=middle)
    assert top.path == f"/{top.pk}/"
    assert leaf.path == f"/{top.pk}/{middle.pk}/{leaf.pk}/"
    assert leaf.depth == 2
    assert list(leaf.ancestors()) == [top, middle]
    assert set(top.subtree()) == {top, middle, leaf}


def test_it_rewrites_the_whole_subtree_when_a_customer_moves():
    old_parent, new_parent = factories.ResellerFactory(), factories.ResellerFactory()
    moved = factories.ResellerFactory(parent=old_parent)
    child = factories.ResellerFactory(parent=moved)
    grandchild = factories.CustomerFactory(parent=child)
    bystander = factories.CustomerFactory(parent=old_parent)

    moved.parent = new_parent
    moved.save()

    for customer in (child, grandchild, bystander):
        customer.refresh_from_db()
    assert moved.path == f"/{new_parent.pk}/{moved.pk}/"
    assert child.path == f"/{new_parent.pk}/{moved.pk}/{child.pk}/"
    assert grandchild.path == f"/{new_parent.pk}/{moved.pk}/{child.pk}/{grandchild.pk}/"
    assert bystander.path == f"/{old_parent.pk}/{bystander.pk}/"
    assert set(old_parent.subtree()) == {old_parent, bystander}
    assert set(new_parent.subtree()) == {new_parent, moved, child, grandchild}


def test_it_makes_a_moved_customer_top_level_when_its_parent_is_cleared():
    parent = factories.ResellerFactory()
    moved = factories.ResellerFactory(parent=parent)
    child = factories.CustomerFactory(parent=moved)

    moved.parent = None
    moved.save()

    child.refresh_from_db()
    assert moved.path == f"/{moved.pk}/"
    assert child.path == f"/{moved.pk}/{child.pk}/"


def test_a_subtree_is_its_path_prefix_and_nothing_that_only_shares_digits():
    """The subtree filter (a range on SQLite, LIKE elsewhere) takes /1/ and /1/50/ under /1/,
    never /10/; and under /1/5/ it takes /1/5/7/ but not /1/50/."""
    from portal.customers.models import subtree_q

    paths = ["/1/", "/1/5/", "/1/5/7/", "/1/50/", "/10/", "/10/5/", "/2/"]
    for path in paths:
        factories.CustomerFactory(name=f"at {path}")
    # Paths set directly: the ids they name need not exist for a prefix test.
    for path in paths:
        Customer.objects.filter(name=f"at {path}").update(path=path)

    def under(prefix):
        return sorted(Customer.objects.filter(subtree_q(prefix)).values_list("path", flat=True))

    assert under("/1/") == ["/1/", "/1/5/", "/1/5/7/", "/1/50/"]
    assert under("/1/5/") == ["/1/5/", "/1/5/7/"]
    assert under("/10/") == ["/10/", "/10/5/"]
