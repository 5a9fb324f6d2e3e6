"""Figures and vendor keys as people read them: sizes in KB…TB, counts with separators, and
labels for metric names and raw add-on keys (``manageSandboxAnalyzer``)."""

from __future__ import annotations

import re
from decimal import Decimal

from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import filesizeformat

#: Words a label keeps in capitals.
ACRONYMS = {"edr", "vdi", "ats", "gb", "tb", "nfr", "api", "mdm", "xdr", "ai", "vpn", "ip"}
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def plain_number(value: Decimal | int | float) -> str:
    """7.0000 -> "7", 1.5000 -> "1.5": exact, without padding or an exponent."""
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def count(value: Decimal | int | float | None) -> str:
    """A count with thousands separators (1234567 -> "1,234,567"); "—" for None."""
    if value is None:
        return "—"
    return str(intcomma(plain_number(value), use_l10n=False))


def quantity(value: Decimal | int | float | None, unit: str) -> str:
    """A figure in its unit: bytes as a size (20772609327104 -> "18.9 TB"), else a count."""
    if value is None:
        return "—"
    if unit == "bytes":
        return str(filesizeformat(int(value)))
    return count(value)


def label(key: str) -> str:
    """``manageSandboxAnalyzer`` / ``edr_endpoints`` -> "Manage sandbox analyzer" / "EDR endpoints"."""
    words = _WORD.findall(key.replace("_", " ").replace("-", " ")) or [key]
    shown = [w.upper() if w.lower() in ACRONYMS else w.lower() for w in words]
    first = shown[0]
    shown[0] = first if first.isupper() else first.capitalize()
    return " ".join(shown)
