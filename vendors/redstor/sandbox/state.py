"""In-memory RedAPI state: the company tree, product subscriptions, consumption and OAuth clients.

No HTTP here (moto's models.py): routes call these methods and render what they return or raise.
Every public method takes ``self.lock`` so the threaded server sees consistent state.

Model (see docs/vendors/redstor.md for what is documented and what is assumed):
root partner (the service account's company) -> sub-partners (resellers) -> customer companies.
A tenant is a company of type ``Customer`` anywhere under the root. Each company holds product
subscriptions ``{subscriptionId, productId, editionId, trialStatus, isActive, licensedSeats}``.
Consumption is kept per subscription as one figure per month: 12 past months (seeded) plus the
current month; the other consumption fields derive from ``activeSeats`` with per-subscription
ratios so seeding 10,000 tenants stays cheap.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, overload

from vendors.sandbox import seeding

from .errors import NotFound, Unprocessable, ValidationFailed

GIB = 1024**3
#: Fair-use allowance per active seat before ``fupOverageInBytes`` counts (assumed figure).
FUP_BYTES_PER_SEAT = 50 * GIB
TOKEN_LIFETIME = 3600
SCOPES = ("api.read", "api.write")

#: The sandbox catalog. Product ids 4 (O365), 130 (Machines), 105 and 91 appear in the spec's
#: backup-status examples; names, editions and the bundle are assumptions.
PRODUCTS: list[dict[str, Any]] = [
    {
        "id": 4,
        "name": "Redstor Backup for Microsoft 365",
        "shortName": "O365",
        "description": "Cloud-to-cloud backup of Exchange, OneDrive, SharePoint and Teams.",
        "children": [],
        "editions": [
            {"id": 41, "name": "Standard", "hasTrial": True},
            {"id": 42, "name": "Advanced", "hasTrial": True},
        ],
    },
    {
        "id": 130,
        "name": "Redstor Backup for Machines",
        "shortName": "Machines",
        "description": "Backup and recovery for servers, desktops and laptops.",
        "children": [],
        "editions": [
            {"id": 1301, "name": "Server", "hasTrial": True},
            {"id": 1302, "name": "Endpoint", "hasTrial": True},
        ],
    },
    {
        "id": 105,
        "name": "Redstor Backup for Google Workspace",
        "shortName": "GWS",
        "description": "Cloud-to-cloud backup of Gmail, Drive and Calendar.",
        "children": [],
        "editions": [{"id": 1051, "name": "Standard", "hasTrial": True}],
    },
    {
        "id": 91,
        "name": "Redstor Backup for Salesforce",
        "shortName": "Salesforce",
        "description": "Backup of Salesforce organisations.",
        "children": [],
        "editions": [{"id": 911, "name": "Standard", "hasTrial": False}],
    },
    {
        "id": 150,
        "name": "Redstor Protect Suite",
        "shortName": "Suite",
        "description": "Microsoft 365 and Machines backup in one subscription.",
        "children": ["O365", "Machines"],
        "editions": [{"id": 1501, "name": "Complete", "hasTrial": False}],
    },
]
PRODUCTS_BY_ID = {p["id"]: p for p in PRODUCTS}
EDITIONS = {e["id"]: (p, e) for p in PRODUCTS for e in p["editions"]}
SEEDED_PRODUCTS = [p for p in PRODUCTS if not p["children"]]
TRIAL_PRODUCTS = [p for p in SEEDED_PRODUCTS if all(e["hasTrial"] for e in p["editions"])]

#: Trial lifecycle values; the spec shows only "NotUsed", the others are assumed (a running
#: trial is rendered as the variant ``trial_status`` reads it).
TRIAL_NOT_USED, TRIAL_IN_PROGRESS, TRIAL_CONVERTED, TRIAL_EXPIRED = (
    "NotUsed",
    "InProgress",
    "Converted",
    "Expired",
)
CONSUMPTION_FIELDS = (
    "activeSeats",
    "inactiveSeats",
    "sharedSeats",
    "activeWorkloads",
    "totalDataProtectedInBytes",
    "totalDataProtectedInBytesExternal",
    "fupOverageInBytes",
)
#: set_usage also takes the portal's metric names for convenience in tests.
METRIC_FIELDS = {
    "seats_used": "activeSeats",
    "workloads": "activeWorkloads",
    "protected_bytes": "totalDataProtectedInBytes",
    "overage_bytes": "fupOverageInBytes",
}


def product_code(product: dict[str, Any], edition: dict[str, Any]) -> str:
    """The portal-facing code of one product edition (the adapter builds the same string)."""
    return f"{product['shortName']}:{edition['name']}"


def sku(product: dict[str, Any], edition: dict[str, Any]) -> str:
    return f"{product['shortName']}-{edition['name']}".upper()


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass(slots=True)
class Subscription:
    subscription_id: str
    product_id: int
    edition_id: int
    seats: int | None
    trial_status: str = TRIAL_NOT_USED
    is_active: bool = True
    #: activeSeats per month index (see RedstorState.months); None where there is no figure.
    active: list[int | None] = field(default_factory=list)
    #: (inactive ratio, shared ratio, workloads per seat, bytes per seat, external ratio)
    ratios: tuple[float, float, int, int, float] = (0.0, 0.0, 1, 10 * GIB, 0.0)
    overrides: dict[int, dict[str, int]] = field(default_factory=dict)

    def as_json(self, running_trial: str = TRIAL_IN_PROGRESS) -> dict[str, Any]:
        """ProductSubscription exactly as the V1 document shows it (no seat count); a running
        trial's ``trialStatus`` is the reading in force (variant ``trial_status``)."""
        return {
            "subscriptionId": self.subscription_id,
            "productId": self.product_id,
            "editionId": self.edition_id,
            "trialStatus": running_trial if self.is_trial else self.trial_status,
            "isActive": self.is_active,
        }

    @property
    def is_trial(self) -> bool:
        return self.trial_status == TRIAL_IN_PROGRESS


