"""Lookout Partner API sandbox, moto-style: ``state`` (data), ``routes`` (HTTP), ``errors``."""

from .routes import LookoutSandbox

__all__ = ["LookoutSandbox"]
