"""What a new GravityZone company may carry besides the common spec: the adapter's create options
and their translation into createCompany parameters (CONTRACTS 2, createCompany table).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vendors.errors import VendorBadRequest
from vendors.types import CreateOption, OptionType

from .mapping import COMPANY_TYPES, VENDOR

#: createCompany ``industry`` enum, 0-34 (CONTRACTS 2).
INDUSTRIES = (
    "Undefined",
    "Aerospace",
    "Agriculture",
    "Arts and entertainment",
    "Automotive",
    "Business associations",
    "Chemicals",
    "Commercial services",
    "Conglomerate",
    "Construction",
    "Consulting",
    "Containers and packaging",
    "Defense",
    "Education and research",
    "Energy",
    "Engineering",
    "Financial services",
    "Food and beverages",
    "Government",
    "Healthcare",
    "Hospitality and leisure",
    "Manufacturing",
    "Marine",
    "Media",
    "Mining",
    "Non-profit",
    "Offices of lawyers",
    "Paper and forest products",
    "Retail",
    "Support service activities",
    "Technology",
    "Telecommunications services",
    "Transportation",
    "Utilities",
    "Wholesale",
)
SKIP_2FA_DAYS = (0, 1, 3, 7, 14, 30, 90)  # createCompany skip2FAPeriod

CREATE_OPTIONS: tuple[CreateOption, ...] = (
    CreateOption(
        "billing",
        "Billing",
        OptionType.CHOICE,
        choices=(("seats", "Reserved seats"), ("usage", "Usage (no reserved seats)")),
        help="Usage: no seats are reserved and the company is invoiced on its monthly usage "
        "(the guide: do not specify reservedSlots). Empty: reserved seats.",
    ),
    CreateOption(
        "company_type",
        "Company type",
        OptionType.CHOICE,
        choices=(("customer", "Customer company"), ("partner", "Partner company (MSP)")),
        help="Empty: a customer company.",
    ),
    CreateOption(
        "parent_external_id",
        "Managing partner company id",
        help="The GravityZone id of the partner company directly managing the new one; "
        "empty for your own company.",
    ),
    CreateOption("state", "State (ISO 3166-2 subdivision)", help="e.g. GB-LND."),
    CreateOption("phone", "Phone", max_value=32),
    CreateOption(
        "industry",
        "Industry",
        OptionType.CHOICE,
        choices=tuple((str(code), label) for code, label in enumerate(INDUSTRIES)),
    ),
    CreateOption("enforce_2fa", "Enforce two-factor authentication", OptionType.BOOLEAN),
    CreateOption(
        "skip_2fa_period",
        "Days users may postpone 2FA",
        OptionType.CHOICE,
        choices=tuple((str(days), str(days)) for days in SKIP_2FA_DAYS),
    ),
    CreateOption(
        "not_manageable_by_above",
        "Not manageable by the partners above",
        OptionType.BOOLEAN,
        help="canBeManagedByAbove false (it must stay manageable for MDR).",
    ),
    CreateOption("account_language", "Administrator language", help='e.g. "en_US".'),
)
_DECLARED = {o.name: o for o in CREATE_OPTIONS}


@dataclass(frozen=True)
class CreateChoices:
    company_type: int
    usage_billing: bool
    parent_id: str
    #: createCompany parameters the options add.
    params: dict[str, Any]


def create_choices(extra: Mapping[str, Any]) -> CreateChoices:
    """The options in ``TenantSpec.extra`` checked against their declarations, before any call."""
    problems: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, raw in extra.items():
        option = _DECLARED.get(name)
        if option is None:
            problems[name] = ["Not an option of Bitdefender."]
        elif raw not in (None, "", False):
            problem = _problem(option, raw)
            if problem:
                problems[name] = [problem]
            else:
                values[name] = raw
    if problems:
        raise VendorBadRequest(
            "Bitdefender create options: " + "; ".join(f"{k}: {v[0]}" for k, v in problems.items()),
            vendor=VENDOR,
            field_errors=problems,
        )
    params: dict[str, Any] = {}
    for name, key in (
        ("state", "state"),
        ("phone", "phone"),
        ("account_language", "accountLanguage"),
    ):
        if name in values:
            params[key] = str(values[name])
    if "industry" in values:
        params["industry"] = int(values["industry"])
    if "skip_2fa_period" in values:
        params["skip2FAPeriod"] = int(values["skip_2fa_period"])
    if values.get("enforce_2fa"):
        params["enforce2FA"] = True
    if values.get("not_manageable_by_above"):
        params["canBeManagedByAbove"] = False
    return CreateChoices(
        company_type=COMPANY_TYPES[str(values.get("company_type", "customer"))],
        usage_billing=values.get("billing") == "usage",
        parent_id=str(values.get("parent_external_id", "")),
        params=params,
    )


def _problem(option: CreateOption, value: Any) -> str:
    if option.type is OptionType.CHOICE:
        allowed = [v for v, _ in option.choices]
        return "" if str(value) in allowed else f"must be one of {', '.join(allowed)}"
    if option.type is OptionType.BOOLEAN:
        return "" if isinstance(value, bool) else "must be true or false"
    if not isinstance(value, str):
        return "must be text"
    if option.max_value is not None and len(value) > option.max_value:
        return f"at most {option.max_value} characters"
    return ""
