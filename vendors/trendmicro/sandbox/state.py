"""In-memory LMPI state: the partner's catalog, customers, subscriptions and monthly usage.

No HTTP here (moto's ``models.py``): routes call these methods under ``self.lock`` and render
what they return. Business rules the LMPI docs leave open are chosen here and listed in
``docs/vendors/trendmicro.md``; the main ones:

- one subscription per product per customer (``.../serviceplan/{id}/getid`` returns a single
  subscription id per plan), except that a customer on a product's trial may be subscribed to
  its full plan: that is a new subscription beside the trial (Subscriptions :: Create answers a
  new ``subscription_id``), or, in the ``trial_conversion=in_place`` reading, the trial turned
  into the full subscription (the "License Convert" transaction);
- LMPI has no "suspended" flag: suspend switches auto-renewal off and sets the licence
  expiration date to today (or the given date); unsuspend restores both;
- a customer's main subscription is the enabled one with the earliest licence start (ties:
  lowest id); disabled ones come after.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from vendors.sandbox import seeding

from .errors import LmpiError, invalid, not_found

PARTNER_NAME = "Channel Portal Sandbox Distributor"
REPORT_RETENTION_MONTHS = 24  # "data kept 2 years" (Reports :: Customer summary)
MAX_UNITS = 999_999


@dataclass(frozen=True)
class Product:
    product_id: str
    name: str
    code: str
    type: str
    unit: str


@dataclass(frozen=True)
class ServicePlan:
    plan_id: str
    name: str
    product_id: str
    version: str  # "full" | "trial"
    period_months: int
    auto_renewal: bool


# A fixed catalog (not seeded): the same product and plan ids in every sandbox run.
PRODUCTS: tuple[Product, ...] = (
    Product(
        "4ed77d5e-b656-49b2-948c-86236d7ff05f",
        "Worry-Free Business Security Services",
        "NNZBXXE1X",
        "SaaS",
        "Seat",
    ),
    Product(
        "b54de255-bece-4195-9419-c0bbc477faf5", "Cloud App Security", "CCZBXXE1X", "SaaS", "User"
    ),
    Product(
        "7c1e3a52-0f4b-4c55-9a0e-2d6f1f0b8a31",
        "Trend Micro Email Security Advanced",
        "TMEAXXE1X",
        "SaaS",
        "User",
    ),
    Product(
        "e2a9f4c0-5b7d-4e8a-8f36-91c2d0a7b4e5",
        "Deep Security as a Service",
        "DSZBXXE1X",
        "SaaS",
        "Seat",
    ),
)
SERVICE_PLANS: tuple[ServicePlan, ...] = tuple(
    plan
    for index, product in enumerate(PRODUCTS)
    for plan in (
        ServicePlan(
            f"000f8ba4-796b-45b8-996e-81a21a4d3{index:03d}",
            f"{product.name} - 12 months",
            product.product_id,
            "full",
            12,
            True,
        ),
        ServicePlan(
            f"d7871905-3c40-4869-b90f-ad334d073{index:03d}",
            f"{product.name} - Trial",
            product.product_id,
            "trial",
            1,
            False,
        ),
    )
)
_CITIES = (
    ("London", "England", "GB"),
    ("Manchester", "England", "GB"),
    ("Munich", "Bavaria", "DE"),
    ("Milan", "Lombardy", "IT"),
    ("Lyon", "Auvergne-Rhone-Alpes", "FR"),
    ("Utrecht", "Utrecht", "NL"),
    ("Austin", "Texas", "US"),
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def iso(value: dt.datetime | dt.date) -> str:
    """LMPI timestamps: ``YYYY-MM-DDThh:mm:ssZ`` (dates are midnight UTC)."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(), dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass
