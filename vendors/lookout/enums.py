"""Lookout Partner API enum literals and sandbox timing defaults, in one place.

PLACEHOLDER UNTIL CONFIRMED FROM THE PARTNER SWAGGER: the partner Swagger names the enums
(Skus, TermType, AutoRenewState, EntityState, OrderType, OrderState, ProductType, MesRegion) but
their values are not public (CONTRACTS.md section 1, "Enums"). The adapter and the sandbox both
read them from here, so confirming the real literals is a one-file change.
"""

from __future__ import annotations

from typing import Final

API_PREFIX: Final = "/api/partners/v1"
TOKEN_PATH: Final = "/oauth2/token"


class OrderState:
    PENDING: Final = "PENDING"
    IN_PROGRESS: Final = "IN_PROGRESS"
    COMPLETED: Final = "COMPLETED"
    FAILED: Final = "FAILED"

    DONE: Final = frozenset({COMPLETED, FAILED})


class OrderType:
    CREATE: Final = "CREATE"
    MODIFY: Final = "MODIFY"
    RENEW: Final = "RENEW"
    CANCEL: Final = "CANCEL"


class EntityState:
    PENDING: Final = "PENDING"  # the create order is not processed yet
    TRIAL: Final = "TRIAL"
    ACTIVE: Final = "ACTIVE"
    SUSPENDED: Final = "SUSPENDED"  # set by Lookout (e.g. non-payment); no partner order sets it
    CANCELLED: Final = "CANCELLED"


class TermType:
    MONTH: Final = "MONTH"  # termLength counts months
    YEAR: Final = "YEAR"  # termLength counts years
    TRIAL: Final = "TRIAL"  # termLength counts days

    ALL: Final = (MONTH, YEAR, TRIAL)


class AutoRenewState:
    ENABLED: Final = "ENABLED"
    DISABLED: Final = "DISABLED"


class ProductType:
    MES: Final = "MES"  # Mobile Endpoint Security; SSE tenants are not modelled


class MesRegion:
    US: Final = "US"
    EU: Final = "EU"


#: Skus: one bundle per tenant (the Swagger types ``skus`` as a single enum, not an array).
SKUS: Final[dict[str, dict[str, object]]] = {
    "MES_ADVANCED": {"name": "Lookout Mobile Endpoint Security Advanced", "trial": True},
    "MES_PREMIUM": {"name": "Lookout Mobile Endpoint Security Premium", "trial": True},
    "MES_PREMIUM_PLUS": {"name": "Lookout Mobile Endpoint Security Premium Plus", "trial": False},
}

TRIAL_DAYS: Final = 30

# -- sandbox timing defaults (tests override them on the sandbox instance) --------------------

#: Access tokens live about two hours at Lookout (doc.lookout.com, "about API authentication").
TOKEN_LIFETIME_SECONDS: Final = 7200
#: An order answers PENDING when posted and COMPLETED once it was polled this many times ...
ORDER_POLLS_TO_COMPLETE: Final = 1
#: ... and at least this many seconds passed since it was accepted.
ORDER_DELAY_SECONDS: Final = 0.0
