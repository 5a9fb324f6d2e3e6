"""The RedAPI sandbox: Werkzeug routes and handlers over ``RedstorState`` (moto's responses/urls).

Paths are the V1 spec's (KB "RedAPI V1", /work/shared/vendor-docs/redstor-redapi-v1.txt) plus
the identity server's ``/connect/token`` and discovery document, served under the same prefix
because the sandbox is one host. Every API path needs a bearer token from ``/connect/token``
(``Authorization: Bearer`` or the ``X-Api-Key`` header the public OpenAPI file is said to
declare); reads need scope ``api.read``, writes ``api.write``. docs/vendors/redstor.md lists what
each endpoint does and which parts are assumptions.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
import secrets
import threading
from collections.abc import Callable
from typing import Any, ClassVar

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from vendors.sandbox.base import VendorSandbox

from . import errors
from .errors import RedstorProblem, ValidationFailed
from .state import (
    PRODUCTS,
    PRODUCTS_BY_ID,
    SCOPES,
    TOKEN_LIFETIME,
    Company,
    RedstorState,
    Subscription,
    flatten,
)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: IdentityServer validates client assertions with the .NET default clock skew of five minutes.
CLOCK_SKEW = 300
MAX_RESULTS, DEFAULT_RESULTS = 100, 30
API_VERSIONS = frozenset({"1", "1.0", "2", "2.0"})
#: Redstor publishes no number ("fair use policy and throttling"); this is our assumption.
FAIR_USE_PER_SECOND = float(os.environ.get("REDSTOR_RATE_LIMIT_PER_SECOND", "100"))

_KEYS: dict[tuple[int, str], rsa.RSAPrivateKey] = {}
_KEYS_LOCK = threading.Lock()


def service_key(seed: int, label: str) -> rsa.RSAPrivateKey:
    """One RSA key per (seed, label) per process: generation is too slow to repeat per reset."""
    with _KEYS_LOCK:
        if (seed, label) not in _KEYS:
            _KEYS[seed, label] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return _KEYS[seed, label]


def private_jwk(key: rsa.RSAPrivateKey) -> str:
    """The private key as the JWK RedApp hands out for a service account (with ``kid``)."""
    data = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key))
    data["kid"] = hashlib.sha256(data["n"].encode()).hexdigest()[:16].upper()
    data.update(alg="RS256", use="sig")
    return json.dumps(data)


def _bool(request: Request, name: str) -> bool:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return False
    if raw.lower() not in ("true", "false"):
        raise ValidationFailed({name: [f"The value '{raw}' is not valid."]})
    return raw.lower() == "true"


def _int(request: Request, name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed({name: [f"The value '{raw}' is not valid."]})


def _encode_token(page: int, size: int, total: int) -> str:
    raw = json.dumps({"Page": page, "PageSize": size, "TotalCount": total}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_token(token: str) -> tuple[int, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        page, size = int(data["Page"]), int(data["PageSize"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ValidationFailed({"pageToken": ["The page token is not valid."]})
    if page < 1 or not 1 <= size <= MAX_RESULTS:
        raise ValidationFailed({"pageToken": ["The page token is not valid."]})
    return page, size


class RedstorSandbox(VendorSandbox):
    key = "redstor"
    rate_limit_per_second: ClassVar[float | None] = FAIR_USE_PER_SECOND
    rate_limit_per_day: ClassVar[int | None] = None
    #: Endpoints reachable without a bearer token (the identity server's).
    PUBLIC: ClassVar[frozenset[str]] = frozenset({"token", "discovery"})
    #: Readings of what the V1 document leaves open (docs/vendors/redstor.md, "Variants").
    variants: ClassVar[dict[str, tuple[str, ...]]] = {
        # ProductSubscription.trialStatus of a running trial: the document shows only "NotUsed"
        # (redstor-redapi-v1.txt:426).
        "trial_status": ("InProgress", "Active", "InUse", "Started", "Trial"),
        # A removed subscription ("Removes product subscriptions", line 483): no longer listed,
        # or kept with isActive false.
        "cancelled_subscriptions": ("removed", "kept_inactive"),
        # PATCH /companies/{id}/subscriptions/{sid} is in no document (only DELETE, line 482):
        # refused with 405, or served taking {"licensedSeats": n}.
        "seat_patch": ("absent", "served"),
    }

    def __init__(self, rng_seed: int = 0, variant: dict[str, str] | None = None) -> None:
        super().__init__(rng_seed, variant)
        self.state = RedstorState(self.lock, rng_seed)
        self.client_id = f"redstor-sa-{rng_seed:04d}-channel-portal"
        self.private_key = service_key(rng_seed, "service-account")
        self.state.add_service_account(self.client_id, self.private_key.public_key())

    # -- VendorSandbox hooks ------------------------------------------------------------------

    def url_map(self) -> Map:
        company = "/companies/<company_id>"
        sub = company + "/subscriptions/<subscription_id>"
        ops = company + "/<any(backups, restores):kind>/status"
        return Map(
            [
                Rule("/.well-known/openid-configuration", endpoint="discovery", methods=["GET"]),
                Rule("/connect/token", endpoint="token", methods=["POST"]),
                Rule("/companies", endpoint="my_company", methods=["GET"]),
                Rule("/companies/search", endpoint="search_companies", methods=["GET"]),
                Rule(company, endpoint="get_company", methods=["GET"]),
                Rule(company, endpoint="delete_company", methods=["DELETE"]),
                Rule(company + "/customers", endpoint="list_customers", methods=["GET"]),
                Rule(company + "/customers", endpoint="create_customer", methods=["POST"]),
                Rule(
                    company + "/customers/transitive", endpoint="list_transitive", methods=["GET"]
                ),
                Rule(company + "/disable", endpoint="disable_company", methods=["PATCH"]),
                Rule(company + "/enable", endpoint="enable_company", methods=["PATCH"]),
                Rule(
                    company + "/customers/<customer_id>/reassign",
                    endpoint="reassign_customer",
                    methods=["PATCH"],
                ),
                Rule("/users/list", endpoint="list_users", methods=["GET"]),
                Rule("/products", endpoint="list_products", methods=["GET"]),
                Rule("/products/<int:product_id>", endpoint="get_product", methods=["GET"]),
                Rule(company + "/subscriptions", endpoint="list_subscriptions", methods=["GET"]),
                Rule(company + "/subscriptions", endpoint="add_subscription", methods=["POST"]),
                Rule(company + "/subscriptions/trial", endpoint="add_trial", methods=["POST"]),
                Rule(sub, endpoint="remove_subscription", methods=["DELETE"]),
                *(
                    [Rule(sub, endpoint="update_subscription", methods=["PATCH"])]
                    if self.variant["seat_patch"] == "served"
                    else []
                ),
                Rule(sub + "/trial/convert", endpoint="convert_trial", methods=["PATCH"]),
                Rule(company + "/consumption/summary", endpoint="consumption_summary"),
                Rule(company + "/consumption/company", endpoint="consumption_company"),
                Rule(company + "/consumption/customers/direct", endpoint="consumption_direct"),
                Rule(
                    company + "/consumption/customers/transitive",
                    endpoint="consumption_transitive",
                ),
                Rule(ops, endpoint="operation_status", methods=["GET"]),
                Rule(ops + "/customers", endpoint="operation_customers", methods=["GET"]),
                Rule(ops + "/accounts", endpoint="operation_accounts", methods=["GET"]),
                Rule(ops + "/summary", endpoint="operation_summary", methods=["GET"]),
            ],
            strict_slashes=False,
        )

    def credentials(self) -> dict[str, str]:
        return {"client_id": self.client_id, "private_key": private_jwk(self.private_key)}

    def invalid_credentials(self) -> dict[str, str]:
        """Our client id with a key the identity server never saw: rejected as invalid_client."""
        return {
            "client_id": self.client_id,
            "private_key": private_jwk(service_key(self.rng_seed, "revoked")),
        }

    def seed(self, count: int, seed: int = 0) -> None:
        self.state.seed(count, seed)

    def snapshot(self) -> dict[str, Any]:
        return self.state.snapshot()

    def credential_id(self, request: Request) -> str:
        """The service account behind the call, so token refreshes share one rate window."""
        token = self._bearer(request)
        if token:
            info = self.state.token_info(token)
            return info[0] if info else token
        if request.path.rstrip("/") == "/connect/token":
            try:
                claims = jwt.decode(
                    request.form.get("client_assertion", ""), options={"verify_signature": False}
                )
                return str(claims.get("iss", ""))
            except jwt.PyJWTError:
                pass
        return request.remote_addr or ""

    def is_write(self, request: Request) -> bool:
        if request.path.rstrip("/") == "/connect/token":
            return False
        return super().is_write(request)

    def throttle_response(self, retry_after: int) -> Response:
        return errors.problem(
            429,
            "Rate limit exceeded: the fair use policy allows fewer requests.",
            headers={"Retry-After": str(retry_after)},
        )

    def server_error_response(self) -> Response:
        return errors.problem(500)

    def not_found_response(self, request: Request) -> Response:
        return errors.problem(404, f"No resource at {request.path}.", instance=request.path)

    def method_not_allowed_response(self, request: Request) -> Response:
        return errors.problem(405, f"{request.method} is not allowed here.", instance=request.path)

    def handle(self, request: Request) -> Response:
        """Route, then enforce auth, scope and apiVersion before the handler runs."""
        adapter = self._map.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
        except HTTPException:  # 404/405/redirect: the base renders them in our format
            return super().handle(request)
        try:
            if endpoint not in self.PUBLIC:
                denied = self._authorize(request)
                if denied is not None:
                    return denied
                version = request.args.get("apiVersion")
                if version is not None and version not in API_VERSIONS:
                    return errors.problem(
                        400,
                        f"The HTTP resource that matches the request URI does not support "
                        f"the API version '{version}'.",
                        instance=request.path,
                    )
            view: Callable[..., Response] = getattr(self, endpoint)
            return view(request, **values)
        except RedstorProblem as exc:
            return errors.from_exception(exc, request.path)

    # -- auth ---------------------------------------------------------------------------------

    @staticmethod
    def _bearer(request: Request) -> str:
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            return header[7:].strip()
        return request.headers.get("X-Api-Key", "").strip()

    def _authorize(self, request: Request) -> Response | None:
        token = self._bearer(request)
        if not token:
            return errors.problem(
                401,
                "No bearer token was supplied.",
                instance=request.path,
                headers={"WWW-Authenticate": "Bearer"},
            )
        info = self.state.token_info(token)
        if info is None or info[2] <= dt.datetime.now(dt.UTC).timestamp():
            reason = "The token is invalid" if info is None else "The token expired"
            return errors.problem(
                401,
                f"{reason}.",
                instance=request.path,
                headers={
                    "WWW-Authenticate": f'Bearer error="invalid_token", '
                    f'error_description="{reason}"'
                },
            )
        needed = "api.read" if request.method in ("GET", "HEAD") else "api.write"
        if needed not in info[1]:
            return errors.problem(
                403,
                f"The access token lacks the scope {needed}.",
                instance=request.path,
                headers={
                    "WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{needed}"'
                },
            )
        return None

    def discovery(self, request: Request) -> Response:
        issuer = request.host_url.rstrip("/") + request.script_root
        return self.json(
            {
                "issuer": issuer,
                "token_endpoint": issuer + "/connect/token",
                "grant_types_supported": ["client_credentials"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                "token_endpoint_auth_signing_alg_values_supported": ["RS256", "PS256"],
                "scopes_supported": list(SCOPES),
            }
        )

    def token(self, request: Request) -> Response:
        """OAuth2 client credentials with a private_key_jwt client assertion (RFC 7523)."""
        form = request.form
        if form.get("grant_type") != "client_credentials":
            return errors.oauth_error("unsupported_grant_type", "Only client_credentials.")
        assertion = form.get("client_assertion", "")
        if form.get("client_assertion_type") != ASSERTION_TYPE or not assertion:
            return errors.oauth_error("invalid_client", "A client assertion is required.")
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            return errors.oauth_error("invalid_client", "The client assertion is malformed.")
        client_id = str(unverified.get("iss", ""))
        account = self.state.accounts.get(client_id)
        if account is None or form.get("client_id", client_id) != client_id:
            return errors.oauth_error("invalid_client", "Unknown client.")
        token_url = request.base_url
        issuer = token_url.rsplit("/connect/token", 1)[0]
        try:
            claims = jwt.decode(
                assertion,
                account.public_key,
                algorithms=["RS256", "PS256"],
                audience=[token_url, issuer],
                issuer=client_id,
                leeway=CLOCK_SKEW,
                options={"require": ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"]},
            )
        except jwt.PyJWTError as exc:
            return errors.oauth_error("invalid_client", f"Invalid client assertion: {exc}.")
        if claims["sub"] != client_id:
            return errors.oauth_error(
                "invalid_client", "The assertion's sub must be the client id."
            )
        if not self.state.use_jti(str(claims["jti"]), float(claims["exp"])):
            return errors.oauth_error("invalid_client", "The client assertion was already used.")
        requested = tuple(form.get("scope", " ".join(SCOPES)).split())
        if not requested or set(requested) - set(SCOPES):
            return errors.oauth_error("invalid_scope", "The requested scope is not allowed.")
        access_token = secrets.token_urlsafe(32)
        self.state.issue_token(access_token, client_id, requested)
        body = {
            "access_token": access_token,
            "expires_in": TOKEN_LIFETIME,
            "token_type": "Bearer",
            "scope": " ".join(requested),
        }
        return self.json(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    # -- paging -------------------------------------------------------------------------------

    def _page(
        self, request: Request, items: list[Any], render: Callable[[Any], Any] = lambda x: x
    ) -> Response:
        """maxResults/pageToken/shouldReturnCount -> {nextPageToken?, totalCount, results}."""
        token = request.args.get("pageToken")
        count = _bool(request, "shouldReturnCount")
        if token:
            page, size = _decode_token(token)
        else:
            page, size = 1, _int(request, "maxResults") or DEFAULT_RESULTS
            if not 1 <= size <= MAX_RESULTS:
                raise ValidationFailed(
                    {"maxResults": [f"The field maxResults must be between 1 and {MAX_RESULTS}."]}
                )
        if not items and page == 1:
            return Response(status=204)
        start = (page - 1) * size
        body: dict[str, Any] = {}
        if start + size < len(items):
            body["nextPageToken"] = _encode_token(page + 1, size, len(items))
        body["totalCount"] = len(items) if count and page == 1 else -1
        body["results"] = [render(item) for item in items[start : start + size]]
        return self.json(body)

    def _ordered(self, request: Request, companies: list[Company]) -> list[Company]:
        search = request.args.get("search")
        if search:
            companies = [c for c in companies if search.lower() in c.name.lower()]
        order = (request.args.get("orderBy") or "").lower()
        if order not in ("", "asc", "desc"):
            raise ValidationFailed({"orderBy": [f"The value '{order}' is not valid."]})
        if order:
            companies = sorted(companies, key=lambda c: c.name.lower(), reverse=order == "desc")
        return companies

    # -- companies ----------------------------------------------------------------------------

    def my_company(self, request: Request) -> Response:
        return self.json(self.state.root.as_json())

    def get_company(self, request: Request, company_id: str) -> Response:
        return self.json(self.state.company(company_id).as_json())

    def search_companies(self, request: Request) -> Response:
        text = request.args.get("search")
        if not text:
            raise ValidationFailed({"search": ["The search field is required."]})
        return self._page(request, self.state.search(text), lambda c: c.as_json())

    def list_customers(self, request: Request, company_id: str) -> Response:
        companies = self._ordered(request, self.state.direct(company_id))
        return self._page(request, companies, lambda c: c.as_json())

    def list_transitive(self, request: Request, company_id: str) -> Response:
        companies = self._ordered(request, self.state.transitive(company_id))
        return self._page(request, companies, lambda c: c.as_json())

    def create_customer(self, request: Request, company_id: str) -> Response:
        body = self.body(request)
        if not isinstance(body, dict):
            raise ValidationFailed({"": ["A non-empty request body is required."]})
        name = body.get("companyName")
        problems: dict[str, list[str]] = {}
        if not isinstance(name, str) or not name.strip():
            problems["CompanyName"] = ["The CompanyName field is required."]
        elif len(name) > 100:
            problems["CompanyName"] = ["The field CompanyName must be at most 100 characters."]
        type_ = body.get("type") or "Customer"
        if type_ not in ("Customer", "Partner"):
            problems["Type"] = [f"The value '{type_}' is not valid."]
        reference = body.get("externalReference")
        if reference is not None and (not isinstance(reference, str) or len(reference) > 64):
            problems["ExternalReference"] = [
                "The field ExternalReference must be a string of at most 64 characters."
            ]
        if problems:
            raise ValidationFailed(problems)
        assert isinstance(name, str)  # a missing or non-string name is a problem above
        admin = body.get("adminUser") if isinstance(body.get("adminUser"), dict) else None
        company = self.state.create_company(company_id, name.strip(), type_, reference, admin)
        self.mark(request, "create_tenant", company_id=company.company_id)
        return self.json(company.as_json(), 201)

    def delete_company(self, request: Request, company_id: str) -> Response:
        self.state.delete_company(company_id)
        self.mark(request, "delete_tenant", company_id=company_id)
        return Response(status=200)

    def disable_company(self, request: Request, company_id: str) -> Response:
        if self.state.set_enabled(company_id, False):
            self.mark(request, "suspend", company_id=company_id)
        return Response(status=200)

    def enable_company(self, request: Request, company_id: str) -> Response:
        if self.state.set_enabled(company_id, True):
            self.mark(request, "resume", company_id=company_id)
        return Response(status=200)

    def reassign_customer(self, request: Request, company_id: str, customer_id: str) -> Response:
        if self.state.reassign(company_id, customer_id):
            self.mark(request, "reassign", company_id=customer_id, parent=company_id)
        return Response(status=200)

    def list_users(self, request: Request) -> Response:
        company_id = request.args.get("companyId")
        if not company_id:
            raise ValidationFailed({"companyId": ["The companyId field is required."]})
        return self._page(request, self.state.users(company_id))

    # -- products and subscriptions -----------------------------------------------------------

    def list_products(self, request: Request) -> Response:
        return self.json(PRODUCTS)

    def get_product(self, request: Request, product_id: int) -> Response:
        product = PRODUCTS_BY_ID.get(product_id)
        if product is None:
            return errors.problem(
                404, f"Product {product_id} was not found.", instance=request.path
            )
        return self.json(product)

    def sub_json(self, sub: Subscription) -> dict[str, Any]:
        return sub.as_json(self.variant["trial_status"])

    def list_subscriptions(self, request: Request, company_id: str) -> Response:
        subs = self.state.company(company_id).subscriptions
        if self.variant["cancelled_subscriptions"] == "removed":
            subs = [s for s in subs if s.is_active]
        if not subs:
            return Response(status=204)
        return self.json([self.sub_json(s) for s in subs])

    def _add(self, request: Request, company_id: str, trial: bool) -> Response:
        body = self.body(request)
        if not isinstance(body, dict):
            raise ValidationFailed({"": ["A non-empty request body is required."]})
        sub = self.state.add_subscription(
            company_id,
            body.get("productId"),
            body.get("editionId"),
            body.get("licensedSeats"),
            trial,
        )
        self.mark(
            request,
            "add_trial" if trial else "add_subscription",
            company_id=company_id,
            subscription_id=sub.subscription_id,
        )
        return self.json(self.sub_json(sub))

    def add_subscription(self, request: Request, company_id: str) -> Response:
        return self._add(request, company_id, trial=False)

    def add_trial(self, request: Request, company_id: str) -> Response:
        return self._add(request, company_id, trial=True)

    def remove_subscription(
        self, request: Request, company_id: str, subscription_id: str
    ) -> Response:
        self.state.remove_subscription(company_id, subscription_id)
        self.mark(request, "cancel", company_id=company_id, subscription_id=subscription_id)
        return Response(status=200)

    def update_subscription(
        self, request: Request, company_id: str, subscription_id: str
    ) -> Response:
        body = self.body(request)
        seats = body.get("licensedSeats") if isinstance(body, dict) else None
        if self.state.set_subscription_seats(company_id, subscription_id, seats):
            self.mark(request, "change_seats", company_id=company_id, seats=seats)
        return self.json(self.sub_json(self.state.subscription(company_id, subscription_id)))

    def convert_trial(self, request: Request, company_id: str, subscription_id: str) -> Response:
        self.state.convert_trial(company_id, subscription_id)
        self.mark(request, "convert_trial", company_id=company_id, subscription_id=subscription_id)
        return Response(status=200)

    # -- consumption --------------------------------------------------------------------------

    def _month(self, request: Request) -> int:
        raw = request.args.get("date")
        if not raw:
            return self.state.month_index(None)
        try:
            day = dt.datetime.fromisoformat(raw.replace("Z", "+00:00")).date()
        except ValueError:
            raise ValidationFailed({"date": [f"The value '{raw}' is not valid."]})
        if day > dt.date.today():
            raise errors.Unprocessable("The date cannot be in the future.")
        index = self.state.month_index(day)
        return -1 if index is None else index

    def _rows(self, company: Company, index: int, exclude: bool) -> list[dict[str, Any]]:
        return [] if index < 0 else self.state.company_consumption(company, index, exclude)

    def consumption_company(self, request: Request, company_id: str) -> Response:
        company = self.state.company(company_id)
        rows = self._rows(company, self._month(request), _bool(request, "shouldExcludeTrials"))
        return self.json(rows) if rows else Response(status=204)

    def consumption_summary(self, request: Request, company_id: str) -> Response:
        company, index = self.state.company(company_id), self._month(request)
        exclude = _bool(request, "shouldExcludeTrials")
        below = [
            r for c in self.state.transitive(company_id) for r in self._rows(c, index, exclude)
        ]
        return self.json(
            {
                "companySummary": flatten(self._rows(company, index, exclude)),
                "customerSummary": flatten(below),
            }
        )

    def consumption_direct(self, request: Request, company_id: str) -> Response:
        index, exclude = self._month(request), _bool(request, "shouldExcludeTrials")

        def render(company: Company) -> dict[str, Any]:
            rows = self._rows(company, index, exclude)
            if company.type == "Partner":  # aggregate the reseller's whole tree per product
                rows = rows + [
                    r
                    for c in self.state.transitive(company.company_id)
                    for r in self._rows(c, index, exclude)
                ]
                rows = self._by_product(rows)
            return {
                "companyId": company.company_id,
                "companyName": company.name,
                "productConsumption": rows,
            }

        return self._page(request, self.state.direct(company_id), render)

    @staticmethod
    def _by_product(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        grouped: dict[int, list[dict[str, Any]]] = {}
        for row in rows:
            grouped.setdefault(row["productId"], []).append(row)
        return [
            {
                **flatten(group),
                "productId": pid,
                "productName": PRODUCTS_BY_ID[pid]["name"],
                "subscriptionId": None,
                "sku": None,
                "isTrial": all(r["isTrial"] for r in group),
            }
            for pid, group in grouped.items()
        ]

    def consumption_transitive(self, request: Request, company_id: str) -> Response:
        index, exclude = self._month(request), _bool(request, "shouldExcludeTrials")
        rows = [
            {
                **row,
                "companyId": c.company_id,
                "companyName": c.name,
                "parentCompanyId": c.parent_id,
            }
            for c in self.state.transitive(company_id)
            for row in self._rows(c, index, exclude)
        ]
        return self._page(request, rows)

    # -- backup and restore statuses ----------------------------------------------------------

    def _product_filter(
        self, request: Request, statuses: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        product_id = _int(request, "productId")
        return [s for s in statuses if product_id is None or s["productId"] == product_id]

    def _company_statuses(self, request: Request, company: Company, kind: str) -> dict[str, Any]:
        statuses = self.state.operation_statuses(company, kind)
        return {
            "companyId": company.company_id,
            "companyName": company.name,
            "statuses": self._product_filter(request, statuses),
        }

    @staticmethod
    def _sum_statuses(statuses: list[dict[str, Any]]) -> list[dict[str, Any]]:
        grouped: dict[int, dict[str, Any]] = {}
        for s in statuses:
            total = grouped.setdefault(
                s["productId"],
                {
                    "success": 0,
                    "errors": 0,
                    "warnings": 0,
                    "failed": 0,
                    "productName": s["productName"],
                    "productId": s["productId"],
                },
            )
            for name in ("success", "errors", "warnings", "failed"):
                total[name] += s[name]
        return list(grouped.values())

    def operation_status(self, request: Request, company_id: str, kind: str) -> Response:
        return self.json(self._company_statuses(request, self.state.company(company_id), kind))

    def operation_customers(self, request: Request, company_id: str, kind: str) -> Response:
        aggregate = _bool(request, "aggregate")

        def render(company: Company) -> dict[str, Any]:
            data = self._company_statuses(request, company, kind)
            if aggregate and company.type == "Partner":
                below = [
                    s
                    for c in self.state.transitive(company.company_id)
                    for s in self.state.operation_statuses(c, kind)
                ]
                data["statuses"] = self._sum_statuses(
                    data["statuses"] + self._product_filter(request, below)
                )
            return data

        return self._page(request, self.state.direct(company_id), render)

    def operation_accounts(self, request: Request, company_id: str, kind: str) -> Response:
        company = self.state.company(company_id)
        rows = self._product_filter(request, self.state.account_statuses(company, kind))
        return self._page(request, rows)

    def operation_summary(self, request: Request, company_id: str, kind: str) -> Response:
        company = self.state.company(company_id)
        below = [
            s
            for c in self.state.transitive(company_id)
            for s in self.state.operation_statuses(c, kind)
        ]
        return self.json(
            {
                "companySummary": self._company_statuses(request, company, kind),
                "customerSummary": self._sum_statuses(self._product_filter(request, below)),
            }
        )

    # -- test-facing mutations ----------------------------------------------------------------

    def set_tenant_status(self, external_id: str, status: str) -> None:
        self.state.set_tenant_status(external_id, status)

    def set_seats(self, external_id: str, seats: int) -> None:
        with self.lock:
            self.state.main_subscription(external_id).seats = seats

    def remove_tenant(self, external_id: str) -> None:
        with self.lock:
            for child in self.state.direct(external_id):
                self.state.reassign(self.state.root.company_id, child.company_id)
            self.state.delete_company(external_id)

    def set_usage(self, external_id: str, period_date: dt.date, values: dict[str, int]) -> None:
        self.state.set_usage(external_id, period_date, values)

    def expire_tokens(self) -> None:
        """Make every issued access token expire now (tests of the refresh path)."""
        self.state.expire_tokens()

    def consumption(self, external_id: str, period_date: dt.date) -> list[dict[str, Any]]:
        """The ConsumptionWithProduct rows the API serves for a tenant and month (tests)."""
        company = self.state.company(external_id)
        index = self.state.month_index(period_date)
        return [] if index is None else self.state.company_consumption(company, index, False)