class Customer:
    customer_id: str
    name: str
    city: str
    state: str
    country: str
    user: dict[str, Any]
    created: dt.datetime
    modified: dt.datetime
    address: str = ""
    postal_code: str = ""
    note: str = ""
    emergency_email: str = ""
    status: int = 1  # v3 Customers :: Query shows an int status (1 = active); nothing else is known

    def as_json(self) -> dict[str, Any]:
        """Customers :: Update response shape (also used for the assumed Customers :: Get)."""
        return {
            "customer_id": self.customer_id,
            "name": self.name,
            "address": self.address,
            "city": self.city,
            "state": self.state,
            "postal_code": self.postal_code,
            "country": self.country,
            "note": self.note,
            "emergency_email": self.emergency_email,
        }


@dataclass
class Subscription:
    subscription_id: str
    customer_id: str
    plan_id: str
    units: int
    license_start: dt.date
    license_expiration: dt.date
    ac_code: str
    created: dt.datetime
    modified: dt.datetime
    auto_renewal: bool
    enabled: bool = True
    suspended: bool = False
    #: The expiration date before suspension, restored by unsuspend.
    resume_expiration: dt.date | None = None
    usage: dict[dt.date, list[int]] = field(default_factory=dict)  # month -> [provisioned, used]

    def sort_key(self) -> tuple[bool, dt.date, str]:
        return (not self.enabled, self.license_start, self.subscription_id)


