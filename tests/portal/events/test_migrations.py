"""The webhook models moved from the API app to events without moving a row.

A deployment migrated before the move keeps its subscriptions, deliveries and attempts: the
models took over the same tables (events 0001 and api 0002 change the migration state only), and
the content types (admin permissions, the admin's change log) were relabelled, not recreated.
"""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from portal.events.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

#: The last migration state before the move: the models still in the API app.
BEFORE = ("api", "0001_initial")
MOVED = [WebhookSubscription, WebhookDelivery, WebhookAttempt]


def _executor() -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor


@pytest.mark.parametrize("model", MOVED, ids=lambda m: m.__name__)
def test_it_keeps_the_table_the_api_app_created(model):
    old = MigrationLoader(None).project_state(BEFORE).apps.get_model("api", model.__name__)
    assert model._meta.db_table == old._meta.db_table == f"api_{model._meta.model_name}"


@pytest.mark.django_db(transaction=True)
def test_it_finds_rows_written_before_the_move_through_the_events_models():
    executor = _executor()
    executor.migrate([("events", None), BEFORE])  # back to the state before the move
    try:
        old = MigrationLoader(None).project_state(BEFORE).apps
        subscription = old.get_model("api", "WebhookSubscription").objects.create(
            name="billing", url="https://billing.example/hook", event_types=["sync.failed"],
            secret={"secret": "whsec_before"},
        )  # fmt: skip
        delivery = old.get_model("api", "WebhookDelivery").objects.create(
            subscription=subscription, event_type="sync.failed", max_attempts=6
        )
        old.get_model("api", "WebhookAttempt").objects.create(
            delivery=delivery, number=1, status_code=500
        )
        ContentType.objects.clear_cache()
        content_type = ContentType.objects.get(app_label="api", model="webhooksubscription")
    finally:
        executor = _executor()
        executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()

    moved = WebhookSubscription.objects.get(pk=subscription.pk)
    assert (moved.name, moved.secret) == ("billing", {"secret": "whsec_before"})
    [attempt] = WebhookAttempt.objects.filter(delivery__subscription=moved)
    assert (attempt.delivery_id, attempt.status_code) == (delivery.pk, 500)
    assert ContentType.objects.get_for_model(WebhookSubscription).pk == content_type.pk
    assert not ContentType.objects.filter(app_label="api", model="webhooksubscription").exists()
