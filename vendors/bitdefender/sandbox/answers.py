"""The shapes the GravityZone sandbox answers with, under each reading of what the documents
leave open (``BitdefenderSandbox.variants``; every choice is cited in docs/vendors/bitdefender.md).

Kept apart from the state (what a company *is*) and the routes (what a call *does*), so a reading
changes only how an answer looks.
"""

from __future__ import annotations

from typing import Any

from .state import LICENCE_FLAGS, PRODUCTS, BitdefenderState, Company, Licence

#: The snapshot shows every field, whatever reading the answers follow.
FULL = {"parent_field": "parentId", "dates": "iso_date"}


def day(value: str, dates: str) -> str | None:
    """A stored ``YYYY-MM-DD`` day as the reading writes dates (None when unset)."""
    if not value:
        return None
    return f"{value}T00:00:00Z" if dates == "iso_datetime" else value


def timestamp(value: str, dates: str) -> str:
    """createdAt is "UTC" (CONTRACTS 2, findCompaniesByName); with or without the zone."""
    return f"{value}Z" if dates == "iso_datetime" and value else value


def company(c: Company, variant: dict[str, str]) -> dict[str, Any]:
    """The findCompaniesByName / getCompanyDetails object (CONTRACTS 2: same shape for both)."""
    body: dict[str, Any] = {
        "id": c.id,
        "type": c.type,
        "name": c.name,
        "address": c.address,
        "phone": c.phone,
        "country": c.country,
        "state": c.state,
        "industry": c.industry,
        "canBeManagedByAbove": c.canBeManagedByAbove,
        "enforce2FA": c.enforce2FA,
        "skip2FAPeriod": c.skip2FAPeriod,
        "isSuspended": c.isSuspended,
        "createdAt": timestamp(c.createdAt, variant["dates"]),
        "contactPerson": dict(c.contactPerson),
    }
    if variant["parent_field"] == "parentId":
        body["parentId"] = c.parentId or None
    return body


def _term(licence: Licence, dates: str) -> dict[str, Any]:
    return {
        "subscriptionType": licence.subscriptionType,
        "expiryDate": day(licence.expiryDate, dates),
        "endSubscription": day(licence.endSubscription, dates) or "",
        "autoRenewPeriod": licence.autoRenewPeriod,
    }


def main_entry(licence: Licence, dates: str, with_flags: bool = True) -> dict[str, Any]:
    """The Endpoint Security entry of getLicenseInfo (CONTRACTS 2, getLicenseInfo fields)."""
    entry = {
        **_term(licence, dates),
        "isAddon": False,
        "assignedProductType": 0,
        "usedSlots": licence.usedSlots,
        "totalSlots": licence.reservedSlots,
        "licenseKey": licence.licenseKey or None,
    }
    if with_flags:
        entry.update(licence.flags)
    return entry


def licence_info(licence: Licence, variant: dict[str, str], all_products: bool) -> Any:
    """getLicenseInfo's result: an array of licence entries (the document), or one object.

    ``addon_entries``: the add-on switches are not fields of the main entry but one
    ``isAddon`` entry per enabled add-on, listed (first) only when all products are asked for.
    """
    dates, reading = variant["dates"], variant["licence_info"]
    if reading == "object":
        return main_entry(licence, dates)
    if reading == "array":
        return [main_entry(licence, dates)]
    addons = [
        {**_term(licence, dates), "isAddon": True, flag: True}
        for flag in LICENCE_FLAGS
        if licence.flags[flag]
    ]
    return [*(addons if all_products else []), main_entry(licence, dates, with_flags=False)]


def snapshot(state: BitdefenderState) -> dict[str, Any]:
    """The whole state for tests: company fields, normalized status, licence and usage."""
    with state.lock:
        return {
            "root_company_id": state.root.id,
            "tenants": [_snapshot_tenant(c) for c in state.tenants()],
            "products": [dict(p) for p in PRODUCTS],
        }


def _snapshot_tenant(c: Company) -> dict[str, Any]:
    licence = c.licence
    return {
        **company(c, FULL),
        "status": c.status(),
        "subscriptions": [
            {
                "id": c.id,
                "product_code": PRODUCTS[0]["code"],
                **main_entry(licence, FULL["dates"]),
                "reservedSlots": licence.reservedSlots,
                "is_trial": licence.is_trial,
                "ended": licence.ended(),
                "addons": sorted(flag for flag, on in licence.flags.items() if on),
            }
        ],
        "usage": {month: dict(values) for month, values in sorted(c.usage.items())},
    }
