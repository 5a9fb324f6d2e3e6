"""Money is Decimal, rounded once per line, half-even; currencies are ISO 4217 codes."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import pycountry
from django.core.exceptions import ValidationError
from django.db import models

CENT = Decimal("0.01")
#: Quantities (prorated seats) keep four places; only amounts round to the cent.
QUANTITY_PLACES = Decimal("0.0001")


def round_amount(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def round_quantity(value: Decimal) -> Decimal:
    return value.quantize(QUANTITY_PLACES, rounding=ROUND_HALF_EVEN)


def validate_currency(code: str) -> None:
    if pycountry.currencies.get(alpha_3=code or "") is None or code != code.upper():
        raise ValidationError(f"{code!r} is not an ISO 4217 currency code (e.g. EUR, USD, GBP).")


def amount_field(**options) -> models.DecimalField:
    """An amount of money: up to a trillion, to the cent."""
    return models.DecimalField(max_digits=18, decimal_places=2, **options)


def price_field(**options) -> models.DecimalField:
    """A price per unit, to 1/10,000 of the currency."""
    return models.DecimalField(max_digits=18, decimal_places=4, **options)
