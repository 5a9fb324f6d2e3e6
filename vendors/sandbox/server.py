"""One HTTP server mounting every vendor sandbox under its own path prefix.

``http://HOST:PORT/<vendor>/...`` reaches that vendor's sandbox; ``/_control/...`` is the
control endpoint tests and demos use: read the journal, set faults, read state, reseed.
Runs in a thread (tests) or as ``python -m vendors.sandbox`` (demo, compose).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import socket
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from importlib import import_module
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, ThreadedWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from vendors.registry import SANDBOXES

from .base import VendorSandbox
from .faults import FaultConfig, FaultInjector
from .journal import Journal, JournalEntry
from .statements import StatementConfig, statement_csv

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

#: The in-process mutation API every vendor sandbox offers, also reachable at /_control/<v>/mutate.
MUTATIONS = ("set_tenant_status", "set_seats", "remove_tenant", "set_usage")

#: The control API in one place: ``--help`` prints it and docs/sandbox.md explains it.
CONTROL_API = f"""\
control API (JSON; never part of a vendor's contract):
  GET    /_control/                        URLs and credentials of every vendor sandbox
  GET    /_control/journal?vendor=V&since=N  requests seen (method, path, status, writes)
  DELETE /_control/journal                 forget the journal
  GET|PUT|DELETE /_control/faults/V        read, set ({{"error_rate": 0.2, ...}}) or clear faults
  GET|PUT|DELETE /_control/variants/V      read, set ({{"switch": "reading"}}) or clear variants
  POST   /_control/reset                   {{"vendors": [...], "seed_tenants": N}}: start over
  POST   /_control/V/mutate                {{"method": M, "args": [...]}}: change data behind the
                                           portal's back, M one of:
                                           {", ".join(MUTATIONS)}
  GET    /_control/V/state                 the vendor's whole state as JSON
  GET    /_control/V/statement?period=YYYY-MM  the vendor's monthly statement as CSV
  GET|PUT|DELETE /_control/statements/V    read, set ({{"wrong_lines": 3, "unit_price": "2.50",
                                           "currency": "EUR"}}) or clear the statement's settings;
                                           GET also says which lines were made wrong last
See docs/sandbox.md."""


def load_sandbox_class(key: str) -> type[VendorSandbox]:
    module, _, name = SANDBOXES[key].rpartition(".")
    sandbox_class: type[VendorSandbox] = getattr(import_module(module), name)
    return sandbox_class


class _DroppedConnection(ConnectionError):
    """Raised inside the WSGI app to make Werkzeug abandon the response."""


class SandboxServer:
    def __init__(
        self,
        vendors: list[str] | None = None,
        *,
        seed_tenants: int = 0,
        seed: int = 0,
        rate_limits: bool = True,
        variants: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self.vendor_keys = list(vendors or SANDBOXES)
        self.seed_tenants = seed_tenants
        self.seed_value = seed
        self.rate_limits_enabled = rate_limits
        #: vendor -> the readings chosen for its open points (see ``VendorSandbox.variants``).
        self.variants: dict[str, dict[str, str]] = {k: dict(v) for k, v in (variants or {}).items()}
        self.rate_overrides: dict[str, float | None] = {}
        self.journal = Journal()
        self.faults = {key: FaultInjector() for key in self.vendor_keys}
        self.statements = {key: StatementConfig() for key in self.vendor_keys}
        self.sandboxes: dict[str, VendorSandbox] = {}
        self._windows: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._days: dict[tuple[str, str, str], int] = defaultdict(int)
        self._rl_lock = threading.Lock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        self.reset()

    # -- lifecycle -----------------------------------------------------------------------------

    def reset(self, vendors: list[str] | None = None, seed_tenants: int | None = None) -> None:
        """Fresh state (reseeded), empty journal, no faults, for the given vendors (default all)."""
        count = self.seed_tenants if seed_tenants is None else seed_tenants
        for key in vendors or self.vendor_keys:
            sandbox = load_sandbox_class(key)(
                rng_seed=self.seed_value, variant=self.variants.get(key)
            )
            if count:
                sandbox.seed(count, self.seed_value)
            sandbox.base_url = self.vendor_url(key) if self.url else ""
            self.sandboxes[key] = sandbox
            self.faults[key].configure(FaultConfig())
            self.statements[key] = StatementConfig()
            self.rate_overrides.pop(key, None)
        with self._rl_lock:
            self._windows.clear()
            self._days.clear()
        self.journal.clear()

    def start(self, host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
        server = self._server = make_server(host, port, self.wsgi_app, threaded=True)
        assert isinstance(server, ThreadedWSGIServer)  # threaded=True makes one
        server.daemon_threads = True
        self.url = f"http://{host}:{server.server_port}"
        for key, sandbox in self.sandboxes.items():
            sandbox.base_url = self.vendor_url(key)
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self, host: str, port: int) -> None:
        server = self._server = make_server(host, port, self.wsgi_app, threaded=True)
        self.url = f"http://{host}:{server.server_port}"
        for key, sandbox in self.sandboxes.items():
            sandbox.base_url = self.vendor_url(key)
        server.serve_forever()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def vendor_url(self, key: str) -> str:
        return f"{self.url}/{key}"

    def set_faults(self, key: str, **settings: Any) -> None:
        self.faults[key].configure(FaultConfig.from_dict(settings))

    def set_variant(self, key: str, **chosen: str) -> None:
        """Switch a vendor's open points to other readings; its state is reseeded afresh."""
        load_sandbox_class(key).check_variant(chosen)
        self.variants[key] = dict(chosen)
        self.reset([key])

    def set_rate_limit(self, key: str, per_second: float | None) -> None:
        self.rate_overrides[key] = per_second

    # -- the WSGI app ----------------------------------------------------------------------------

    def wsgi_app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        parts = request.path.lstrip("/").split("/", 1)
        head = parts[0]
        if head == "_control":
            response = self._control(request, parts[1] if len(parts) > 1 else "")
        elif head in self.sandboxes:
            # Mount the vendor under its prefix: the vendor sees its own paths.
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/" + head
            environ["PATH_INFO"] = "/" + (parts[1] if len(parts) > 1 else "")
            response = self._serve_vendor(head, Request(environ))
        else:
            response = Response(
                json.dumps({"message": "unknown vendor", "vendors": list(self.sandboxes)}),
                404,
                mimetype="application/json",
            )
        return response(environ, start_response)

    def _serve_vendor(self, key: str, request: Request) -> Response:
        sandbox = self.sandboxes[key]
        write = sandbox.is_write(request)
        entry = self.journal.open(
            key, request.method, request.path, request.query_string.decode(), write
        )
        entry.credential = _short(sandbox.credential_id(request))
        injector = self.faults[key]
        delay = injector.latency(request.path, write)
        if delay:
            time.sleep(delay)
        # The vendor's own rate limit answers first: a throttled request never reaches the
        # handler, so no fault (an apply-then-drop, say) is spent on it.
        limited = self._rate_limited(key, sandbox, entry.credential)
        if limited is not None:
            return self._finish(entry, sandbox.throttle_response(limited), "rate_limited")
        fault = injector.decide(request.path, write)
        if fault == "drop":
            entry.outcome, entry.status = "fault:drop", None
            self._drop(request)
        if fault == "error":
            return self._finish(entry, sandbox.server_error_response(), "fault:error")
        if fault == "throttle":
            retry_after = injector.config.retry_after
            return self._finish(entry, sandbox.throttle_response(retry_after), "fault:throttle")
        response = sandbox.handle(request)
        entry.actions = list(request.environ.get("sandbox.actions", []))
        entry.detail = dict(request.environ.get("sandbox.detail", {}))
        if fault == "apply_then_drop":
            entry.outcome, entry.status = "fault:apply_then_drop", None
            self._drop(request)
        if fault == "malformed":
            response = Response(b'{"truncated": ', status=response.status_code)
            response.headers["Content-Type"] = "application/json"
            return self._finish(entry, response, "fault:malformed")
        if fault == "reshaped" and response.status_code < 400:
            # Valid JSON where an object or a list was documented: a bare number.
            response = Response(b"42", status=response.status_code)
            response.headers["Content-Type"] = "application/json"
            return self._finish(entry, response, "fault:reshaped")
        outcome = (
            "ok"
            if response.status_code < 400
            else ("auth_failed" if response.status_code in (401, 403) else "error")
        )
        return self._finish(entry, response, outcome)

    @staticmethod
    def _finish(entry: JournalEntry, response: Response, outcome: str) -> Response:
        entry.status = response.status_code
        entry.outcome = outcome
        return response

    @staticmethod
    def _drop(request: Request) -> None:
        sock = request.environ.get("werkzeug.socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        raise _DroppedConnection("sandbox fault: connection dropped")

    def _rate_limited(self, key: str, sandbox: VendorSandbox, credential: str) -> int | None:
        """Seconds to wait when this credential is over the vendor's rate, else None."""
        if not self.rate_limits_enabled:
            return None
        per_second = self.rate_overrides.get(key, sandbox.rate_limit_per_second)
        now = time.monotonic()
        with self._rl_lock:
            if per_second:
                window = self._windows[(key, credential)]
                while window and window[0] <= now - 1.0:
                    window.popleft()
                if len(window) >= per_second:
                    return 1
                window.append(now)
            if sandbox.rate_limit_per_day:
                day = (key, credential, time.strftime("%Y%m%d", time.gmtime()))
                if self._days[day] >= sandbox.rate_limit_per_day:
                    return 3600
                self._days[day] += 1
        return None

    # -- control endpoint ------------------------------------------------------------------------

    def _control(self, request: Request, path: str) -> Response:
        parts = [p for p in path.split("/") if p]

        def ok(data: Any, status: int = 200) -> Response:
            return Response(json.dumps(data, default=str), status, mimetype="application/json")

        try:
            if not parts:
                return ok(self.describe())
            if parts[0] == "journal":
                if request.method == "DELETE":
                    self.journal.clear()
                    return ok({"cleared": True})
                since = int(request.args.get("since", 0))
                entries = self.journal.entries(request.args.get("vendor"), since=since)
                return ok([e.as_dict() for e in entries])
            if parts[0] == "faults" and len(parts) == 2 and parts[1] in self.faults:
                if request.method in ("PUT", "POST"):
                    self.set_faults(parts[1], **(json.loads(request.get_data() or b"{}")))
                elif request.method == "DELETE":
                    self.set_faults(parts[1])
                return ok(self.faults[parts[1]].config.as_dict())
            if parts[0] == "variants" and len(parts) == 2 and parts[1] in self.sandboxes:
                if request.method in ("PUT", "POST"):
                    self.set_variant(parts[1], **(json.loads(request.get_data() or b"{}")))
                elif request.method == "DELETE":
                    self.set_variant(parts[1])
                sandbox = self.sandboxes[parts[1]]
                return ok({"variant": sandbox.variant, "readings": sandbox.variants})
            if parts[0] == "statements" and len(parts) == 2 and parts[1] in self.statements:
                if request.method in ("PUT", "POST"):
                    body = json.loads(request.get_data() or b"{}")
                    self.statements[parts[1]] = StatementConfig.from_dict(body)
                elif request.method == "DELETE":
                    self.statements[parts[1]] = StatementConfig()
                return ok(self.statements[parts[1]].as_dict())
            if len(parts) == 2 and parts[0] in self.sandboxes and parts[1] == "statement":
                month = request.args.get("period", "")
                dt.date.fromisoformat(f"{month}-01")  # YYYY-MM, else a 400
                seats = self.sandboxes[parts[0]].statement_seats()
                text = statement_csv(seats, month, self.statements[parts[0]])
                return Response(text, 200, mimetype="text/csv")
            if parts[0] == "reset" and request.method == "POST":
                body = json.loads(request.get_data() or b"{}")
                self.reset(body.get("vendors"), body.get("seed_tenants"))
                return ok({"reset": True})
            if len(parts) == 2 and parts[0] in self.sandboxes and parts[1] == "mutate":
                # "The vendor changed something behind our back", for demos and out-of-process tests.
                body = json.loads(request.get_data() or b"{}")
                method = body.get("method")
                if method not in MUTATIONS:
                    return ok({"error": f"method must be one of {', '.join(MUTATIONS)}"}, 400)
                args = list(body.get("args", []))
                if method == "set_usage" and len(args) > 1 and isinstance(args[1], str):
                    args[1] = dt.date.fromisoformat(args[1])  # JSON has no dates
                try:
                    getattr(self.sandboxes[parts[0]], method)(*args)
                except Exception as exc:  # a control call with bad arguments says why, never 500
                    return ok({"error": f"{method} failed: {type(exc).__name__}: {exc}"}, 400)
                return ok({"done": method})
            if len(parts) == 2 and parts[0] in self.sandboxes and parts[1] == "state":
                sandbox = self.sandboxes[parts[0]]
                with sandbox.lock:
                    return ok(sandbox.snapshot())
        except (ValueError, TypeError, ArithmeticError) as exc:
            return ok({"error": str(exc)}, 400)
        return ok({"error": f"unknown control path {path!r}"}, 404)

    def describe(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "vendors": {
                key: {"base_url": self.vendor_url(key), "credentials": sandbox.credentials()}
                for key, sandbox in self.sandboxes.items()
            },
        }


def _short(value: str) -> str:
    import hashlib

    return hashlib.sha256(value.encode()).hexdigest()[:12] if value else ""