class TrendMicroState:
    """One LMPI partner account: catalog, customers and their subscriptions."""

    def __init__(self, lock: threading.RLock, rng_seed: int = 0) -> None:
        self.lock = lock
        key_rng = random.Random(f"trendmicro-keys-{rng_seed}")
        self.partner_id = guid(key_rng)
        self.access_token = guid(key_rng)
        self.secret_key = "".join(key_rng.choices("abcdefghijkmnpqrstuvwxyz23456789", k=32))
        self.products = {p.product_id: p for p in PRODUCTS}
        self.plans = {p.plan_id: p for p in SERVICE_PLANS}
        self.customers: dict[str, Customer] = {}
        self.subscriptions: dict[str, Subscription] = {}
        self.by_customer: dict[str, list[str]] = {}
        self.login_names: set[str] = set()
        self.rng = random.Random(f"trendmicro-ids-{rng_seed}")

    # -- derived status (the sandbox's truth; the adapter derives the same from the payloads) --

    def subscription_status(self, sub: Subscription, today: dt.date | None = None) -> str:
        if not sub.enabled:
            return "cancelled"
        if sub.suspended:
            return "suspended"
        if self.plans[sub.plan_id].version == "trial":
            return "expired" if sub.license_expiration < (today or utcnow().date()) else "trial"
        return "active"

    def customer_subscriptions(self, customer_id: str) -> list[Subscription]:
        subs = [self.subscriptions[sid] for sid in self.by_customer.get(customer_id, [])]
        return sorted(subs, key=Subscription.sort_key)

    def tenant_status(self, customer_id: str) -> str:
        statuses = {self.subscription_status(s) for s in self.customer_subscriptions(customer_id)}
        for status in ("active", "trial", "suspended"):
            if status in statuses:
                return status
        return "cancelled" if statuses else "pending"

    # -- seeding ---------------------------------------------------------------------------------

    def seed(self, count: int, seed: int = 0) -> None:
        """``count`` customers with ~3 subscriptions each, a status mix and 12 months of usage."""
        rng = random.Random(seed)
        # Anchored at today's midnight so the same seed gives the same data all day.
        now = utcnow().replace(hour=0, minute=0, second=0)
        months = seeding.last_months(12, now.date())
        for index in range(count):
            status = seeding.weighted_status(rng)
            name = seeding.company_name(rng, index)
            person = seeding.contact(rng, name)
            days_old = rng.randint(3, 25) if status == "trial" else rng.randint(400, 1100)
            created = now - dt.timedelta(days=days_old, seconds=rng.randint(0, 86399))
            city, state, country = rng.choice(_CITIES)
            customer = self._add_customer(
                {"name": name, "city": city, "state": state, "country": country},
                {
                    "login_name": f"admin{index:05d}-{person['email']}",
                    "first_name": person["first_name"],
                    "last_name": person["last_name"],
                    "email": person["email"],
                    "time_zone": "GMT Standard Time",
                    "language": "en-US",
                },
                created,
                rng,
            )
            version = "trial" if status == "trial" else "full"
            for offset, product in enumerate(rng.sample(PRODUCTS, 3)):
                plan = self._plan_for(product.product_id, version)
                start = created.date() + dt.timedelta(days=offset)
                units = rng.choice((5, 10, 15, 20, 25, 50, 100, 250))
                sub = self._add_subscription(customer, plan, units, start, created, rng)
                sub.enabled = status != "cancelled"
                if status == "suspended":
                    suspended_on = now - dt.timedelta(days=rng.randint(1, 60))
                    self._suspend(sub, suspended_on.date())
                    sub.modified = suspended_on
                if version == "full":
                    for month, used in zip(months, seeding.usage_series(rng, units), strict=True):
                        sub.usage[month] = [units, used]

    # -- customers ---------------------------------------------------------------------------------

    def _add_customer(
        self,
        company: dict[str, Any],
        user: dict[str, Any],
        created: dt.datetime,
        rng: random.Random,
    ) -> Customer:
        customer = Customer(
            customer_id=guid(rng),
            name=company["name"],
            city=company["city"],
            state=company["state"],
            country=company["country"],
            address=company.get("address") or "",
            postal_code=company.get("postal_code") or "",
            note=company.get("note") or "",
            emergency_email=company.get("emergency_email") or "",
            user={"user_id": guid(rng), "status": 1, "phone": user.get("phone") or {}, **user},
            created=created,
            modified=created,
        )
        self.customers[customer.customer_id] = customer
        self.by_customer[customer.customer_id] = []
        self.login_names.add(user["login_name"].lower())
        return customer

    def create_customer(self, company: Any, user: Any) -> Customer:
        """Customers :: Create (v2 ``user`` / v3 ``contact``); validation per the field table."""
        if not isinstance(company, dict):
            raise invalid("company", "company is required.")
        for key, limit in (("name", 128), ("city", 64), ("state", 64)):
            value = company.get(key)
            if not isinstance(value, str) or not 1 <= len(value.strip()) <= limit:
                raise invalid(key, f"{key} is required and must be 1-{limit} characters.")
        country = company.get("country")
        if not isinstance(country, str) or len(country) != 2 or not country.isalpha():
            raise invalid("country", "country must be an ISO 3166-1 alpha-2 code.")
        if not isinstance(user, dict):
            raise invalid("user", "user is required.")
        for key in ("login_name", "first_name", "last_name", "email"):
            if not isinstance(user.get(key), str) or not user[key].strip():
                raise invalid(key, f"{key} is required.")
        if "@" not in user["email"]:
            raise invalid("email", "email is not a valid address.")
        if user["login_name"].lower() in self.login_names:
            raise invalid("login_name", "The login name is already in use.")
        user = {"time_zone": "GMT Standard Time", "language": "en-US", **user}
        return self._add_customer(company, user, utcnow(), self.rng)

    def customer(self, customer_id: str) -> Customer:
        try:
            return self.customers[customer_id]
        except KeyError:
            raise not_found("Customer", customer_id) from None

    def update_customer(self, customer_id: str, changes: dict[str, Any]) -> Customer:
        customer = self.customer(customer_id)
        for key in ("name", "state", "country", "city", "address", "postal_code", "note"):
            if isinstance(changes.get(key), str):
                setattr(customer, key, changes[key])
        customer.modified = utcnow()
        return customer

    def customers_created_between(self, start: dt.datetime, end: dt.datetime) -> list[Customer]:
        found = [c for c in self.customers.values() if start <= c.created <= end]
        return sorted(found, key=lambda c: (c.created, c.customer_id))

    def users_modified_between(
        self, start: dt.datetime | None, end: dt.datetime | None
    ) -> list[Customer]:
        found = [
            c
            for c in self.customers.values()
            if (start is None or c.modified >= start) and (end is None or c.modified <= end)
        ]
        return sorted(found, key=lambda c: (c.modified, c.customer_id))

    # -- subscriptions -------------------------------------------------------------------------

    def _plan_for(self, product_id: str, version: str) -> ServicePlan:
        return next(p for p in SERVICE_PLANS if p.product_id == product_id and p.version == version)

    def _add_subscription(
        self,
        customer: Customer,
        plan: ServicePlan,
        units: int,
        start: dt.date,
        created: dt.datetime,
        rng: random.Random,
    ) -> Subscription:
        product = self.products[plan.product_id]
        code = f"{rng.getrandbits(100):025X}"
        sub = Subscription(
            subscription_id=guid(rng),
            customer_id=customer.customer_id,
            plan_id=plan.plan_id,
            units=units,
            license_start=start,
            license_expiration=self._expiration(plan, start),
            ac_code=f"{product.code[:2]}-" + "-".join(code[i : i + 5] for i in range(0, 25, 5)),
            created=created,
            modified=created,
            auto_renewal=plan.auto_renewal,
        )
        self.subscriptions[sub.subscription_id] = sub
        self.by_customer[customer.customer_id].append(sub.subscription_id)
        return sub

    @staticmethod
    def _expiration(plan: ServicePlan, start: dt.date) -> dt.date:
        """Trials last 30 days; auto-renewing plans roll forward past today, term by term."""
        if plan.version == "trial":
            return start + dt.timedelta(days=30)
        end, today = add_months(start, plan.period_months), utcnow().date()
        while plan.auto_renewal and end <= today:
            end = add_months(end, plan.period_months)
        return end

    def subscription(self, customer_id: str, subscription_id: str) -> Subscription:
        self.customer(customer_id)
        sub = self.subscriptions.get(subscription_id)
        if sub is None or sub.customer_id != customer_id:
            raise not_found("Subscription", subscription_id)
        return sub

    def plan(self, plan_id: Any) -> ServicePlan:
        if not isinstance(plan_id, str) or plan_id not in self.plans:
            raise invalid("service_plan_id", "The service plan does not exist.")
        return self.plans[plan_id]

    @staticmethod
    def check_units(units: Any) -> int:
        if isinstance(units, bool) or not isinstance(units, int) or not 1 <= units <= MAX_UNITS:
            raise invalid("units_per_license", f"units_per_license must be 1-{MAX_UNITS}.")
        return units

    def create_subscription(
        self, customer_id: str, plan_id: Any, units: Any, start: Any, *, in_place: bool = False
    ) -> tuple[Subscription, str]:
        """Subscribe a customer; returns the subscription and the action (created / converted).

        A full plan beside an enabled trial of the product is a new subscription, or with
        ``in_place`` the trial converted to it."""
        customer = self.customer(customer_id)
        plan = self.plan(plan_id)
        units = self.check_units(units)
        start_date = utcnow().date()
        if start is not None:
            try:
                start_date = parse_iso(start).date()
            except (TypeError, ValueError):
                raise invalid("license_start_date", "license_start_date must be ISO 8601.")
        same_product = [
            s
            for s in self.customer_subscriptions(customer_id)
            if self.plans[s.plan_id].product_id == plan.product_id
        ]
        if not same_product:
            sub = self._add_subscription(customer, plan, units, start_date, utcnow(), self.rng)
            return sub, "created"
        existing = same_product[0]
        existing_plan = self.plans[existing.plan_id]
        is_upgrade = existing_plan.version == "trial" and plan.version == "full"
        if is_upgrade and existing.enabled and len(same_product) == 1 and not in_place:
            sub = self._add_subscription(customer, plan, units, start_date, utcnow(), self.rng)
            return sub, "create_subscription"
        if is_upgrade and existing.enabled and in_place:
            now = utcnow()
            existing.plan_id, existing.units = plan.plan_id, units
            existing.license_start = start_date
            existing.license_expiration = self._expiration(plan, start_date)
            existing.auto_renewal, existing.modified = plan.auto_renewal, now
            return existing, "converted"
        raise invalid(
            "service_plan_id", "The customer already has a subscription for this product."
        )

    def update_subscription(
        self, sub: Subscription, units: Any, expiration: Any, plan_id: Any
    ) -> list[str]:
        """Subscriptions :: Update: seats, earlier expiry, plan; full-version licences only."""
        if not sub.enabled or sub.suspended:
            raise invalid("subscription_id", "The subscription is disabled or suspended.")
        if self.plans[sub.plan_id].version != "full":
            raise invalid("subscription_id", "Only full-version licenses can be modified.")
        changed = []
        new_plan = self.plan(plan_id) if plan_id is not None else None
        if new_plan is not None and new_plan.plan_id != sub.plan_id:
            if (
                new_plan.version != "full"
                or new_plan.product_id != self.plans[sub.plan_id].product_id
            ):
                raise invalid("service_plan_id", "Switch to a full plan of the same product.")
            sub.plan_id = new_plan.plan_id
            changed.append("change_plan")
        if expiration is not None:
            try:
                new_end = parse_iso(expiration).date()
            except (TypeError, ValueError):
                raise invalid(
                    "license_expiration_date", "license_expiration_date must be ISO 8601."
                )
            if new_end >= sub.license_expiration:
                raise invalid(
                    "license_expiration_date", "The new date must be sooner than the current one."
                )
            sub.license_expiration = new_end
            changed.append("change_expiration")
        if units is not None and self.check_units(units) != sub.units:
            sub.units = units
            changed.append("change_seats")
        if changed:
            sub.modified = utcnow()
        return changed

    def disable(self, sub: Subscription) -> bool:
        if not sub.enabled:
            return False
        sub.enabled, sub.modified = False, utcnow()
        return True

    def _suspend(self, sub: Subscription, until: dt.date) -> None:
        sub.resume_expiration = sub.license_expiration
        sub.suspended, sub.auto_renewal = True, False
        sub.license_expiration, sub.modified = until, utcnow()

    def suspend(self, sub: Subscription, date: Any) -> bool:
        if not sub.enabled:
            raise invalid("subscription_id", "The subscription is disabled.")
        if sub.suspended:
            return False
        if not sub.auto_renewal:
            raise invalid(
                "subscription_id", "Suspend is not supported when auto-renewal is disabled."
            )
        until = utcnow().date()
        if date is not None:
            try:
                until = parse_iso(date).date()
            except (TypeError, ValueError):
                raise invalid(
                    "license_expiration_date", "license_expiration_date must be ISO 8601."
                )
        self._suspend(sub, until)
        return True

    def unsuspend(self, sub: Subscription, date: Any) -> bool:
        if not sub.suspended:
            return False
        end = sub.resume_expiration or self._expiration(self.plans[sub.plan_id], sub.license_start)
        if date is not None:
            try:
                end = parse_iso(date).date()
            except (TypeError, ValueError):
                raise invalid(
                    "license_expiration_date", "license_expiration_date must be ISO 8601."
                )
        sub.suspended, sub.auto_renewal = False, self.plans[sub.plan_id].auto_renewal
        sub.license_expiration, sub.resume_expiration, sub.modified = end, None, utcnow()
        return True

    def subscription_for_plan(self, customer_id: str, plan_id: str) -> Subscription:
        self.customer(customer_id)
        for sub in self.customer_subscriptions(customer_id):
            if sub.plan_id == plan_id:
                return sub
        raise not_found("Subscription", f"for service plan {plan_id}")

    def subscriptions_between(
        self, field_name: str, start: dt.datetime, end: dt.datetime
    ) -> list[Subscription]:
        found = [s for s in self.subscriptions.values() if start <= getattr(s, field_name) <= end]
        return sorted(found, key=lambda s: (getattr(s, field_name), s.subscription_id))

    # -- renderers ---------------------------------------------------------------------------

    def subscription_json(self, sub: Subscription) -> dict[str, Any]:
        """Subscriptions :: Get response."""
        plan = self.plans[sub.plan_id]
        return {
            "subscription_id": sub.subscription_id,
            "name": plan.name,
            "enabled": sub.enabled,
            "is_auto_renewal": sub.auto_renewal,
            "auto_renewal_month": plan.period_months if sub.auto_renewal else 0,
            "expiration_notification": True,
            "service_url": "https://wfbs-svc-emea.trendmicro.com/",
            "licenses": [
                {
                    "ac_code": sub.ac_code,
                    "product_id": plan.product_id,
                    "license_start_date": iso(sub.license_start),
                    "license_expiration_date": iso(sub.license_expiration),
                    "start_charge_date": iso(sub.license_start),
                    "grace_period": 30,
                    "units": sub.units,
                    "enabled": sub.enabled,
                }
            ],
        }

    def subscription_item_json(self, sub: Subscription) -> dict[str, Any]:
        """One item of the v2.5 subscription listing."""
        plan = self.plans[sub.plan_id]
        return {
            "subscription_id": sub.subscription_id,
            "name": plan.name,
            "enabled": sub.enabled,
            "is_auto_renewal": sub.auto_renewal,
            "auto_renewal_month": plan.period_months if sub.auto_renewal else 0,
            "service_plan_id": sub.plan_id,
            "customer_id": sub.customer_id,
        }

    def products_json(self) -> list[dict[str, Any]]:
        """Partners :: Product list: one entry per product and licence version."""
        entries = []
        for product in self.products.values():
            for version in ("full", "trial"):
                plans = [
                    {"name": p.name, "id": p.plan_id}
                    for p in SERVICE_PLANS
                    if p.product_id == product.product_id and p.version == version
                ]
                entries.append(
                    {
                        "available": 10000 if version == "full" else 500,
                        "version": version.capitalize(),
                        "product_name": product.name,
                        "product_id": product.product_id,
                        "product_code": product.code,
                        "type": product.type,
                        "used": 0,
                        "service_plans": plans,
                    }
                )
        return entries

    def service_plans_json(self) -> list[dict[str, Any]]:
        return [
            {
                "service_plan_id": plan.plan_id,
                "name": plan.name,
                "product": self.products[plan.product_id].name,
                "product_code": self.products[plan.product_id].code,
                "version": plan.version,
                "initial_license_period_month": plan.period_months,
                "data_center_code": "22",
                "data_center": "Europe",
                "auto_renewal": plan.auto_renewal,
            }
            for plan in SERVICE_PLANS
        ]

    # -- usage (Reports :: Customer summary) -------------------------------------------------

    def summary(self, month: dt.date, product_id: str | None = None) -> list[dict[str, Any]]:
        """Per customer and subscription: provisioned vs used seats in that month."""
        current = utcnow().date().replace(day=1)
        if month > current or month < seeding.last_months(REPORT_RETENTION_MONTHS, current)[0]:
            return []
        rows = []
        for customer in self.customers.values():
            for sub in self.customer_subscriptions(customer.customer_id):
                plan = self.plans[sub.plan_id]
                if product_id and plan.product_id != product_id:
                    continue
                figures = sub.usage.get(month)
                if figures is None and month == current and sub.enabled and not sub.suspended:
                    figures = [sub.units, 0]
                if figures is None:
                    continue
                product = self.products[plan.product_id]
                rows.append(
                    {
                        "customer": customer.name,
                        "city": customer.city,
                        "state": customer.state,
                        "owned_by_vendor": PARTNER_NAME,
                        "created_by_vendor": PARTNER_NAME,
                        "product_name": product.name,
                        "service_plan": plan.name,
                        "provisioned": figures[0],
                        "used": figures[1],
                        "unit": product.unit,
                    }
                )
        return rows

    # -- test-facing mutations ("the vendor changed something behind our back") --------------

    def main_subscription(self, customer_id: str) -> Subscription:
        subs = self.customer_subscriptions(self.customer(customer_id).customer_id)
        if not subs:
            raise not_found("Subscription", f"of customer {customer_id}")
        return subs[0]

    def set_tenant_status(self, customer_id: str, status: str) -> None:
        if status not in ("active", "trial", "suspended", "cancelled"):
            raise ValueError(f"unknown status {status!r}")
        now, today = utcnow(), utcnow().date()
        for sub in self.customer_subscriptions(self.customer(customer_id).customer_id):
            product_id = self.plans[sub.plan_id].product_id
            plan = self._plan_for(product_id, "trial" if status == "trial" else "full")
            sub.plan_id, sub.enabled, sub.suspended = plan.plan_id, status != "cancelled", False
            sub.auto_renewal, sub.resume_expiration, sub.modified = plan.auto_renewal, None, now
            sub.license_expiration = max(sub.license_expiration, self._expiration(plan, today))
            if status == "suspended":
                self._suspend(sub, today)

    def set_seats(self, customer_id: str, seats: int) -> None:
        sub = self.main_subscription(customer_id)
        sub.units, sub.modified = seats, utcnow()

    def remove_tenant(self, customer_id: str) -> None:
        customer = self.customer(customer_id)
        for sid in self.by_customer.pop(customer_id, []):
            self.subscriptions.pop(sid, None)
        self.login_names.discard(customer.user["login_name"].lower())
        del self.customers[customer_id]

    def set_usage(self, customer_id: str, period: dt.date, values: dict[str, Any]) -> None:
        """Set the main subscription's figures: provisioned/used (or seats_purchased/_used)."""
        sub = self.main_subscription(customer_id)
        figures = sub.usage.setdefault(period.replace(day=1), [sub.units, 0])
        for index, keys in enumerate((("provisioned", "seats_purchased"), ("used", "seats_used"))):
            for key in keys:
                if key in values:
                    figures[index] = int(values[key])

    # -- snapshot ------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        tenants = []
        for customer in self.customers.values():
            subs = []
            for sub in self.customer_subscriptions(customer.customer_id):
                plan = self.plans[sub.plan_id]
                subs.append(
                    {
                        "external_id": sub.subscription_id,
                        "subscription_id": sub.subscription_id,
                        "service_plan_id": sub.plan_id,
                        "product_code": self.products[plan.product_id].code,
                        "product_name": self.products[plan.product_id].name,
                        "seats": sub.units,
                        "status": self.subscription_status(sub),
                        "is_trial": plan.version == "trial",
                        "enabled": sub.enabled,
                        "auto_renew": sub.auto_renewal,
                        "starts": sub.license_start.isoformat(),
                        "ends": sub.license_expiration.isoformat(),
                        "usage": {
                            month.isoformat(): {"provisioned": f[0], "used": f[1]}
                            for month, f in sorted(sub.usage.items())
                        },
                    }
                )
            tenants.append(
                {
                    "external_id": customer.customer_id,
                    "customer_id": customer.customer_id,
                    "name": customer.name,
                    "note": customer.note,
                    "status": self.tenant_status(customer.customer_id),
                    "city": customer.city,
                    "state": customer.state,
                    "country": customer.country,
                    "created": iso(customer.created),
                    "subscriptions": subs,
                }
            )
        return {
            "partner_id": self.partner_id,
            "tenants": tenants,
            "products": self.products_json(),
            "service_plans": self.service_plans_json(),
        }


__all__ = ["LmpiError", "TrendMicroState"]
