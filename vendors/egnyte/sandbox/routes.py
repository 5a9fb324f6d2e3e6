"""The Egnyte MSP Public API sandbox: routes, auth, pagination and answers.

Paths are the vendor's own under ``/pubapi/v1/msp`` (CONTRACTS.md section 3). Lists are
DRF-style pages of 10 (``?page=N``) with absolute ``next``/``previous`` URLs built from
``self.base_url``. The documents define no month parameter: by default a detail answer is
today's figures whatever the query says; variant ``usage_month=honoured`` answers a
``?month=YYYY-MM`` with that month's closing figures and says so (``"month"``), see
docs/vendors/egnyte.md.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlencode

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from vendors.sandbox.base import VendorSandbox

from . import errors
from .delivery import WebhookDelivery
from .state import EgnyteState

PREFIX = "/pubapi/v1/msp"
PAGE_SIZE = 10
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
T = TypeVar("T")


class EgnyteSandbox(VendorSandbox):
    key = "egnyte"
    # General Egnyte public-API limits per token (developers.egnyte.com Best_Practices).
    rate_limit_per_second = 2
    rate_limit_per_day = 1000
    #: Readings of what the documents leave open (docs/vendors/egnyte.md, "Variants").
    variants: ClassVar[dict[str, tuple[str, ...]]] = {
        # No endpoint defines a month parameter (egnyte-msp-api.txt:256-266, 422-431): an unknown
        # query parameter is ignored (today's figures), or it picks that month's closing figures.
        "usage_month": ("ignored", "honoured"),
    }

    def __init__(self, rng_seed: int = 0, variant: dict[str, str] | None = None) -> None:
        super().__init__(rng_seed, variant)
        self.state = EgnyteState(self.lock, rng_seed)
        self.delivery = WebhookDelivery(self.state)
        self.state.deliver = self.delivery.submit
        self.token = f"egnyte-sandbox-msp-{rng_seed:04d}"
        #: A valid token whose developer key lacks MSP API access (answers 403 permission_denied).
        self.no_access_token = f"egnyte-sandbox-nomsp-{rng_seed:04d}"

    def url_map(self) -> Map:
        def rule(path: str, endpoint: str, *methods: str) -> Rule:
            return Rule(PREFIX + path, endpoint=endpoint, methods=list(methods))

        return Map(
            [
                rule("/domains", "list_domains", "GET"),
                rule("/domains/<domain>", "get_domain", "GET"),
                rule("/domains/<domain>/power-users/allocate", "allocate", "POST"),
                rule("/tenants", "list_tenants", "GET"),
                rule("/tenants/<tenant>", "get_tenant", "GET"),
                rule("/plans", "list_plans", "GET"),
                rule("/plans/<int:plan_id>/power-users/quote/", "quote", "POST"),
                rule("/plans/<int:plan_id>/power-users/purchase/", "purchase", "POST"),
                rule("/trials/", "create_trial", "POST"),
                rule("/trials/<domain>/activate/", "activate_trial", "POST"),
                rule("/webhooks", "list_webhooks", "GET"),
                rule("/webhooks", "register_webhook", "POST"),
                rule("/webhooks/<webhook_id>", "get_webhook", "GET"),
                rule("/webhooks/<webhook_id>", "update_webhook", "PUT"),
                rule("/webhooks/<webhook_id>", "delete_webhook", "DELETE"),
            ],
            strict_slashes=False,  # the API mixes trailing slashes; accept both spellings
        )

    # -- the VendorSandbox hooks ----------------------------------------------------------------

    def credentials(self) -> dict[str, str]:
        return {"access_token": self.token}

    def invalid_credentials(self) -> dict[str, str]:
        return {"access_token": f"egnyte-sandbox-revoked-{self.rng_seed:04d}"}

    def seed(self, count: int, seed: int = 0) -> None:
        self.state.seed(count, seed)

    def snapshot(self) -> dict[str, Any]:
        return self.state.snapshot()

    def is_write(self, request: Request) -> bool:
        # A quote is a POST that changes nothing.
        return request.method in ("POST", "PUT", "DELETE") and "/quote" not in request.path

    def throttle_response(self, retry_after: int) -> Response:
        return errors.throttled(retry_after)

    def server_error_response(self) -> Response:
        return errors.error_response(500, "Internal server error.", "error")

    def not_found_response(self, request: Request) -> Response:
        return errors.error_response(404, "Not found.", "not_found")

    def method_not_allowed_response(self, request: Request) -> Response:
        return errors.error_response(
            405, f'Method "{request.method}" not allowed.', "method_not_allowed"
        )

    def handle(self, request: Request) -> Response:
        """Check the Bearer token on every path (the gateway does it before routing)."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return errors.not_authenticated(missing=True)
        if token == self.no_access_token:
            return errors.permission_denied()
        if token != self.token:
            return errors.not_authenticated(missing=False)
        try:
            return super().handle(request)
        except errors.EgnyteError as exc:
            return exc.response()

    # -- test-facing mutations ------------------------------------------------------------------

    def set_tenant_status(self, external_id: str, status: str) -> None:
        self.state.set_tenant_status(external_id, status)

    def set_seats(self, external_id: str, seats: int) -> None:
        self.state.set_seats(external_id, seats)

    def remove_tenant(self, external_id: str) -> None:
        self.state.remove_tenant(external_id)

    def set_usage(
        self, external_id: str, period_date: dt.date | str, values: dict[str, int]
    ) -> None:
        self.state.set_usage(external_id, period_date, values)

    def reserve_domain(self, name: str) -> None:
        self.state.reserve_domain(name)

    # -- domains and tenants --------------------------------------------------------------------

    def list_domains(self, request: Request) -> Response:
        items = self.state.list_domains(request.args.get("planName"))
        return self.json(self.page(request, items, self.state.domain_record))

    def get_domain(self, request: Request, domain: str) -> Response:
        month = self.month(request)
        return self.json(self.state.domain_record(self.state.get_domain(domain), month))

    def list_tenants(self, request: Request) -> Response:
        items = self.state.list_tenants(request.args.get("planName"))
        totals = self.state.cup_totals()
        return self.json(
            self.page(request, items, lambda t: self.state.tenant_record(t, totals=totals))
        )

    def get_tenant(self, request: Request, tenant: str) -> Response:
        month = self.month(request)
        return self.json(self.state.tenant_record(self.state.get_tenant(tenant), month))

    def month(self, request: Request) -> str | None:
        if self.variant["usage_month"] == "ignored":
            return None  # like any parameter the API does not define
        value = request.args.get("month")
        if value is not None and not MONTH_RE.match(value):
            raise errors.ValidationError({"month": ["Use YYYY-MM."]})
        return value

    # -- plans and power users ------------------------------------------------------------------

    def list_plans(self, request: Request) -> Response:
        return self.json(self.page(request, self.state.list_plans(), lambda record: record))

    def quote(self, request: Request, plan_id: int) -> Response:
        answer, _ = self.state.quote(plan_id, self.body(request))
        return self.json(answer)

    def purchase(self, request: Request, plan_id: int) -> Response:
        answer, changed = self.state.quote(plan_id, self.body(request), purchase=True)
        if changed:
            self.mark(request, "purchase_power_users", plan_id=plan_id)
        return self.json(answer)

    def allocate(self, request: Request, domain: str) -> Response:
        answer, changed = self.state.allocate(domain, self.body(request))
        if changed:
            self.mark(request, "change_seats", domain=answer["domain"])
        return self.json(answer)

    # -- trials ---------------------------------------------------------------------------------

    def create_trial(self, request: Request) -> Response:
        answer = self.state.create_trial(self.body(request))
        self.mark(request, "create_tenant", domain=answer["domain"])
        return self.json(answer, 201)

    def activate_trial(self, request: Request, domain: str) -> Response:
        answer = self.state.activate_trial(domain, self.body(request))
        self.mark(request, "convert_trial", domain=answer["domain"])
        return self.json(answer)

    # -- webhooks -------------------------------------------------------------------------------

    def list_webhooks(self, request: Request) -> Response:
        return self.json(self.state.list_webhooks())

    def register_webhook(self, request: Request) -> Response:
        hook = self.state.register_webhook(self.body(request))
        self.mark(request, "create_webhook", webhook_id=hook.webhook_id)
        return self.json(hook.record(detail=False), 201)

    def get_webhook(self, request: Request, webhook_id: str) -> Response:
        return self.json(self.state.get_webhook(webhook_id).record())

    def update_webhook(self, request: Request, webhook_id: str) -> Response:
        hook, changed = self.state.update_webhook(webhook_id, self.body(request))
        if changed:
            self.mark(request, "update_webhook", webhook_id=webhook_id)
        return self.json(hook.record(detail=False))

    def delete_webhook(self, request: Request, webhook_id: str) -> Response:
        self.state.delete_webhook(webhook_id)
        self.mark(request, "delete_webhook", webhook_id=webhook_id)
        return self.json({"success": True})

    # -- pagination -----------------------------------------------------------------------------

    def page(
        self, request: Request, items: Sequence[T], render: Callable[[T], dict[str, Any]]
    ) -> dict[str, Any]:
        """A DRF PageNumberPagination page: ``count``, absolute ``next``/``previous``, ``results``."""
        try:
            number = int(request.args.get("page", "1"))
        except ValueError:
            number = 0
        last = max(1, math.ceil(len(items) / PAGE_SIZE))
        if not 1 <= number <= last:
            raise errors.NotFound("Invalid page.")
        chunk = items[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        return {
            "count": len(items),
            "next": self.page_url(request, number + 1) if number < last else None,
            "previous": self.page_url(request, number - 1) if number > 1 else None,
            "results": [render(item) for item in chunk],
        }

    def page_url(self, request: Request, number: int) -> str:
        root = self.base_url or request.host_url.rstrip("/") + request.script_root
        params = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
        if number > 1:  # like DRF, the first page's link carries no page parameter
            params.append(("page", str(number)))
        query = urlencode(params)
        return f"{root}{request.path}" + (f"?{query}" if query else "")
