"""Inbound vendor webhooks: authenticate, store once, answer fast; a task applies them."""

from __future__ import annotations

import hmac
import logging

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal.catalog.models import VendorConnection
from portal.core.queues import ops_queue, send_task
from portal.sync.adapters import connection_adapter
from portal.sync.mirror import mirror_tenant
from vendors.errors import VendorError, VendorNotFound, VendorUnsupported
from vendors.registry import get_adapter_class

from .enqueue import sync_request
from .models import WebhookEvent

#: The worker task applying one stored event (``tasks.apply_webhook_event``).
APPLY_WEBHOOK_EVENT = "portal.sync.apply_webhook_event"

logger = logging.getLogger(__name__)

#: Vendor deliveries are small JSON documents; anything larger is refused unread.
MAX_BODY_BYTES = 64 * 1024


def _authenticated(request: HttpRequest, connection: VendorConnection) -> bool:
    """Constant-time comparison of the header the vendor must send with the registered value."""
    expected = connection.webhook_auth or {}
    header, value = expected.get("header", ""), expected.get("value", "")
    if not header or not value:
        return False
    supplied = request.headers.get(header, "")
    return hmac.compare_digest(supplied.encode(), value.encode())


@csrf_exempt  # authenticated by the registered header, not a session
@require_POST
def webhook_receive(request: HttpRequest, connection_id: int) -> JsonResponse:
    connection = VendorConnection.objects.filter(pk=connection_id).first()
    if connection is None or not _authenticated(request, connection):
        return JsonResponse({"error": "unauthorized"}, status=401)
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
        return JsonResponse({"error": "body too large"}, status=413)
    try:
        event = get_adapter_class(connection.vendor).parse_webhook(request.body)
    except (ValueError, VendorUnsupported) as exc:
        return JsonResponse({"error": f"not a webhook delivery: {exc}"}, status=400)
    try:
        with transaction.atomic():
            stored = WebhookEvent.objects.create(
                connection=connection,
                event_id=event.event_id[:128],
                event_type=event.event_type[:100],
                payload={**event.raw, "_tenant_external_id": event.tenant_external_id},
            )
            transaction.on_commit(lambda: _enqueue_apply(stored))
    except IntegrityError:
        return JsonResponse({"received": True, "duplicate": True})
    return JsonResponse({"received": True, "duplicate": False})


def _enqueue_apply(event: WebhookEvent) -> None:
    send_task(APPLY_WEBHOOK_EVENT, args=[event.pk], queue=ops_queue(event.connection.vendor))


def webhook_event_apply(event_id: int) -> dict:
    """Refresh the tenant the event is about (or the whole connection) from the vendor, once."""
    event = WebhookEvent.objects.select_related("connection").filter(pk=event_id).first()
    if event is None or event.status == WebhookEvent.Status.APPLIED:
        return {"skipped": True}
    connection = event.connection
    tenant_id = event.payload.get("_tenant_external_id", "")
    try:
        if tenant_id:
            vendor_tenant = connection_adapter(connection).get_tenant(tenant_id)
            mirror_tenant(connection, vendor_tenant)
        else:
            sync_request(connection, triggered_by=f"webhook {event.event_type}")
    except VendorNotFound:
        pass  # gone at the vendor: the next complete sync marks it missing
    except VendorError as exc:
        WebhookEvent.objects.filter(pk=event.pk).update(
            status=WebhookEvent.Status.FAILED, error=str(exc)[:2000]
        )
        raise
    WebhookEvent.objects.filter(pk=event.pk).exclude(status=WebhookEvent.Status.APPLIED).update(
        status=WebhookEvent.Status.APPLIED, processed_at=timezone.now(), error=""
    )
    return {"applied": True, "tenant": tenant_id}
