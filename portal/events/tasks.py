"""Webhook delivery task: one attempt per run, the next one scheduled with backoff.

Not ``acks_late``: an attempt is a POST to another system; the delivery id (X-Portal-Delivery)
lets receivers drop the rare duplicate, and a lost message is covered by "redeliver".
https://docs.celeryq.dev/en/stable/userguide/tasks.html#Task.acks_late
"""

from __future__ import annotations

from celery import shared_task

from .deliveries import webhook_deliver
from .outbound import DELIVER_WEBHOOK


# The name it had in the API app: queued messages and any beat entry still find it.
@shared_task(name=DELIVER_WEBHOOK, ignore_result=True)
def deliver_webhook(delivery_id: int) -> str:
    outcome = webhook_deliver(delivery_id)
    if outcome.retry_in is not None:
        deliver_webhook.apply_async(args=(delivery_id,), countdown=outcome.retry_in)
    return outcome.status
