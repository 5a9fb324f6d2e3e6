"""Deterministic seed data shared by the vendor sandboxes: names, contacts, usage history."""

from __future__ import annotations

import datetime as dt
import random

_FIRST = [
    "Acme",
    "Apex",
    "Arc",
    "Atlas",
    "Beacon",
    "Birch",
    "Blue",
    "Bright",
    "Cedar",
    "Clear",
    "Cobalt",
    "Core",
    "Crest",
    "Delta",
    "Echo",
    "Ember",
    "Falcon",
    "Fern",
    "Forge",
    "Granite",
    "Harbor",
    "Helix",
    "Iron",
    "Jade",
    "Keystone",
    "Lumen",
    "Maple",
    "Meridian",
    "Nova",
    "Oak",
    "Orbit",
    "Peak",
    "Pine",
    "Prism",
    "Quartz",
    "Raven",
    "Ridge",
    "River",
    "Sage",
    "Silver",
    "Sterling",
    "Summit",
    "Terra",
    "Tidal",
    "Union",
    "Vertex",
    "Willow",
    "Zenith",
]
_SECOND = [
    "Analytics",
    "Bakery",
    "Builders",
    "Capital",
    "Clinic",
    "Consulting",
    "Dental",
    "Design",
    "Energy",
    "Engineering",
    "Foods",
    "Freight",
    "Health",
    "Holdings",
    "Hotels",
    "Labs",
    "Legal",
    "Logistics",
    "Media",
    "Motors",
    "Partners",
    "Pharma",
    "Retail",
    "Robotics",
    "Security",
    "Software",
    "Solutions",
    "Studios",
    "Systems",
    "Telecom",
    "Travel",
    "Ventures",
]
_SUFFIX = ("Ltd", "LLC", "GmbH", "Inc", "BV", "SRL", "plc", "AG")
_GIVEN = [
    "Alex",
    "Sam",
    "Jordan",
    "Taylor",
    "Morgan",
    "Casey",
    "Jamie",
    "Robin",
    "Avery",
    "Riley",
    "Quinn",
    "Drew",
]
_FAMILY = [
    "Smith",
    "Jones",
    "Brown",
    "Garcia",
    "Muller",
    "Rossi",
    "Novak",
    "Silva",
    "Kim",
    "Patel",
    "Dubois",
    "Jansen",
]


def company_name(rng: random.Random, index: int) -> str:
    """A plausible company name, unique per index."""
    return f"{rng.choice(_FIRST)} {rng.choice(_SECOND)} {index:05d} {rng.choice(_SUFFIX)}"


def contact(rng: random.Random, company: str) -> dict[str, str]:
    first, last = rng.choice(_GIVEN), rng.choice(_FAMILY)
    domain = "".join(ch for ch in company.lower() if ch.isalnum())[:24] or "example"
    return {"first_name": first, "last_name": last, "email": f"{first.lower()}@{domain}.example"}


def weighted_status(rng: random.Random) -> str:
    """The status mix of seeded tenants: mostly active, some trial, suspended, cancelled."""
    return rng.choices(["active", "trial", "suspended", "cancelled"], weights=[70, 12, 10, 8], k=1)[
        0
    ]


def last_months(count: int = 12, today: dt.date | None = None) -> list[dt.date]:
    """First days of the ``count`` months before the current one, oldest first."""
    day = (today or dt.date.today()).replace(day=1)
    months = []
    for _ in range(count):
        day = (day - dt.timedelta(days=1)).replace(day=1)
        months.append(day)
    return list(reversed(months))


def usage_series(rng: random.Random, seats: int, months: int = 12) -> list[int]:
    """A usage history that drifts around 60-100% of the seats, sometimes above."""
    level = rng.uniform(0.5, 1.0)
    series = []
    for _ in range(months):
        level = min(1.15, max(0.0, level + rng.uniform(-0.08, 0.08)))
        series.append(max(0, round(seats * level)))
    return series
