"""Parse Egnyte MSP webhook deliveries into normalized events (pure functions, no Django).

Egnyte POSTs one JSON object per event; its only authentication is the static header registered
with the webhook (no signature), and it carries no event id. So the dedup id is derived: the
SHA-256 of the body re-serialized canonically (sorted keys, no spaces), which is stable across
Egnyte's retries of the same event (they resend the same body, timestamp included) and across
key order or whitespace differences. The tenant is named by ``domain_name`` (or ``domain``) for
Connect events and ``tenant_name`` (or ``tenant``) for Protect events; reseller-level events
(invoices, profile, NFR link) name no tenant.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .ids import domain_id, protect_id

#: The EventType enum of the MSP API reference (webhook registration).
EVENT_TYPES = (
    "RESELLER_LINK_NFR_MANUALLY",
    "RESELLER_CREATED_CONNECT_TRIAL",
    "RESELLER_CREATED_PROTECT_TRIAL",
    "RESELLER_CONVERTED_CONNECT_TRIAL_TO_PAID",
    "RESELLER_CONVERTED_PROTECT_TRIAL_TO_PAID",
    "RESELLER_CONNECT_TRIAL_EXPIRED",
    "RESELLER_PROFILE_UPDATED",
    "RESELLER_MRR_CHANGED",
    "RESELLER_FIRST_LOGIN",
    "RESELLER_CC_ADDED",
    "RESELLER_PVI_ADDED",
    "USER_ADDED",
    "RESELLER_TFA_ENABLED",
    "RESELLER_TFA_ENROLLED",
    "USER_TFA_ENABLED",
    "USER_TFA_ENROLLED",
    "RESELLER_UPSELL_INVOICE_GENERATED",
    "RESELLER_RECURRING_INVOICE_GENERATED",
    "RESELLER_INVOICE_EDITED",
    "RESELLER_INVOICE_PAID",
)


class WebhookPayloadError(ValueError):
    """The body is not an Egnyte event (not JSON, not an object, or no ``event_type``)."""


@dataclass(frozen=True)
class EgnyteEvent:
    event_id: str  # sha256 of the canonical body: the dedup key
    event_type: str
    known_type: bool  # False for an event type newer than our list: store it, do not act on it
    domain: str = ""
    tenant: str = ""
    occurred_at: dt.datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def tenant_external_id(self) -> str:
        """The adapter's external id of the tenant the event is about ("" for reseller events)."""
        if self.domain:
            return domain_id(self.domain)
        return protect_id(self.tenant) if self.tenant else ""


def parse_delivery(body: bytes | str | Mapping[str, Any]) -> EgnyteEvent:
    """One delivery body -> EgnyteEvent; WebhookPayloadError when it is not an Egnyte event."""
    if isinstance(body, Mapping):
        payload = dict(body)
    else:
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise WebhookPayloadError(f"not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise WebhookPayloadError("the body is not a JSON object")
    event_type = payload.get("event_type")
    if not isinstance(event_type, str) or not event_type:
        raise WebhookPayloadError("the body has no event_type")
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return EgnyteEvent(
        event_id=hashlib.sha256(canonical.encode()).hexdigest(),
        event_type=event_type,
        known_type=event_type in EVENT_TYPES,
        domain=_text(payload, "domain_name", "domain"),
        tenant=_text(payload, "tenant_name", "tenant"),
        occurred_at=_timestamp(payload.get("transaction_timestamp")),
        raw=payload,
    )


def auth_header_matches(headers: Mapping[str, str], name: str, expected: str) -> bool:
    """Constant-time check of the static header registered with the webhook."""
    lowered = {k.lower(): v for k, v in headers.items()}
    received = lowered.get(name.lower(), "")
    return bool(expected) and hmac.compare_digest(received.encode(), expected.encode())


def _text(payload: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = payload.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def _timestamp(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
