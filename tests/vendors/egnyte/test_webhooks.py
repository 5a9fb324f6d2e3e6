"""The webhook delivery parser the portal's receiver uses (pure functions, plus one real delivery)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.sandbox_fixtures import make_adapter
from vendors.egnyte.webhooks import WebhookPayloadError, auth_header_matches, parse_delivery
from vendors.types import Contact, TenantSpec

LINK_NFR = {  # the one payload the receiver spec documents field by field
    "event_type": "RESELLER_LINK_NFR_MANUALLY",
    "reseller_code": "RSL7781",
    "first_name": "Morgan",
    "last_name": "Reyes",
    "email": "morgan@msp.example",
    "company_name": "MSP Ltd",
    "transaction_timestamp": "2024-04-19T10:15:00Z",
    "event_created_by": "morgan@msp.example",
    "is_event_by_staff_user": False,
    "nfr_domain_name": "mspnfr",
    "nfr_plan": "Platform Enterprise",
    "power_users": 5,
    "storage": 1000,
}


def test_it_parses_a_documented_delivery_into_a_normalized_event():
    event = parse_delivery(json.dumps(LINK_NFR).encode())
    assert event.event_type == "RESELLER_LINK_NFR_MANUALLY" and event.known_type
    assert event.occurred_at == dt.datetime(2024, 4, 19, 10, 15, tzinfo=dt.UTC)
    assert event.tenant_external_id == ""  # a reseller-level event
    assert event.raw == LINK_NFR


def test_it_derives_a_stable_event_id_whatever_the_key_order_or_spacing():
    compact = json.dumps(LINK_NFR, separators=(",", ":"))
    reordered = json.dumps(dict(reversed(list(LINK_NFR.items()))), indent=2)
    assert parse_delivery(compact).event_id == parse_delivery(reordered).event_id
    changed = parse_delivery(json.dumps(LINK_NFR | {"power_users": 6}))
    assert changed.event_id != parse_delivery(compact).event_id
    assert len(changed.event_id) == 64


def test_it_names_the_tenant_with_the_adapters_external_id():
    connect = parse_delivery({"event_type": "RESELLER_MRR_CHANGED", "domain_name": "acme-1a2b"})
    protect = parse_delivery({"event_type": "RESELLER_CREATED_PROTECT_TRIAL", "tenant": "pacme"})
    assert connect.tenant_external_id == "domain:acme-1a2b"
    assert protect.tenant_external_id == "protect:pacme"


def test_it_keeps_an_unknown_event_type_but_flags_it():
    event = parse_delivery({"event_type": "RESELLER_SOMETHING_NEW", "x": 1})
    assert not event.known_type and event.raw == {"event_type": "RESELLER_SOMETHING_NEW", "x": 1}


@pytest.mark.parametrize("body", [b"<html>", b"[1, 2]", b'{"no_type": true}', b"\xff\xfe"])
def test_it_rejects_a_body_that_is_not_an_egnyte_event(body):
    with pytest.raises(WebhookPayloadError):
        parse_delivery(body)


def test_it_checks_the_static_auth_header_case_insensitively():
    headers = {"x-portal-token": "s3cret"}
    assert auth_header_matches(headers, "X-Portal-Token", "s3cret")
    assert not auth_header_matches(headers, "X-Portal-Token", "other")
    assert not auth_header_matches({}, "X-Portal-Token", "s3cret")
    assert not auth_header_matches({"X-Portal-Token": ""}, "X-Portal-Token", "")


def test_it_parses_what_the_sandbox_really_delivers_for_a_created_tenant(
    sandbox, receiver, unthrottled
):
    adapter = make_adapter(sandbox, "egnyte")
    adapter.ensure_webhook(
        receiver.url, ["RESELLER_CREATED_CONNECT_TRIAL"], "X-Portal-Token", "hook-secret"
    )
    spec = TenantSpec("Webhook Parse Ltd", "CP-HOOK1", "1", 3, Contact("a@b.example"), trial=True)
    tenant = adapter.create_tenant(spec, "k")
    delivery = receiver.wait_for(1)[0]
    assert auth_header_matches(delivery["headers"], "X-Portal-Token", "hook-secret")
    event = parse_delivery(json.dumps(delivery["body"]))
    assert event.event_type == "RESELLER_CREATED_CONNECT_TRIAL"
    assert event.tenant_external_id == tenant.external_id
