"""Acceptance 5: outbound webhooks are delivered signed, retried after a 500, every attempt logged."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.accounts.models import Role
from portal.events.deliveries import signature_verify
from portal.events.models import DeliveryStatus, WebhookDelivery
from portal.operations.services import tenant_create
from tests.factories import CustomerFactory
from tests.portal.api.conftest import client_for
from tests.portal.operations.conftest import base_product, connect, settle
from tests.vendors.options import connection_options as vendor_options
from tests.worker_fixtures import CeleryWorkerProcess, purge_task_queues


class Receiver:
    """A tiny local endpoint answering the given statuses in turn (the last one repeats)."""

    def __init__(self, statuses: list[int]):
        self.statuses = list(statuses)
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"headers": dict(self.headers), "body": body, "at": time.monotonic()}
                )
                status = (
                    receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                )
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"try later")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(self.requests) >= count, f"got {len(self.requests)} of {count} deliveries"

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver():
    made = []

    def make(statuses):
        made.append(Receiver(statuses))
        return made[-1]

    yield make
    for r in made:
        r.stop()


def _subscribe(api, url: str, event_types: list[str]) -> dict:
    answer = api.post(
        "/api/v1/webhook-subscriptions/",
        {"name": "billing", "url": url, "event_types": event_types},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    return answer.json()


def _verified(secret: str, request: dict) -> bool:
    headers = request["headers"]
    return signature_verify(
        secret, int(headers["X-Portal-Timestamp"]), request["body"], headers["X-Portal-Signature"]
    )


@pytest.fixture
def fast_retry_worker(transactional_db, tmp_path):
    """A real worker whose webhook retries wait about a second instead of thirty."""
    purge_task_queues()
    worker = CeleryWorkerProcess(tmp_path, extra_env={"API_WEBHOOK_BACKOFF_SECONDS": "1"}).start()
    yield worker
    worker.kill()


@pytest.mark.worker
@pytest.mark.slow
def test_it_delivers_a_signed_operation_event_and_retries_after_a_500(
    fast_retry_worker, sandbox, receiver, make_user
):
    hook = receiver([500, 200])
    api = client_for(make_user(Role.ADMIN))
    subscription = _subscribe(api, hook.url, ["operation.succeeded", "operation.failed"])
    connection = connect(sandbox, "lookout")

    operation = settle(
        tenant_create(
            customer=CustomerFactory(),
            connection=connection,
            options=vendor_options(connection),
            product_code=base_product(connection).code,
            seats=3,
        )
    )
    assert operation.state == "succeeded"

    hook.wait_for(2)
    first, second = hook.requests[:2]
    for request in (first, second):
        assert _verified(subscription["secret"], request)
        assert not _verified("another secret", request)
    assert first["headers"]["X-Portal-Delivery"] == second["headers"]["X-Portal-Delivery"]
    assert second["at"] - first["at"] >= 0.5  # retried later, after the backoff
    event = json.loads(second["body"])
    assert event["type"] == "operation.succeeded"
    assert event["data"]["operation"] == operation.pk and event["data"]["kind"] == "create_tenant"

    deadline = time.monotonic() + 10
    delivery = WebhookDelivery.objects.get()
    while delivery.status == DeliveryStatus.PENDING and time.monotonic() < deadline:
        time.sleep(0.1)
        delivery.refresh_from_db()
    log = api.get(f"/api/v1/webhook-deliveries/{delivery.pk}/").json()
    assert log["status"] == "delivered"
    assert [(a["number"], a["status_code"]) for a in log["attempt_log"]] == [(1, 500), (2, 200)]
    assert log["attempt_log"][0]["response_body"] == "try later"
