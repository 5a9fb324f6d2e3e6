"""Egnyte test helpers: an authenticated session, a lifted rate limit, a local webhook receiver."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from vendors.egnyte.sandbox import EgnyteSandbox

API = "/pubapi/v1/msp"


@pytest.fixture
def egnyte(sandbox) -> EgnyteSandbox:
    return sandbox.sandboxes["egnyte"]


@pytest.fixture
def api(sandbox, egnyte):
    """``api("GET", "/domains")`` over real HTTP with the sandbox token."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {egnyte.credentials()['access_token']}"
    base = sandbox.vendor_url("egnyte") + API

    def call(method: str, path: str, **kwargs) -> requests.Response:
        url = path if path.startswith("http") else base + path
        return session.request(method, url, timeout=10, **kwargs)

    yield call
    session.close()


@pytest.fixture
def unthrottled(sandbox):
    """Lift the server's 2/s limit for tests about something else (a reset puts it back)."""
    sandbox.set_rate_limit("egnyte", None)
    return sandbox


def reseed(sandbox, tenants: int) -> EgnyteSandbox:
    """Reseed Egnyte with ``tenants`` customers, keeping the server's rate limit lifted."""
    sandbox.reset(["egnyte"], seed_tenants=tenants)
    sandbox.set_rate_limit("egnyte", None)
    return sandbox.sandboxes["egnyte"]


class Receiver:
    """A tiny HTTP server that records webhook deliveries and answers with scripted statuses."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []  # answers to give, in order; 200 once exhausted
        self.delay = 0.0  # seconds to sit on each delivery before answering
        self.event = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(receiver.delay)
                with receiver.event:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver.requests.append(
                        {"headers": dict(self.headers), "body": json.loads(body), "status": status}
                    )
                    receiver.event.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/egnyte"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict]:
        with self.event:
            self.event.wait_for(lambda: len(self.requests) >= count, timeout)
            return list(self.requests)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()
