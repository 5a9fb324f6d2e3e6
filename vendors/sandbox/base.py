"""The base every vendor sandbox extends: routing, auth hook and vendor-shaped answers.

A vendor sandbox keeps its state in memory behind ``self.lock`` (requests are served from
several threads), declares its routes as a Werkzeug ``Map`` whose endpoints name methods
(``endpoint="list_tenants"`` -> ``self.list_tenants(request, **values)``), and says how that
vendor answers when it throttles, fails or does not know a path. The server around it adds
faults, rate limits and the journal, so a vendor sandbox contains only vendor behaviour.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from typing import Any, ClassVar

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response


class VendorSandbox:
    key: ClassVar[str]
    #: The vendor's documented rate per credential (None: unlimited); overridable per server.
    rate_limit_per_second: ClassVar[float | None] = None
    rate_limit_per_day: ClassVar[int | None] = None
    #: Readings of a point the vendor's document leaves open: switch name -> the plausible
    #: readings, the first one the default. Each is cited in ``docs/vendors/<vendor>.md`` and
    #: the contract suite runs the adapter against every reading (``tests/vendors/variants.py``).
    variants: ClassVar[dict[str, tuple[str, ...]]] = {}

    def __init__(self, rng_seed: int = 0, variant: dict[str, str] | None = None) -> None:
        self.lock = threading.RLock()
        #: The reading in force for each switch of ``variants``.
        self.variant = self.check_variant(variant or {})
        self.rng = random.Random(rng_seed)
        self.rng_seed = rng_seed
        #: Absolute URL of this sandbox (prefix included), set by the server when it starts.
        self.base_url = ""
        self._map = self.url_map()

    @classmethod
    def check_variant(cls, chosen: dict[str, str]) -> dict[str, str]:
        """Every switch at its default unless chosen; an unknown switch or reading is refused."""
        for name, value in chosen.items():
            if name not in cls.variants:
                known = ", ".join(cls.variants) or "none"
                raise ValueError(f"{cls.key} has no variant {name!r} (known: {known})")
            if value not in cls.variants[name]:
                raise ValueError(
                    f"{cls.key} variant {name} must be one of {', '.join(cls.variants[name])}"
                )
        return {name: chosen.get(name, readings[0]) for name, readings in cls.variants.items()}

    # -- to implement per vendor --------------------------------------------------------------

    def url_map(self) -> Map:
        raise NotImplementedError

    def credentials(self) -> dict[str, str]:
        """The credentials a portal connection uses to reach this sandbox."""
        raise NotImplementedError

    def invalid_credentials(self) -> dict[str, str]:
        """Credentials of the right shape that this vendor rejects (for auth tests)."""
        raise NotImplementedError

    def seed(self, count: int, seed: int = 0) -> None:
        """Create ``count`` deterministic tenants with subscriptions, statuses and 12 months of usage."""
        raise NotImplementedError

    def snapshot(self) -> dict[str, Any]:
        """The whole state as JSON-able data, for tests comparing the mirror field by field."""
        raise NotImplementedError

    def statement_seats(self) -> list[tuple[str, str, int]]:
        """(tenant external id, SKU, seats) the monthly statement bills (``statements.py``);
        the default reads the common snapshot shape, a vendor with another overrides it."""
        from .statements import active_seats

        with self.lock:
            return active_seats(self.snapshot())

    def credential_id(self, request: Request) -> str:
        """Who is calling, for per-credential rate limits (before auth is checked)."""
        return request.headers.get("Authorization", "") or request.remote_addr or ""

    def is_write(self, request: Request) -> bool:
        return request.method not in ("GET", "HEAD", "OPTIONS")

    def throttle_response(self, retry_after: int) -> Response:
        return self.json({"message": "Too Many Requests"}, 429, {"Retry-After": str(retry_after)})

    def server_error_response(self) -> Response:
        return self.json({"message": "Internal Server Error"}, 500)

    def not_found_response(self, request: Request) -> Response:
        return self.json({"message": f"No route for {request.path}"}, 404)

    def method_not_allowed_response(self, request: Request) -> Response:
        return self.json({"message": f"{request.method} not allowed"}, 405)

    # -- shared helpers -----------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        adapter = self._map.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
        except NotFound:
            return self.not_found_response(request)
        except MethodNotAllowed:
            return self.method_not_allowed_response(request)
        except HTTPException as exc:  # e.g. a redirect for a missing trailing slash
            return exc.get_response(request.environ)
        view: Callable[..., Response] = getattr(self, endpoint)
        return view(request, **values)

    @staticmethod
    def json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return Response(
            json.dumps(data, default=str),
            status=status,
            headers=headers,
            mimetype="application/json",
        )

    @staticmethod
    def body(request: Request) -> Any:
        """The JSON body, or None when it is missing or not JSON."""
        try:
            return json.loads(request.get_data() or b"null")
        except ValueError:
            return None

    @staticmethod
    def mark(request: Request, action: str, **detail: Any) -> None:
        """Record in the journal that this request applied a change at the vendor."""
        request.environ.setdefault("sandbox.actions", []).append(action)
        if detail:
            request.environ.setdefault("sandbox.detail", {}).update(detail)
