"""Redstor RedAPI sandbox: state (state.py), routes and handlers (routes.py), error bodies (errors.py)."""

from .routes import RedstorSandbox

__all__ = ["RedstorSandbox"]
