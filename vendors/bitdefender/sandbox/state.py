"""GravityZone state in memory: a company tree under the API key's partner company, one monthly
licence per company, and monthly usage. No HTTP here (moto's ``models.py``); every method takes
``self.lock`` so the routes, the control endpoint and tests can share one state safely.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from vendors.sandbox.seeding import (
    company_name,
    contact,
    last_months,
    usage_series,
    weighted_status,
)

PARTNER, CUSTOMER = 0, 1

# licenseSubscription.type (createCompany doc): 1 trial, 2 licence key, 3 monthly subscription,
# 4 monthly licence trial, 5 monthly subscription trial, 6 FRAT subscription.
TRIAL_TYPES = frozenset({1, 4, 5})
MONTHLY_SUBSCRIPTION, MONTHLY_SUBSCRIPTION_TRIAL, MONTHLY_LICENSE_TRIAL = 3, 5, 4
TRIAL_DAYS = 30

EDR_FLAG = "manageEventCorrelator"
EDR_REQUIRES = ("manageSandboxAnalyzer", "manageHyperDetect")
#: Add-on switches of a monthly licence (setMonthlySubscription / getLicenseInfo names).
LICENCE_FLAGS = (
    "manageExchange",
    "manageEncryption",
    "manageRemoteEnginesScanning",
    "manageHyperDetect",
    "manageSandboxAnalyzer",
    "managePatchManagement",
    EDR_FLAG,
)

#: The vendor's catalog as the snapshot shows it: one product, add-ons named by their flag.
PRODUCTS: list[dict[str, Any]] = [
    {
        "code": "endpointSecurity",
        "assignedProductType": 0,
        "kind": "base",
        "name": "Cloud Security for MSP - Endpoint Security",
    },
    {"code": "manageExchange", "kind": "addon", "name": "Security for Exchange"},
    {"code": "manageEncryption", "kind": "addon", "name": "Full Disk Encryption"},
    {
        "code": "manageRemoteEnginesScanning",
        "kind": "addon",
        "name": "Security for Virtualized Environments",
    },
    {
        "code": "manageHyperDetect",
        "kind": "addon",
        "name": "HyperDetect (Advanced Threat Security)",
    },
    {
        "code": "manageSandboxAnalyzer",
        "kind": "addon",
        "name": "Sandbox Analyzer (Advanced Threat Security)",
    },
    {"code": "managePatchManagement", "kind": "addon", "name": "Patch Management"},
    {"code": EDR_FLAG, "kind": "addon", "name": "Endpoint Detection and Response (EDR)"},
]

#: getMonthlyUsage fields (77211-127109); months without data answer 0 for each.
USAGE_FIELDS = (
    "endpointMonthlyUsage",
    "aLaCarteMonthlyUsage",
    "mspSecureMonthlyUsage",
    "mspSecurePlusMonthlyUsage",
    "mspSecureExtraMonthlyUsage",
    "emailSecurityMonthlyUsage",
    "mobileSecurityMonthlyUsage",
    "exchangeMonthlyUsage",
    "encryptionMonthlyUsage",
    "atsMonthlyUsage",
    "edrMonthlyUsage",
    "mdrFoundationsMonthlyUsage",
    "mdrResponseMonthlyUsage",
    "patchManagementMonthlyUsage",
    "containerProtectionMonthlyUsage",
    "sveVsMonthlyUsage",
    "sveVdiMonthlyUsage",
)
#: Which usage field an enabled add-on produces (HyperDetect and Sandbox Analyzer are both ATS).
FLAG_USAGE = {
    "manageExchange": "exchangeMonthlyUsage",
    "manageEncryption": "encryptionMonthlyUsage",
    "manageRemoteEnginesScanning": "sveVsMonthlyUsage",
    "manageHyperDetect": "atsMonthlyUsage",
    "manageSandboxAnalyzer": "atsMonthlyUsage",
    "managePatchManagement": "patchManagementMonthlyUsage",
    EDR_FLAG: "edrMonthlyUsage",
}
#: Test convenience: set_usage accepts the portal's metric names for the main fields too.
METRIC_ALIASES = {
    "endpoints": "endpointMonthlyUsage",
    "edr_endpoints": "edrMonthlyUsage",
    "encryption_endpoints": "encryptionMonthlyUsage",
}

STATUSES = ("active", "trial", "suspended", "cancelled")


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def apply_edr_rule(
    old: dict[str, bool], new: dict[str, bool], sent: Iterable[str], edr_wins: bool = True
) -> None:
    """EDR needs Sandbox Analyzer and HyperDetect: a change of EDR sets both to its value.

    ``edr_wins``: the rule overrides what the same call sent for the two; otherwise only the
    ones the call did not send follow EDR.
    """
    sent = set(sent)
    if EDR_FLAG in sent and new[EDR_FLAG] != old.get(EDR_FLAG, False):
        for flag in EDR_REQUIRES:
            if edr_wins or flag not in sent:
                new[flag] = new[EDR_FLAG]


@dataclass(slots=True)
class Licence:
    subscriptionType: int
    reservedSlots: int = 0  # 0: no reservation, the company draws on the parent's pool
    usedSlots: int = 0
    endSubscription: str = ""  # "YYYY-MM-DD" (UTC); the subscription ends at 00:00 that day
    autoRenewPeriod: int = 0
    expiryDate: str = ""  # trials only
    licenseKey: str = ""
    flags: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(LICENCE_FLAGS, False))

    def ended(self, on: dt.date | None = None) -> bool:
        return (
            bool(self.endSubscription)
            and self.autoRenewPeriod == 0
            and (dt.date.fromisoformat(self.endSubscription) <= (on or today()))
        )

    @property
    def is_trial(self) -> bool:
        return self.subscriptionType in TRIAL_TYPES


@dataclass(slots=True)
class Company:
    id: str
    type: int
    name: str
    parentId: str
    licence: Licence
    address: str = ""
    country: str = "N/A"
    state: str = "N/A"
    phone: str = ""
    industry: int = 0
    canBeManagedByAbove: bool = True
    enforce2FA: bool = False
    skip2FAPeriod: int = 0
    isSuspended: bool = False
    createdAt: str = ""
    contactPerson: dict[str, str] = field(default_factory=dict)
    usage: dict[str, dict[str, int]] = field(default_factory=dict)  # "YYYY-MM" -> field -> n

    def status(self) -> str:
        """The normalized status the sandbox means, for tests and snapshots."""
        if self.licence.ended():
            return "cancelled"
        if self.isSuspended:
            return "suspended"
        return "trial" if self.licence.is_trial else "active"


class BitdefenderState:
    """All companies below the API key's own partner company, in creation order."""

    def __init__(self, lock: threading.RLock, rng_seed: int = 0) -> None:
        self.lock = lock
        self._rng = random.Random(f"bitdefender-ids-{rng_seed}")
        self.companies: dict[str, Company] = {}
        self.children: dict[str, list[str]] = {}
        self._names: dict[str, str] = {}  # casefolded name -> id (names are unique)
        root_licence = Licence(MONTHLY_SUBSCRIPTION, reservedSlots=1_000_000)
        root_licence.flags = dict.fromkeys(LICENCE_FLAGS, True)
        self.root = self._add(
            Company(
                self.new_id(),
                PARTNER,
                "Sandbox Distributor",
                "",
                root_licence,
                country="GB",
                createdAt="2020-01-01T00:00:00",
            )
        )

    # -- structure -------------------------------------------------------------------------------

    def new_id(self) -> str:
        """A GravityZone-style 24-hex object id, deterministic per sandbox seed."""
        while True:
            candidate = f"{self._rng.getrandbits(96):024x}"
            if candidate not in self.companies:
                return candidate

    def _add(self, company: Company) -> Company:
        with self.lock:
            self.companies[company.id] = company
            self.children[company.id] = []
            if company.parentId:
                self.children[company.parentId].append(company.id)
            self._names[company.name.casefold()] = company.id
            return company

    def get(self, company_id: str) -> Company | None:
        with self.lock:
            return self.companies.get(company_id)

    def by_name(self, name: str) -> Company | None:
        with self.lock:
            found = self._names.get(name.casefold())
            return self.companies[found] if found else None

    def descendants(self, company_id: str) -> list[Company]:
        with self.lock:
            found, stack = [], list(reversed(self.children[company_id]))
            while stack:
                company = self.companies[stack.pop()]
                found.append(company)
                stack.extend(reversed(self.children[company.id]))
            return found

    def tenants(self) -> list[Company]:
        """Every company the key manages (the key's own company excluded), depth first."""
        return self.descendants(self.root.id)

    def create(
        self, *, type: int, name: str, parent_id: str, licence: Licence, **fields: Any
    ) -> Company:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat()
        return self._add(
            Company(self.new_id(), type, name, parent_id, licence, createdAt=now, **fields)
        )

    def rename(self, company: Company, name: str) -> None:
        with self.lock:
            del self._names[company.name.casefold()]
            company.name = name
            self._names[name.casefold()] = company.id

    def delete(self, company_id: str) -> None:
        """Remove one company; any companies it managed move up to its parent."""
        with self.lock:
            company = self.companies.pop(company_id)
            orphans = self.children.pop(company_id)
            del self._names[company.name.casefold()]
            siblings = self.children[company.parentId]
            siblings.remove(company_id)
            siblings.extend(orphans)
            for orphan in orphans:
                self.companies[orphan].parentId = company.parentId

    # -- usage -------------------------------------------------------------------------------------

    def monthly_usage(self, company: Company, month: str) -> dict[str, int]:
        with self.lock:
            recorded = company.usage.get(month, {})
            return {name: recorded.get(name, 0) for name in USAGE_FIELDS}

    # -- seeding -----------------------------------------------------------------------------------

    def seed(self, count: int, seed: int = 0) -> None:
        """``count`` companies: customers under the distributor and under a few MSP partners."""
        rng = random.Random(seed)
        months = [month_key(m) for m in last_months(12)]
        day = today()
        month_start = day.replace(day=1).isoformat()
        partner_id = ""
        with self.lock:
            for index in range(count):
                is_partner = index % 10 == 0
                parent = self.root.id
                if not is_partner and partner_id and rng.random() < 0.3:
                    parent = partner_id
                company = self._seed_company(
                    rng, index, is_partner, parent, months, day, month_start
                )
                if is_partner:
                    partner_id = company.id

    def _seed_company(
        self,
        rng: random.Random,
        index: int,
        is_partner: bool,
        parent: str,
        months: list[str],
        day: dt.date,
        month_start: str,
    ) -> Company:
        name = company_name(rng, index)
        person = contact(rng, name)
        status = weighted_status(rng)
        seats = rng.choice((5, 10, 15, 20, 25, 40, 50, 75, 100, 150, 250))
        flags = {flag: rng.random() < 0.3 for flag in LICENCE_FLAGS}
        if flags[EDR_FLAG]:
            flags.update(dict.fromkeys(EDR_REQUIRES, True))
        licence = Licence(MONTHLY_SUBSCRIPTION, reservedSlots=seats, flags=flags)
        if rng.random() < 0.1:
            licence.reservedSlots = 0  # dynamic provisioning: usage billed, no hard limit
        if status == "trial":
            licence.subscriptionType = (
                MONTHLY_LICENSE_TRIAL if is_partner else (MONTHLY_SUBSCRIPTION_TRIAL)
            )
            licence.expiryDate = (day + dt.timedelta(days=rng.randint(1, TRIAL_DAYS))).isoformat()
        elif status == "cancelled":
            licence.endSubscription = month_start
        company = self.create(
            type=PARTNER if is_partner else CUSTOMER,
            name=name,
            parent_id=parent,
            licence=licence,
            country=rng.choice(("GB", "DE", "FR", "NL", "RO", "US")),
            phone=f"+44 20 7946 {rng.randint(0, 9999):04d}",
            industry=rng.randint(0, 34),
            isSuspended=status == "suspended",
            contactPerson={
                "fullName": f"{person['first_name']} {person['last_name']}",
                "email": person["email"],
                "phoneNumber": "",
            },
        )
        company.createdAt = f"{2021 + index % 4}-{1 + index % 12:02d}-{1 + index % 28:02d}T09:00:00"
        if status == "trial":
            licence.usedSlots = rng.randint(0, seats)
            return company
        endpoints = usage_series(rng, seats)
        shares = {flag: rng.uniform(0.3, 1.0) for flag, on in flags.items() if on}
        for month, used in zip(months, endpoints, strict=True):
            record = {"endpointMonthlyUsage": used}
            for flag, share in shares.items():
                name_ = FLAG_USAGE[flag]
                record[name_] = max(record.get(name_, 0), round(used * share))
            company.usage[month] = record
        licence.usedSlots = 0 if status == "cancelled" else endpoints[-1]
        return company

    # -- test-facing mutations ("the vendor changed something behind our back") -------------------

    def set_status(self, company_id: str, status: str) -> None:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        with self.lock:
            company = self.companies[company_id]
            licence = company.licence
            company.isSuspended = status == "suspended"
            licence.endSubscription = today().isoformat() if status == "cancelled" else ""
            licence.autoRenewPeriod = 0
            if status == "trial":
                licence.subscriptionType = (
                    MONTHLY_LICENSE_TRIAL if company.type == PARTNER else MONTHLY_SUBSCRIPTION_TRIAL
                )
                licence.expiryDate = (today() + dt.timedelta(days=TRIAL_DAYS)).isoformat()
            elif licence.is_trial:
                licence.subscriptionType, licence.expiryDate = MONTHLY_SUBSCRIPTION, ""

    def set_usage(self, company_id: str, period: dt.date | str, values: dict[str, int]) -> None:
        if isinstance(period, str):  # from the /_control/<v>/mutate endpoint (JSON)
            period = dt.date.fromisoformat(period)
        unknown = {METRIC_ALIASES.get(k, k) for k in values} - set(USAGE_FIELDS)
        if unknown:
            raise ValueError(f"unknown usage fields: {', '.join(sorted(unknown))}")
        with self.lock:
            record = self.companies[company_id].usage.setdefault(month_key(period), {})
            record.update({METRIC_ALIASES.get(k, k): int(v) for k, v in values.items()})


def flags_from(params: dict[str, Any], kept: dict[str, bool] | None = None) -> dict[str, bool]:
    """Add-on switches as sent: omitted ones take the documented default, False, or keep their
    value (``kept``, the other reading of "Default value is False")."""
    return {
        name: bool(params[name]) if name in params else bool((kept or {}).get(name, False))
        for name in LICENCE_FLAGS
    }