@dataclass(slots=True)
class Company:
    company_id: str
    name: str
    type: str
    parent_id: str | None
    is_enabled: bool = True
    reference: str | None = None
    users: list[dict[str, Any]] = field(default_factory=list)
    subscriptions: list[Subscription] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = {
            "companyId": self.company_id,
            "companyName": self.name,
            "isEnabled": self.is_enabled,
            "type": self.type,
            "parentCompanyId": self.parent_id,
        }
        if self.reference:
            data["externalReference"] = self.reference
        return data


@dataclass(slots=True)
class ServiceAccount:
    client_id: str
    public_key: Any
    company_id: str


class RedstorState:
    def __init__(self, lock: threading.RLock, rng_seed: int = 0) -> None:
        self.lock = lock
        self.rng = random.Random(f"redstor-state-{rng_seed}")
        self.companies: dict[str, Company] = {}
        self.children: dict[str, list[str]] = {}
        self.names: dict[str, str] = {}  # lower-case name -> company id, within the root tree
        self.accounts: dict[str, ServiceAccount] = {}
        self.tokens: dict[str, tuple[str, tuple[str, ...], float]] = {}
        self.used_jtis: dict[str, float] = {}
        self.months = [*seeding.last_months(12), dt.date.today().replace(day=1)]
        self._month_index = {m: i for i, m in enumerate(self.months)}
        self._tree_cache: dict[str, list[Company]] = {}
        root_rng = random.Random(f"redstor-root-{rng_seed}")
        self.root = self._add_company(_uuid(root_rng), "Channel Distribution Ltd", "Partner", None)
        self.root.users.append(
            self._user(root_rng, self.root, "Partner Admin", "admin@distributor.example")
        )
        # Another distributor's tree: present at the vendor, invisible to our service account.
        other = self._add_company(_uuid(root_rng), "Other Distributor plc", "Partner", None)
        self._add_company(_uuid(root_rng), "Not Our Customer Ltd", "Customer", other.company_id)

    # -- OAuth clients ------------------------------------------------------------------------

    def add_service_account(self, client_id: str, public_key: Any) -> None:
        with self.lock:
            self.accounts[client_id] = ServiceAccount(client_id, public_key, self.root.company_id)

    def use_jti(self, jti: str, expires: float) -> bool:
        """Remember an assertion id until it expires; False when it was seen before (replay)."""
        with self.lock:
            now = time.time()
            if len(self.used_jtis) > 10_000:
                self.used_jtis = {k: v for k, v in self.used_jtis.items() if v > now}
            if jti in self.used_jtis:
                return False
            self.used_jtis[jti] = max(expires, now + 600)
            return True

    def issue_token(self, token: str, client_id: str, scopes: tuple[str, ...]) -> None:
        with self.lock:
            self.tokens[token] = (client_id, scopes, time.time() + TOKEN_LIFETIME)

    def token_info(self, token: str) -> tuple[str, tuple[str, ...], float] | None:
        with self.lock:
            return self.tokens.get(token)

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = {k: (c, s, 0.0) for k, (c, s, _) in self.tokens.items()}

    # -- the company tree ---------------------------------------------------------------------

    def _add_company(
        self,
        company_id: str,
        name: str,
        type_: str,
        parent_id: str | None,
        reference: str | None = None,
    ) -> Company:
        company = Company(company_id, name, type_, parent_id, reference=reference)
        self.companies[company_id] = company
        self.children.setdefault(company_id, [])
        if parent_id is not None:
            self.children.setdefault(parent_id, []).append(company_id)
        self._tree_cache.clear()
        return company

    def in_tree(self, company: Company) -> bool:
        """True for the root and every company below it: the service account's reach."""
        node: Company | None = company
        while node is not None:
            if node.company_id == self.root.company_id:
                return True
            node = self.companies.get(node.parent_id) if node.parent_id else None
        return False

    def company(self, company_id: str) -> Company:
        with self.lock:
            company = self.companies.get(company_id)
            if company is None or not self.in_tree(company):
                raise NotFound(f"Company {company_id} was not found.")
            return company

    def direct(self, company_id: str) -> list[Company]:
        with self.lock:
            self.company(company_id)
            return [self.companies[c] for c in self.children.get(company_id, [])]

    def transitive(self, company_id: str) -> list[Company]:
        """Every company below ``company_id``, depth first, in creation order per level."""
        with self.lock:
            self.company(company_id)
            cached = self._tree_cache.get(company_id)
            if cached is None:
                cached, stack = [], list(reversed(self.children.get(company_id, [])))
                while stack:
                    node = self.companies[stack.pop()]
                    cached.append(node)
                    stack.extend(reversed(self.children.get(node.company_id, [])))
                self._tree_cache[company_id] = cached
            return list(cached)

    def tenants(self) -> list[Company]:
        return [c for c in self.transitive(self.root.company_id) if c.type == "Customer"]

    def search(self, text: str) -> list[Company]:
        needle = text.lower()
        return [c for c in self.transitive(self.root.company_id) if needle in c.name.lower()]

    def create_company(
        self,
        parent_id: str,
        name: str,
        type_: str,
        reference: str | None = None,
        admin: dict[str, Any] | None = None,
    ) -> Company:
        with self.lock:
            parent = self.company(parent_id)
            if parent.type != "Partner":
                raise Unprocessable("Only a partner company can have customers.")
            if name.lower() in self.names:
                raise ValidationFailed(
                    {"CompanyName": [f"A company named '{name}' already exists."]}
                )
            company = self._add_company(_uuid(self.rng), name, type_, parent_id, reference)
            self.names[name.lower()] = company.company_id
            if admin and admin.get("email"):
                company.users.append(
                    self._user(self.rng, company, admin.get("name", ""), admin["email"])
                )
            return company

    def set_enabled(self, company_id: str, enabled: bool) -> bool:
        """Enable or disable; True when that changed something."""
        with self.lock:
            company = self.company(company_id)
            if company.company_id == self.root.company_id:
                raise Unprocessable("The root company cannot be disabled or enabled.")
            changed = company.is_enabled != enabled
            company.is_enabled = enabled
            return changed

    def delete_company(self, company_id: str) -> None:
        with self.lock:
            company = self.company(company_id)
            if company.company_id == self.root.company_id:
                raise Unprocessable("The root company cannot be deleted.")
            if self.children.get(company_id):
                raise Unprocessable("A company with customers cannot be deleted.")
            assert company.parent_id is not None  # only the root has no parent
            del self.companies[company_id]
            self.children.pop(company_id, None)
            self.children[company.parent_id].remove(company_id)
            self.names.pop(company.name.lower(), None)
            self._tree_cache.clear()

    def reassign(self, company_id: str, customer_id: str) -> bool:
        with self.lock:
            target, customer = self.company(company_id), self.company(customer_id)
            if target.type != "Partner":
                raise Unprocessable("Customers can only be assigned to a partner company.")
            if customer.company_id == self.root.company_id or customer_id == company_id:
                raise Unprocessable("This company cannot be reassigned.")
            if any(c.company_id == company_id for c in self.transitive(customer_id)):
                raise Unprocessable("A company cannot be moved below itself.")
            if customer.parent_id == company_id:
                return False
            assert customer.parent_id is not None  # only the root has no parent
            self.children[customer.parent_id].remove(customer_id)
            self.children[company_id].append(customer_id)
            customer.parent_id = company_id
            self._tree_cache.clear()
            return True

    def _user(self, rng: random.Random, company: Company, name: str, email: str) -> dict[str, Any]:
        return {
            "userId": _uuid(rng),
            "name": name,
            "email": email,
            "dateCreated": "2024-01-15T09:30:00.000+00:00",
            "role": "Administrator",
            "companyId": company.company_id,
        }

    def users(self, company_id: str) -> list[dict[str, Any]]:
        with self.lock:
            company = self.company(company_id)
            return [
                {
                    **user,
                    "companyName": company.name,
                    "enabled": company.is_enabled,
                    "verified": True,
                    "sso": None,
                }
                for user in company.users
            ]

    # -- subscriptions ------------------------------------------------------------------------

    def subscription(self, company_id: str, subscription_id: str) -> Subscription:
        with self.lock:
            for sub in self.company(company_id).subscriptions:
                if sub.subscription_id == subscription_id:
                    return sub
            raise NotFound(f"Subscription {subscription_id} was not found.")

    def add_subscription(
        self, company_id: str, product_id: Any, edition_id: Any, seats: Any, trial: bool
    ) -> Subscription:
        with self.lock:
            company = self.company(company_id)
            errors: dict[str, list[str]] = {}
            product = PRODUCTS_BY_ID.get(product_id) if isinstance(product_id, int) else None
            if product is None:
                errors["productId"] = [f"The product '{product_id}' does not exist."]
            editions = {e["id"]: e for e in product["editions"]} if product else {}
            if edition_id is None and product:
                edition_id = product["editions"][0]["id"]
            if product and edition_id not in editions:
                errors["editionId"] = [
                    f"The edition '{edition_id}' is not offered for this product."
                ]
            if seats is not None and (
                not isinstance(seats, int) or isinstance(seats, bool) or seats < 1
            ):
                errors["licensedSeats"] = ["The field licensedSeats must be between 1 and 100000."]
            if errors:
                raise ValidationFailed(errors)
            assert product is not None  # an unknown product is an error above
            if not company.is_enabled:
                raise Unprocessable("The company is disabled.")
            mine = [s for s in company.subscriptions if s.product_id == product_id]
            if any(s.is_active for s in mine):
                raise Unprocessable(f"The company is already subscribed to {product['name']}.")
            if trial:
                if not editions[edition_id]["hasTrial"]:
                    raise Unprocessable("No trial is available for this product edition.")
                if any(s.trial_status != TRIAL_NOT_USED for s in mine):
                    raise Unprocessable("The trial for this product has already been used.")
            sub = Subscription(
                _uuid(self.rng),
                product_id,
                edition_id,
                seats,
                TRIAL_IN_PROGRESS if trial else TRIAL_NOT_USED,
                active=[None] * (len(self.months) - 1) + [0],
            )
            company.subscriptions.append(sub)
            return sub

    def remove_subscription(self, company_id: str, subscription_id: str) -> None:
        with self.lock:
            sub = self.subscription(company_id, subscription_id)
            if not sub.is_active:
                raise NotFound(f"Subscription {subscription_id} was not found.")
            sub.is_active = False

    def convert_trial(self, company_id: str, subscription_id: str) -> None:
        with self.lock:
            sub = self.subscription(company_id, subscription_id)
            if not (sub.is_active and sub.trial_status == TRIAL_IN_PROGRESS):
                raise Unprocessable("The subscription is not an active trial.")
            sub.trial_status = TRIAL_CONVERTED

    def set_subscription_seats(self, company_id: str, subscription_id: str, seats: Any) -> bool:
        with self.lock:
            sub = self.subscription(company_id, subscription_id)
            if not isinstance(seats, int) or isinstance(seats, bool) or seats < 1:
                raise ValidationFailed(
                    {"licensedSeats": ["The field licensedSeats must be between 1 and 100000."]}
                )
            if not sub.is_active:
                raise Unprocessable("The subscription is not active.")
            changed = sub.seats != seats
            sub.seats = seats
            return changed

    # -- consumption --------------------------------------------------------------------------

    @overload
    def month_index(self, day: None) -> int: ...
    @overload
    def month_index(self, day: dt.date) -> int | None: ...
    def month_index(self, day: dt.date | None) -> int | None:
        """Index of the month holding ``day`` (None: the current month); None when unknown."""
        if day is None:
            return len(self.months) - 1
        return self._month_index.get(day.replace(day=1))

    def consumption_row(self, sub: Subscription, index: int) -> dict[str, Any] | None:
        """One ConsumptionWithProduct for a month, or None when the subscription had none."""
        current = index == len(self.months) - 1
        if current and not sub.is_active:
            return None
        seats = sub.active[index] if index < len(sub.active) else None
        if seats is None:
            return None
        inactive, shared, per_seat, bytes_per_seat, external = sub.ratios
        protected = seats * bytes_per_seat
        figures = {
            "activeSeats": seats,
            "inactiveSeats": round(seats * inactive),
            "sharedSeats": round(seats * shared),
            "activeWorkloads": seats * per_seat,
            "totalDataProtectedInBytes": protected,
            "totalDataProtectedInBytesExternal": round(protected * external),
            "fupOverageInBytes": max(0, protected - seats * FUP_BYTES_PER_SEAT),
        }
        figures.update(sub.overrides.get(index, {}))
        product, edition = EDITIONS[sub.edition_id]
        return {
            **{name: figures[name] for name in CONSUMPTION_FIELDS},
            "productId": sub.product_id,
            "productName": product["name"],
            "subscriptionId": sub.subscription_id,
            "sku": sku(product, edition),
            "isTrial": current and sub.is_trial,
        }

    def company_consumption(
        self, company: Company, index: int, exclude_trials: bool
    ) -> list[dict[str, Any]]:
        with self.lock:
            rows = (self.consumption_row(s, index) for s in company.subscriptions)
            return [r for r in rows if r and not (exclude_trials and r["isTrial"])]

    # -- seeding ------------------------------------------------------------------------------

    def seed(self, count: int, seed: int = 0) -> None:
        """``count`` customer tenants; ~4% sit under seeded resellers, reached transitively."""
        rng = random.Random(seed)
        with self.lock:
            partners = [
                self._add_company(
                    _uuid(rng),
                    f"Reseller {n + 1:03d} Partners Ltd",
                    "Partner",
                    self.root.company_id,
                )
                for n in range(count // 25)
            ]
            for partner in partners:
                self.names[partner.name.lower()] = partner.company_id
            history = len(self.months) - 1
            for index in range(count):
                name = seeding.company_name(rng, index)
                parent = rng.choice(partners) if partners and rng.random() < 0.2 else self.root
                company = self._add_company(_uuid(rng), name, "Customer", parent.company_id)
                self.names[name.lower()] = company.company_id
                person = seeding.contact(rng, name)
                company.users.append(
                    self._user(
                        rng,
                        company,
                        f"{person['first_name']} {person['last_name']}",
                        person["email"],
                    )
                )
                status = seeding.weighted_status(rng)
                if status == "trial":
                    products = [rng.choice(TRIAL_PRODUCTS)]
                else:
                    products = rng.sample(SEEDED_PRODUCTS, rng.choice((2, 3, 3, 4)))
                for product in products:
                    edition = rng.choice(product["editions"])
                    seats = rng.choice((5, 10, 15, 20, 25, 40, 50, 100))
                    sub = Subscription(
                        _uuid(rng),
                        product["id"],
                        edition["id"],
                        seats,
                        ratios=(
                            rng.uniform(0.0, 0.15),
                            rng.uniform(0.0, 0.1),
                            rng.choice((1, 1, 2, 3)),
                            rng.randint(5, 80) * GIB,
                            rng.choice((0.0, 0.0, 0.25)),
                        ),
                    )
                    if status == "trial":
                        sub.trial_status = TRIAL_IN_PROGRESS
                        sub.active = [None] * history + [max(1, seats // 2)]
                    else:
                        if rng.random() < 0.2 and edition["hasTrial"]:
                            sub.trial_status = TRIAL_CONVERTED
                        series = seeding.usage_series(rng, seats, history + 1)
                        sub.active = list(series)
                        sub.is_active = status != "cancelled"
                    company.subscriptions.append(sub)
                company.is_enabled = status != "suspended"

    # -- test-facing mutations ("the vendor changed something behind our back") ---------------

    def set_tenant_status(self, company_id: str, status: str) -> None:
        with self.lock:
            company = self.company(company_id)
            if status == "suspended":
                company.is_enabled = False
                return
            company.is_enabled = True
            for sub in company.subscriptions:
                if status == "cancelled":
                    sub.is_active = False
                elif status == "trial":
                    sub.is_active, sub.trial_status = True, TRIAL_IN_PROGRESS
                elif status == "active":
                    sub.is_active = True
                    if sub.trial_status == TRIAL_IN_PROGRESS:
                        sub.trial_status = TRIAL_CONVERTED
                else:
                    raise ValueError(f"unknown status {status!r}")

    def main_subscription(self, company_id: str) -> Subscription:
        with self.lock:
            subs = self.company(company_id).subscriptions
            if not subs:
                raise NotFound(f"Company {company_id} has no subscription.")
            return subs[0]

    def set_usage(self, company_id: str, period: dt.date, values: dict[str, int]) -> None:
        with self.lock:
            sub = self.main_subscription(company_id)
            index = self.month_index(period)
            if index is None:
                raise ValueError(f"{period} is outside the sandbox's 13 months")
            fields = {METRIC_FIELDS.get(k, k): int(v) for k, v in values.items()}
            unknown = set(fields) - set(CONSUMPTION_FIELDS)
            if unknown:
                raise ValueError(f"unknown consumption fields: {sorted(unknown)}")
            if sub.active[index] is None:
                sub.active[index] = fields.get("activeSeats", 0)
            if "activeSeats" in fields:
                sub.active[index] = fields["activeSeats"]
            sub.overrides.setdefault(index, {}).update(fields)

    # -- derived views ------------------------------------------------------------------------

    @staticmethod
    def status(company: Company) -> str:
        """The portal-level status this company should read as (the snapshot's ``status``)."""
        if not company.is_enabled:
            return "suspended"
        live = [s for s in company.subscriptions if s.is_active]
        if not company.subscriptions:
            return "pending"
        if not live:
            return "cancelled"
        return "trial" if all(s.is_trial for s in live) else "active"

    def operation_statuses(self, company: Company, kind: str) -> list[dict[str, Any]]:
        """Backup/restore job counts per product; derived from ids so they are stable."""
        statuses = []
        for sub in company.subscriptions:
            if not sub.is_active:
                continue
            rng = random.Random(zlib.crc32(f"{sub.subscription_id}:{kind}".encode()))
            runs = (sub.seats or 5) * (30 if kind == "backups" else 1)
            statuses.append(
                {
                    "success": rng.randint(runs // 2, runs),
                    "errors": rng.choice((0, 0, 0, 1, 2)),
                    "warnings": rng.choice((0, 0, 1, 3)),
                    "failed": rng.choice((0, 0, 0, 0, 1)),
                    "productName": PRODUCTS_BY_ID[sub.product_id]["shortName"],
                    "productId": sub.product_id,
                }
            )
        return statuses

    def account_statuses(self, company: Company, kind: str) -> list[dict[str, Any]]:
        rows = []
        domain = "".join(ch for ch in company.name.lower() if ch.isalnum())[:24]
        for sub in company.subscriptions:
            if not sub.is_active:
                continue
            rng = random.Random(zlib.crc32(f"{sub.subscription_id}:{kind}:accounts".encode()))
            group = _uuid(rng).upper()
            for n in range(min(sub.seats or 1, 5)):
                row = {
                    "accountId": _uuid(rng).upper(),
                    "accountName": f"user{n + 1}@{domain}.example",
                    "status": rng.choice((1, 1, 1, 2, 3)),
                    "productId": sub.product_id,
                    "companyId": company.company_id,
                    "timestamp": f"{self.months[-1]:%Y-%m}-0{1 + n}T02:40:28+00:00",
                }
                row["BackupSetGuid" if sub.product_id == 130 else "groupId"] = group
                rows.append(row)
        return rows

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "root": self.root.as_json(),
                "partners": [
                    c.as_json()
                    for c in self.transitive(self.root.company_id)
                    if c.type == "Partner"
                ],
                "products": PRODUCTS,
                "tenants": [self._tenant_json(c) for c in self.tenants()],
            }

    def _tenant_json(self, company: Company) -> dict[str, Any]:
        subs = []
        for sub in company.subscriptions:
            product, edition = EDITIONS[sub.edition_id]
            subs.append(
                {
                    **sub.as_json(),
                    "external_id": sub.subscription_id,
                    "product_code": product_code(product, edition),
                    "seats": None,  # no documented field carries a seat count
                    "licensed_seats": sub.seats,
                    "is_trial": sub.is_trial,
                }
            )
        return {
            **company.as_json(),
            "external_id": company.company_id,
            "name": company.name,
            "reference": company.reference or "",
            "status": self.status(company),
            "parent_external_id": company.parent_id,
            "subscriptions": subs,
        }


def flatten(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Sum consumption rows into the Summary object's fields."""
    total = dict.fromkeys(CONSUMPTION_FIELDS, 0)
    for row in rows:
        for name in CONSUMPTION_FIELDS:
            total[name] += row[name]
    return total
