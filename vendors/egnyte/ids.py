"""External ids of Egnyte tenants, shared by the adapter, the sandbox and the webhook parser.

The MSP API has two tenant collections with separate name spaces: Connect *domains*
(``/domains/{domain}``) and Protect *tenants* (``/tenants/{tenant}``). The portal sees both, so
an external id names its collection: ``domain:<domain>`` or ``protect:<tenant>``.
"""

from __future__ import annotations

DOMAIN = "domain"
PROTECT = "protect"
KINDS = (DOMAIN, PROTECT)


def domain_id(domain: str) -> str:
    return f"{DOMAIN}:{domain}"


def protect_id(tenant: str) -> str:
    return f"{PROTECT}:{tenant}"


def split_id(external_id: str) -> tuple[str, str]:
    """``"domain:acme"`` -> ``("domain", "acme")``; ValueError for anything else."""
    kind, sep, name = external_id.partition(":")
    if not sep or kind not in KINDS or not name:
        raise ValueError(f"not an Egnyte external id: {external_id!r}")
    return kind, name
