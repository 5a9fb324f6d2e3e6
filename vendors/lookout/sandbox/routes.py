"""The Lookout Partner API sandbox: routes and handlers over ``LookoutState``.

Auth as Lookout documents it: ``POST /oauth2/token`` with ``Authorization: Bearer <application
key>`` and ``grant_type=client_credentials`` returns an expiring access token; every other path
needs ``Authorization: Bearer <access token>``. Test knobs: ``configure(token_lifetime=...,
order_polls_to_complete=..., order_delay_seconds=...)`` and ``expire_tokens()``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, ClassVar

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from vendors.lookout.enums import API_PREFIX, TOKEN_PATH, OrderType
from vendors.sandbox.base import VendorSandbox

from .errors import BadRequest, LookoutApiError, Unauthorized, error_response, oauth_error
from .state import APPLICATION_KEY, WRONG_APPLICATION_KEY, LookoutState, month_key

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
TENANT_FIGURES = {
    "licenses_purchased": "licensesPurchased",
    "licenses_used": "licensesUsed",
    "admin_logins": "adminLogins",
    "last_admin_login": "lastAdminLogin",
    "open_issues": "openIssues",
    "resolved_issues": "resolvedIssues",
    "applications_scanned": "applicationsScanned",
    "malicious_sites_blocked": "maliciousSitesBlocked",
    "phishing_sites_blocked": "phishingSitesBlocked",
    "protections": "protections",
    "global_enrollment_code_url": "globalEnrollmentCodeUrl",
}
MONTH_FILTER = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _bearer(request: Request) -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


class LookoutSandbox(VendorSandbox):
    key = "lookout"
    # Rate limits: not documented for the partner API (CONTRACTS.md section 1), so none here.
    rate_limit_per_second = None
    rate_limit_per_day = None
    #: Readings of what the documents leave open (docs/vendors/lookout.md, "Variants").
    variants: ClassVar[dict[str, tuple[str, ...]]] = {
        # GET /tenants/{id} is in no document (lookout-partner-api.txt:84-386 list only its
        # sub-resources): no such route (404), or answered with TenantDetails plus the order's
        # Tenant and Admin fields.
        "tenant_get": ("absent", "served"),
        # data_bundle's ``filter`` has no documented format (lookout-partner-api.txt:133): it is
        # ignored (today's figures), or a YYYY-MM month whose figures come back with the filter.
        "usage_filter": ("ignored", "month"),
    }

    def __init__(self, rng_seed: int = 0, variant: dict[str, str] | None = None) -> None:
        super().__init__(rng_seed, variant)
        self.state = LookoutState(self.lock)

    def url_map(self) -> Map:
        api = API_PREFIX
        figures = ", ".join(TENANT_FIGURES)
        return Map(
            [
                Rule(TOKEN_PATH, methods=["POST"], endpoint="issue_token"),
                Rule(f"{api}/orders", methods=["POST"], endpoint="create_order"),
                Rule(f"{api}/orders/modify", methods=["POST"], endpoint="modify_order"),
                Rule(f"{api}/orders/renew", methods=["POST"], endpoint="renew_order"),
                Rule(f"{api}/orders/cancel", methods=["POST"], endpoint="cancel_order"),
                Rule(f"{api}/orders/<transaction_id>", methods=["GET"], endpoint="get_order"),
                Rule(f"{api}/tenants", methods=["GET"], endpoint="list_tenants"),
                Rule(f"{api}/tenants/global_data", methods=["GET"], endpoint="global_data"),
                *(
                    [Rule(f"{api}/tenants/<tenant_id>", methods=["GET"], endpoint="get_tenant")]
                    if self.variant["tenant_get"] == "served"
                    else []
                ),
                Rule(
                    f"{api}/tenants/<tenant_id>/subscription",
                    methods=["GET"],
                    endpoint="get_subscription",
                ),
                Rule(
                    f"{api}/tenants/<tenant_id>/data_bundle",
                    methods=["GET"],
                    endpoint="data_bundle",
                ),
                Rule(
                    f"{api}/tenants/<tenant_id>/orders", methods=["GET"], endpoint="tenant_orders"
                ),
                Rule(
                    f"{api}/tenants/<tenant_id>/<any({figures}):figure>",
                    methods=["GET"],
                    endpoint="tenant_figure",
                ),
                Rule(f"{api}/orgs", methods=["GET"], endpoint="list_orgs"),
                Rule(f"{api}/orgs/default", methods=["GET"], endpoint="get_default_org"),
                Rule(f"{api}/orgs/<org_id>", methods=["GET"], endpoint="get_org"),
                Rule(f"{api}/orgs/<org_id>/default", methods=["PUT"], endpoint="set_default_org"),
                Rule(f"{api}/orgs/<org_id>/tenants", methods=["GET"], endpoint="org_tenants"),
                Rule(
                    f"{api}/mgmt/<any(tenants, orgs):kind>/<owner_id>/application_keys",
                    methods=["GET", "POST"],
                    endpoint="application_keys",
                ),
                Rule(
                    f"{api}/mgmt/<any(tenants, orgs):kind>/<owner_id>/application_keys/<key_guid>",
                    methods=["GET", "DELETE"],
                    endpoint="application_key",
                ),
            ]
        )

    # -- VendorSandbox hooks -------------------------------------------------------------------

    def credentials(self) -> dict[str, str]:
        return {"application_key": APPLICATION_KEY}

    def invalid_credentials(self) -> dict[str, str]:
        return {"application_key": WRONG_APPLICATION_KEY}

    def seed(self, count: int, seed: int = 0) -> None:
        with self.lock:
            self.state.seed(count, seed)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return self.state.snapshot()

    def credential_id(self, request: Request) -> str:
        """The application key behind the call, so its tokens share one rate budget."""
        token = _bearer(request)
        with self.lock:
            entry = self.state.tokens.get(token)
        return entry[0] if entry else token or (request.remote_addr or "")

    def is_write(self, request: Request) -> bool:
        return request.method not in ("GET", "HEAD", "OPTIONS") and request.path != TOKEN_PATH

    def throttle_response(self, retry_after: int) -> Response:
        return error_response(429, "Too Many Requests", {"Retry-After": str(retry_after)})

    def server_error_response(self) -> Response:
        return error_response(500, "Internal Server Error")

    def not_found_response(self, request: Request) -> Response:
        return error_response(404, f"Not Found: {request.path}")

    def method_not_allowed_response(self, request: Request) -> Response:
        return error_response(405, f"Method {request.method} not allowed on {request.path}")

    def handle(self, request: Request) -> Response:
        """Check the access token before routing (a gateway answers 401 even for unknown paths)."""
        try:
            if request.path != TOKEN_PATH:
                with self.lock:
                    self.state.check_token(_bearer(request))
            return super().handle(request)
        except LookoutApiError as exc:
            return exc.response()

    # -- test knobs ------------------------------------------------------------------------------

    def configure(
        self,
        *,
        token_lifetime: float | None = None,
        order_polls_to_complete: int | None = None,
        order_delay_seconds: float | None = None,
    ) -> None:
        """Shorten token lifetime or slow order processing for a test."""
        with self.lock:
            if token_lifetime is not None:
                self.state.token_lifetime = token_lifetime
            if order_polls_to_complete is not None:
                self.state.order_polls_to_complete = order_polls_to_complete
            if order_delay_seconds is not None:
                self.state.order_delay_seconds = order_delay_seconds

    def expire_tokens(self) -> None:
        with self.lock:
            self.state.expire_tokens()

    # -- test-facing mutations: "the vendor changed something behind our back" -----------------

    def set_tenant_status(self, external_id: str, status: str) -> None:
        with self.lock:
            self.state.set_tenant_status(external_id, status)

    def set_seats(self, external_id: str, seats: int) -> None:
        with self.lock:
            self.state.set_seats(external_id, seats)

    def remove_tenant(self, external_id: str) -> None:
        with self.lock:
            self.state.remove_tenant(external_id)

    def set_usage(self, external_id: str, period_date: dt.date, values: dict[str, Any]) -> None:
        with self.lock:
            self.state.set_usage(external_id, period_date, values)

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _page(request: Request) -> tuple[int, int]:
        """offset/limit as the partner API names them; a bad value is the vendor's 400."""
        try:
            offset = int(request.args.get("offset", 0))
            limit = int(request.args.get("limit", DEFAULT_LIMIT))
        except ValueError:
            raise BadRequest("offset and limit must be integers")
        if offset < 0 or limit < 1:
            raise BadRequest("offset must be >= 0 and limit >= 1")
        return offset, min(limit, MAX_LIMIT)

    def _paged(self, request: Request, key: str, items: list[Any]) -> Response:
        offset, limit = self._page(request)
        return self.json({key: items[offset : offset + limit], "count": len(items)})

    # -- token ---------------------------------------------------------------------------------

    def issue_token(self, request: Request) -> Response:
        key = _bearer(request)
        if not key:
            return oauth_error(
                401, "invalid_client", "Authorization: Bearer <application key> required"
            )
        if request.form.get("grant_type") != "client_credentials":
            return oauth_error(
                400, "unsupported_grant_type", "grant_type must be client_credentials"
            )
        with self.lock:
            try:
                return self.json(self.state.issue_token(key))
            except Unauthorized:
                return oauth_error(401, "invalid_client", "The application key is not valid")

    # -- orders --------------------------------------------------------------------------------

    def _order(self, request: Request, order_type: str, status: int) -> Response:
        with self.lock:
            order, new, actions = self.state.submit(order_type, self.body(request))
            data = order.as_dict()
        for action in actions:
            self.mark(request, action, transactionId=order.transaction_id)
        return self.json(data, status if new else 200)

    def create_order(self, request: Request) -> Response:
        return self._order(request, OrderType.CREATE, 201)

    def modify_order(self, request: Request) -> Response:
        return self._order(request, OrderType.MODIFY, 200)

    def renew_order(self, request: Request) -> Response:
        return self._order(request, OrderType.RENEW, 200)

    def cancel_order(self, request: Request) -> Response:
        return self._order(request, OrderType.CANCEL, 200)

    def get_order(self, request: Request, transaction_id: str) -> Response:
        with self.lock:
            return self.json(self.state.order(transaction_id, polled=True).as_dict())

    # -- tenants -------------------------------------------------------------------------------

    def list_tenants(self, request: Request) -> Response:
        with self.lock:
            items = [t.details() for t in self.state.tenant_list()]
        return self._paged(request, "tenants", items)

    def global_data(self, request: Request) -> Response:
        with self.lock:
            return self.json(self.state.global_data())

    def get_tenant(self, request: Request, tenant_id: str) -> Response:
        with self.lock:
            return self.json(self.state.tenant(tenant_id).detail())

    def get_subscription(self, request: Request, tenant_id: str) -> Response:
        with self.lock:
            return self.json(self.state.tenant(tenant_id).subscription())

    def data_bundle(self, request: Request, tenant_id: str) -> Response:
        month = request.args.get("filter") or None
        if self.variant["usage_filter"] == "ignored":
            month = None  # the filter's format is not documented: today's figures
        elif month is not None and not MONTH_FILTER.match(month):
            return error_response(400, "filter must be a month as YYYY-MM")
        with self.lock:
            tenant = self.state.tenant(tenant_id)
            if month is not None and month > month_key(dt.date.today()):
                return error_response(400, f"filter {month} is in the future")
            bundle = self.state.bundle(tenant, month)
        if month is not None:
            bundle["filter"] = month  # says which month the figures are
        return self.json(bundle)

    def tenant_figure(self, request: Request, tenant_id: str, figure: str) -> Response:
        name = TENANT_FIGURES[figure]
        with self.lock:
            bundle = self.state.bundle(self.state.tenant(tenant_id), None)
        return self.json({name: bundle.get(name)})

    def tenant_orders(self, request: Request, tenant_id: str) -> Response:
        offset, limit = self._page(request)
        with self.lock:
            orders = [o.as_dict() for o in self.state.tenant_orders(tenant_id)]
        return self.json({"orders": orders[offset : offset + limit]})

    # -- orgs ----------------------------------------------------------------------------------

    def list_orgs(self, request: Request) -> Response:
        with self.lock:
            items = [org.as_dict() for org in self.state.orgs.values()]
        return self._paged(request, "orgs", items)

    def get_default_org(self, request: Request) -> Response:
        with self.lock:
            return self.json(self.state.default_org().as_dict())

    def get_org(self, request: Request, org_id: str) -> Response:
        with self.lock:
            return self.json(self.state.org(org_id).as_dict())

    def set_default_org(self, request: Request, org_id: str) -> Response:
        with self.lock:
            already = self.state.org(org_id).default
            org = self.state.set_default_org(org_id)
            data = org.as_dict()
        if not already:
            self.mark(request, "set_default_org", externalOrgId=org_id)
        return self.json(data)

    def org_tenants(self, request: Request, org_id: str) -> Response:
        with self.lock:
            self.state.org(org_id)
            items = [t.details() for t in self.state.tenant_list(org_id)]
        return self._paged(request, "tenants", items)

    # -- management application keys ----------------------------------------------------------

    def application_keys(self, request: Request, kind: str, owner_id: str) -> Response:
        with self.lock:
            if request.method == "GET":
                keys = self.state.app_key_list(kind, owner_id)
                return self.json([key.as_dict() for key in keys])
            body = self.body(request)
            name = body.get("key_name", "") if isinstance(body, dict) else ""
            key = self.state.create_app_key(kind, owner_id, str(name or ""))
        self.mark(request, "create_application_key", guid=key.guid)
        return self.json(key.as_dict(with_key=True))

    def application_key(
        self, request: Request, kind: str, owner_id: str, key_guid: str
    ) -> Response:
        with self.lock:
            if request.method == "GET":
                return self.json(self.state.app_key(kind, owner_id, key_guid).as_dict())
            key = self.state.delete_app_key(kind, owner_id, key_guid)
        self.mark(request, "delete_application_key", guid=key.guid)
        return self.json(key.as_dict())
