"""Delivering outbound webhooks: signed POSTs, an attempt log, retries with backoff.

Signature: ``X-Portal-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`` with the
Unix ``X-Portal-Timestamp`` it covers, so a receiver can reject replays of old deliveries. The
same event keeps its ``X-Portal-Delivery`` id across retries and redeliveries (receivers
deduplicate on it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import random
import secrets
import time
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from portal.audit.services import audit_record
from portal.core.models import Source

from .models import (
    DeliveryStatus,
    EventType,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from .outbound import deliveries_enqueue

logger = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 6 * 60 * 60
ANSWER_KEPT_CHARS = 2000


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + digest.hexdigest()


def signature_verify(secret: str, timestamp: int, body: bytes, header: str) -> bool:
    """What a receiver does (documented for internal tools; used by the tests)."""
    return hmac.compare_digest(signature(secret, timestamp, body), header)


def backoff(attempt: int) -> float:
    """Exponential with jitter: base, 2x, 4x… capped; attempt counts from 1."""
    base = settings.API_WEBHOOK_BACKOFF_SECONDS * 2 ** (attempt - 1)
    return min(MAX_BACKOFF_SECONDS, base) * random.uniform(0.8, 1.2)


def delivery_body(delivery: WebhookDelivery) -> bytes:
    envelope = {
        "id": str(delivery.event_id),
        "type": delivery.event_type,
        "created_at": delivery.created_at,
        "data": delivery.payload,
    }
    return json.dumps(envelope, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


@dataclass(frozen=True)
class AttemptOutcome:
    status: str
    retry_in: float | None = None


def webhook_deliver(delivery_id: int) -> AttemptOutcome:
    """POST a pending delivery once, log the answer, and say when to try again (if ever)."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("subscription")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return AttemptOutcome(delivery.status if delivery else "missing")
        if delivery.next_attempt_at and delivery.next_attempt_at > now + dt.timedelta(seconds=1):
            return AttemptOutcome(delivery.status)  # an early duplicate message; its turn comes
        delivery.attempts += 1
        number = delivery.attempts
        WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=number)
    subscription = delivery.subscription
    timestamp = int(time.time())
    body = delivery_body(delivery)
    status_code, answer, error = None, "", ""
    started = time.monotonic()
    try:
        response = requests.post(
            subscription.url,
            data=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": "channel-portal-webhooks/1",
                "X-Portal-Event": delivery.event_type,
                "X-Portal-Delivery": str(delivery.event_id),
                "X-Portal-Timestamp": str(timestamp),
                "X-Portal-Signature": signature(
                    subscription.secret.get("secret", ""), timestamp, body
                ),
            },
            timeout=settings.API_WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
        status_code, answer = response.status_code, response.text[:ANSWER_KEPT_CHARS]
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:ANSWER_KEPT_CHARS]
    duration_ms = int((time.monotonic() - started) * 1000)
    delivered = status_code is not None and 200 <= status_code < 300
    retry_in = None
    if delivered:
        status = DeliveryStatus.DELIVERED
    elif number >= delivery.max_attempts:
        status = DeliveryStatus.FAILED
    else:
        status, retry_in = DeliveryStatus.PENDING, backoff(number)
    done = timezone.now()
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            status_code=status_code,
            response_body=answer,
            error=error,
            duration_ms=duration_ms,
        )
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=status,
            last_status_code=status_code,
            delivered_at=done if delivered else None,
            next_attempt_at=done + dt.timedelta(seconds=retry_in) if retry_in else None,
        )
    logger.info(
        "webhook delivery %s attempt %s to subscription %s: %s",
        delivery.pk,
        number,
        subscription.pk,
        status_code or error,
    )
    return AttemptOutcome(status, retry_in)


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery, actor=None) -> WebhookDelivery:
    """Send a delivery again (same event id), whatever happened before; the log keeps growing."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING,
        next_attempt_at=None,
        delivered_at=None,
        max_attempts=delivery.attempts + settings.API_WEBHOOK_MAX_ATTEMPTS,
    )
    audit_record(
        action="webhook.redelivered",
        source=Source.API,
        actor=actor,
        obj=delivery,
        detail={"event": delivery.event_type, "event_id": str(delivery.event_id)},
    )
    transaction.on_commit(lambda: deliveries_enqueue([delivery.pk]))
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def webhook_send_test(*, subscription: WebhookSubscription, actor=None) -> WebhookDelivery:
    """Queue a ``test`` event to one subscription, whatever event types it selected."""
    if not subscription.active:
        raise ValidationError("This subscription is inactive; activate it to send a test event.")
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event_type=EventType.TEST,
        payload={"message": "A test event from Channel Portal.", "subscription": subscription.pk},
    )
    transaction.on_commit(lambda: deliveries_enqueue([delivery.pk]))
    return delivery
