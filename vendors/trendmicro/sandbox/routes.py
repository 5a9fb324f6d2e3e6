"""The LMPI sandbox: request signing checks, routes and handlers over ``TrendMicroState``.

Every path is authenticated the LMPI way ("Invoking LMPI"): the four ``x-`` headers, a JSON
content type, a known access token, ``x-posix-time`` within 15 minutes and an HMAC-SHA256
``x-signature`` over posix time + METHOD + request URI (path relative to the mount, plus the
query string exactly as sent) + base64(md5(body)) when there is a body.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import time
from collections.abc import Callable
from typing import Any, ClassVar

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from vendors.sandbox.base import VendorSandbox

from . import errors
from .errors import LmpiError, invalid
from .state import Customer, Subscription, TrendMicroState, parse_iso

POSIX_WINDOW_SECONDS = 15 * 60
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_HEADERS = (
    ("x-access-token", "AccessToken"),
    ("x-posix-time", "PosixTime"),
    ("x-signature", "Signature"),
    ("x-traceid", "TraceID"),
)
_VERSION = "<any(v2, v3):version>"
_SUB = "/customers/<customer_id>/subscriptions/<subscription_id>"


class TrendMicroSandbox(VendorSandbox):
    key: ClassVar[str] = "trendmicro"
    # LMPI documents no rate limit.
    rate_limit_per_second: ClassVar[float | None] = None
    rate_limit_per_day: ClassVar[int | None] = None
    #: Readings of what the documents leave open (docs/vendors/trendmicro.md, "Variants").
    variants: ClassVar[dict[str, tuple[str, ...]]] = {
        # GET /LMPI/v2/customers/{id} is in no document: refused (405, PUT is documented there)
        # or answered in the Customers :: Update shape.
        "customer_get": ("absent", "served"),
        # Subscribing the full plan of a trial's product: a new subscription (Create answers a
        # new subscription_id) or the trial converted in place ("License Convert" reports).
        "trial_conversion": ("new_subscription", "in_place"),
        # Subscriptions :: Get names its id "subscription_id" (field table) or "id" (older
        # sample).
        "subscription_id_key": ("subscription_id", "id"),
        # An unknown customer or subscription id: LMPI lists no 404 subject, so 404
        # NotFound{Resource} or the documented 400 InvalidParameters{Resource}Id.
        "unknown_id": ("404", "400"),
    }

    def __init__(self, rng_seed: int = 0, variant: dict[str, str] | None = None) -> None:
        super().__init__(rng_seed, variant)
        self.state = TrendMicroState(self.lock, rng_seed)

    def url_map(self) -> Map:
        return Map(
            [
                Rule(f"/LMPI/{_VERSION}/partners/product", methods=["GET"], endpoint="products"),
                Rule(f"/LMPI/{_VERSION}/me/serviceplans", methods=["GET"], endpoint="plans"),
                Rule(f"/LMPI/{_VERSION}/customers", methods=["POST"], endpoint="create_customer"),
                Rule("/LMPI/v2/customers", methods=["GET"], endpoint="list_users"),
                Rule("/LMPI/v3/customers", methods=["GET"], endpoint="list_customers"),
                Rule(
                    "/LMPI/v2/customers/<customer_id>",
                    methods=["GET", "PUT"] if self.variant["customer_get"] == "served" else ["PUT"],
                    endpoint="customer",
                ),
                Rule(
                    "/LMPI/v2/customers/<customer_id>/subscriptions",
                    methods=["POST"],
                    endpoint="create_subscription",
                ),
                Rule(f"/LMPI/v2{_SUB}", methods=["GET"], endpoint="get_subscription"),
                Rule(f"/LMPI/v2{_SUB}", methods=["PUT"], endpoint="update_subscription"),
                Rule(f"/LMPI/v2{_SUB}/disable", methods=["PUT"], endpoint="disable"),
                Rule(f"/LMPI/{_VERSION}{_SUB}/suspend", methods=["PUT"], endpoint="suspend"),
                Rule(f"/LMPI/{_VERSION}{_SUB}/unsuspend", methods=["PUT"], endpoint="unsuspend"),
                Rule(
                    "/LMPI/v2/customers/<customer_id>/serviceplan/<plan_id>/getid",
                    methods=["GET"],
                    endpoint="subscription_id",
                ),
                Rule(
                    "/LMPI/v2.5/customers/subscriptions",
                    methods=["GET"],
                    endpoint="list_subscriptions",
                ),
                Rule(f"/LMPI/{_VERSION}/reports/summary", methods=["POST"], endpoint="summary"),
            ],
            strict_slashes=False,
        )

    # -- VendorSandbox hooks ---------------------------------------------------------------------

    def credentials(self) -> dict[str, str]:
        return {"access_token": self.state.access_token, "secret_key": self.state.secret_key}

    def invalid_credentials(self) -> dict[str, str]:
        return {
            "access_token": "00000000-0000-4000-8000-000000000000",
            "secret_key": "not-the-secret-" + self.state.secret_key[:8],
        }

    def seed(self, count: int, seed: int = 0) -> None:
        with self.lock:
            self.state.seed(count, seed)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return self.state.snapshot()

    def credential_id(self, request: Request) -> str:
        return request.headers.get("x-access-token", "") or request.remote_addr or ""

    def is_write(self, request: Request) -> bool:
        # Reports are POSTed but only read.
        return request.method not in ("GET", "HEAD", "OPTIONS") and "/reports/" not in request.path

    def throttle_response(self, retry_after: int) -> Response:
        return errors.error_response(
            429,
            errors.THROTTLED_SUBJECT,
            "Too many requests. Retry later.",
            {"Retry-After": str(retry_after)},
        )

    def server_error_response(self) -> Response:
        return errors.INTERNAL.response()

    def not_found_response(self, request: Request) -> Response:
        return errors.error_response(
            404, "NotFoundResource", f"No API at {request.method} {request.path}."
        )

    def method_not_allowed_response(self, request: Request) -> Response:
        return errors.error_response(
            405, "MethodNotAllowed", f"{request.method} is not allowed on {request.path}."
        )

    def handle(self, request: Request) -> Response:
        try:
            self.authenticate(request)
            with self.lock:
                return super().handle(request)
        except LmpiError as exc:
            return self._unknown_id_reading(exc).response()

    def _unknown_id_reading(self, exc: LmpiError) -> LmpiError:
        """In the ``unknown_id=400`` reading an unknown id is an invalid parameter."""
        resource = exc.subject.removeprefix("NotFound")
        if self.variant["unknown_id"] == "400" and resource in ("Customer", "Subscription"):
            return invalid(f"{resource.lower()}_id", exc.message)
        return exc

    # -- authentication ------------------------------------------------------------------------

    @staticmethod
    def request_uri(request: Request) -> str:
        """The URI the vendor sees: the raw path below the mount prefix plus the raw query."""
        raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
        prefix = request.environ.get("SCRIPT_NAME", "")
        if raw and raw.startswith(prefix + "/"):
            return str(raw[len(prefix) :])
        query = request.query_string.decode("latin-1")
        return request.path + (f"?{query}" if query else "")

    def expected_signature(self, request: Request, posix_time: str) -> str:
        body = request.get_data()
        digest = base64.b64encode(hashlib.md5(body).digest()).decode() if body else ""  # noqa: S324
        message = posix_time + request.method.upper() + self.request_uri(request) + digest
        mac = hmac.new(self.state.secret_key.encode(), message.encode(), hashlib.sha256)
        return base64.b64encode(mac.digest()).decode()

    def authenticate(self, request: Request) -> None:
        for header, subject in _HEADERS:
            if not request.headers.get(header):
                raise errors.missing_header(subject, header)
        if request.mimetype != "application/json":
            raise errors.CONTENT_TYPE
        token = request.headers["x-access-token"]
        if not _GUID.match(token):
            raise errors.INVALID_ACCESS_TOKEN
        if not hmac.compare_digest(token, self.state.access_token):
            raise errors.AUTH_ACCESS_TOKEN
        posix = request.headers["x-posix-time"]
        if not (posix.isdigit() and len(posix) <= 10):
            raise errors.AUTH_POSIX_TIME
        if abs(time.time() - int(posix)) > POSIX_WINDOW_SECONDS:
            raise errors.AUTH_POSIX_TIME
        if not hmac.compare_digest(
            self.expected_signature(request, posix), request.headers["x-signature"]
        ):
            raise errors.AUTH_SIGNATURE

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _payload(request: Request) -> dict[str, Any]:
        if not request.get_data():
            return {}
        body = VendorSandbox.body(request)
        if not isinstance(body, dict):
            raise invalid("request_body", "The request body must be a JSON object.")
        return body

    @staticmethod
    def _int_arg(request: Request, name: str, default: int, low: int, high: int) -> int:
        raw = request.args.get(name)
        if raw is None:
            return default
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise invalid(name, f"{name} must be an integer between {low} and {high}.")
        return int(raw)

    @classmethod
    def _required_time_arg(cls, request: Request, name: str) -> dt.datetime:
        value = cls._time_arg(request, name, required=True)
        assert value is not None  # _time_arg raised otherwise
        return value

    @staticmethod
    def _time_arg(request: Request, name: str, required: bool) -> dt.datetime | None:
        raw = request.args.get(name)
        if not raw:
            if required:
                raise invalid(name, f"{name} is required (YYYY-MM-DDThh:mm:ssZ).")
            return None
        try:
            return parse_iso(raw)
        except ValueError:
            raise invalid(name, f"{name} must be YYYY-MM-DDThh:mm:ssZ.")

    def _paged(
        self,
        request: Request,
        items: list[Any],
        key: str,
        render: Callable[[Any], dict[str, Any]],
    ) -> Response:
        """LMPI paging: ``page`` (from 1) and ``limit`` (1-100, default 25)."""
        page = self._int_arg(request, "page", 1, 1, 10**9)
        limit = self._int_arg(request, "limit", 25, 1, 100)
        chunk = items[(page - 1) * limit : page * limit]
        return self.json(
            {
                "paging": {"total": len(items), "limit": limit, "page": page},
                key: [render(item) for item in chunk],
            }
        )

    # -- partners / catalog --------------------------------------------------------------------

    def products(self, request: Request, version: str) -> Response:
        return self.json(
            {"partner_id": self.state.partner_id, "products": self.state.products_json()}
        )

    def plans(self, request: Request, version: str) -> Response:
        return self.json(self.state.service_plans_json())

    # -- customers -----------------------------------------------------------------------------

    def create_customer(self, request: Request, version: str) -> Response:
        body = self._payload(request)
        user = body.get("user")
        if version == "v3":  # v3 takes a ``contact`` and creates the login from its email
            contact = body.get("contact")
            user = (
                {**contact, "login_name": contact.get("email")}
                if isinstance(contact, dict)
                else None
            )
        customer = self.state.create_customer(body.get("company"), user)
        self.mark(request, "create_tenant", customer_id=customer.customer_id)
        return self.json(
            {
                "customer_id": customer.customer_id,
                "user": {
                    "id": customer.user["user_id"],
                    "login_name": customer.user["login_name"],
                    "resetpasswordURL": f"{self.base_url}/reset/{customer.user['user_id']}",
                },
            }
        )

    def list_users(self, request: Request) -> Response:
        """v2 Customers :: Query lists each customer's Super Administrator (user) records."""
        start = self._time_arg(request, "user_modified_start", required=False)
        end = self._time_arg(request, "user_modified_end", required=False)
        customers = self.state.users_modified_between(start, end)

        def render(customer: Customer) -> dict[str, Any]:
            user = customer.user
            return {
                "status": user["status"],
                "first_name": user["first_name"],
                "last_name": user["last_name"],
                "user_id": user["user_id"],
                "note": customer.note,
                "language": user["language"],
                "time_zone": user["time_zone"],
                "email": user["email"],
                "customer_id": customer.customer_id,
                "login_name": user["login_name"],
                "emergency_email": customer.emergency_email,
                "phone": user["phone"],
            }

        return self._paged(request, customers, "users", render)

    def list_customers(self, request: Request) -> Response:
        """v3 Customers :: Query: ``created_start`` and ``created_end`` are both required."""
        start = self._required_time_arg(request, "created_start")
        end = self._required_time_arg(request, "created_end")
        customers = self.state.customers_created_between(start, end)
        return self._paged(
            request, customers, "customers", lambda c: {**c.as_json(), "status": c.status}
        )

    def customer(self, request: Request, customer_id: str) -> Response:
        """PUT: Customers :: Update; GET (``customer_get=served`` only): the same shape."""
        if request.method == "GET":
            return self.json(self.state.customer(customer_id).as_json())
        customer = self.state.update_customer(customer_id, self._payload(request))
        self.mark(request, "update_tenant")
        return self.json(customer.as_json())

    # -- subscriptions -------------------------------------------------------------------------

    def create_subscription(self, request: Request, customer_id: str) -> Response:
        body = self._payload(request)
        sub, outcome = self.state.create_subscription(
            customer_id,
            body.get("service_plan_id"),
            body.get("units_per_license"),
            body.get("license_start_date"),
            in_place=self.variant["trial_conversion"] == "in_place",
        )
        self.mark(
            request,
            "convert_trial" if outcome == "converted" else "create_subscription",
            subscription_id=sub.subscription_id,
        )
        full = self.state.subscription_json(sub)
        product = self.state.products[self.state.plans[sub.plan_id].product_id]
        plan = self.state.plans[sub.plan_id]
        license_ = {
            k: v for k, v in full["licenses"][0].items() if k not in ("grace_period", "enabled")
        }
        return self.json(
            {
                "subscription_id": sub.subscription_id,
                "product_name": product.name,
                "service_url": full["service_url"],
                "licenses": [{**license_, "version": plan.version}],
            }
        )

    def get_subscription(
        self, request: Request, customer_id: str, subscription_id: str
    ) -> Response:
        sub = self.state.subscription(customer_id, subscription_id)
        return self.json(self._subscription_json(sub))

    def _subscription_json(self, sub: Subscription) -> dict[str, Any]:
        """Subscriptions :: Get (and Update) shape, its id under the variant's key."""
        body = self.state.subscription_json(sub)
        body[self.variant["subscription_id_key"]] = body.pop("subscription_id")
        return body

    def update_subscription(
        self, request: Request, customer_id: str, subscription_id: str
    ) -> Response:
        body = self._payload(request)
        sub = self.state.subscription(customer_id, subscription_id)
        for action in self.state.update_subscription(
            sub,
            body.get("units_per_license"),
            body.get("license_expiration_date"),
            body.get("service_plan_id"),
        ):
            self.mark(request, action, subscription_id=subscription_id)
        return self.json(self._subscription_json(sub))

    def disable(self, request: Request, customer_id: str, subscription_id: str) -> Response:
        if self.state.disable(self.state.subscription(customer_id, subscription_id)):
            self.mark(request, "cancel", subscription_id=subscription_id)
        return Response(b"", 200)

    def suspend(
        self, request: Request, version: str, customer_id: str, subscription_id: str
    ) -> Response:
        sub = self.state.subscription(customer_id, subscription_id)
        until = self._payload(request).get("license_expiration_date")
        if self.state.suspend(sub, until):
            self.mark(
                request, "suspend", subscription_id=subscription_id, license_expiration_date=until
            )
        return Response(b"", 200)

    def unsuspend(
        self, request: Request, version: str, customer_id: str, subscription_id: str
    ) -> Response:
        sub = self.state.subscription(customer_id, subscription_id)
        if self.state.unsuspend(sub, self._payload(request).get("license_expiration_date")):
            self.mark(request, "resume", subscription_id=subscription_id)
        return Response(b"", 200)

    def subscription_id(self, request: Request, customer_id: str, plan_id: str) -> Response:
        sub = self.state.subscription_for_plan(customer_id, plan_id)
        return self.json({"subscription_id": sub.subscription_id})

    def list_subscriptions(self, request: Request) -> Response:
        """v2.5 listing: exactly one of the created_* or modified_* pairs."""
        created = [n for n in ("created_start", "created_end") if request.args.get(n)]
        modified = [n for n in ("modified_start", "modified_end") if request.args.get(n)]
        if bool(created) == bool(modified):
            raise invalid(
                "created_start", "Supply either created_start/created_end or modified_start/end."
            )
        field_name = "created" if created else "modified"
        start = self._required_time_arg(request, f"{field_name}_start")
        end = self._required_time_arg(request, f"{field_name}_end")
        subs = self.state.subscriptions_between(field_name, start, end)
        return self._paged(request, subs, "subscriptions", self.state.subscription_item_json)

    # -- reports -------------------------------------------------------------------------------

    def summary(self, request: Request, version: str) -> Response:
        body = self._payload(request)
        year, month = body.get("report_cycle_year"), body.get("report_cycle_month")
        if not (isinstance(year, str) and len(year) == 4 and year.isdigit()):
            raise invalid("report_cycle_year", "report_cycle_year must be YYYY.")
        if not (isinstance(month, str) and len(month) == 2 and month.isdigit()):
            raise invalid("report_cycle_month", "report_cycle_month must be MM.")
        if not 1 <= int(month) <= 12:
            raise invalid("report_cycle_month", "report_cycle_month must be 01-12.")
        rows = self.state.summary(dt.date(int(year), int(month), 1), body.get("product_id"))
        return self.json({"summary": rows})

    # -- test-facing mutations -------------------------------------------------------------------

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
