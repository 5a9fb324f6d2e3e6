"""Bitdefender GravityZone sandbox: state (``state.py``), JSON-RPC routes (``routes.py``), errors."""

from .routes import BitdefenderSandbox

__all__ = ["BitdefenderSandbox"]
