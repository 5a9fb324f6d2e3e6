"""Egnyte MSP sandbox: ``state`` (data), ``routes`` (HTTP), ``delivery`` (webhooks), ``errors``."""

from .routes import EgnyteSandbox

__all__ = ["EgnyteSandbox"]
