"""Stateful local simulators of the vendor APIs, with fault injection and a request journal.

Shared machinery lives here (server, faults, journal, seeding); each vendor's own sandbox
(state, routes, vendor-shaped errors) lives in ``vendors/<vendor>/sandbox/``.
Nothing here imports Django.
"""

from vendors.registry import SANDBOXES

from .base import VendorSandbox
from .server import SandboxServer

__all__ = ["SANDBOXES", "SandboxServer", "VendorSandbox"]
