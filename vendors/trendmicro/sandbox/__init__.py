"""Trend Micro LMPI sandbox: state (models), routes (handlers) and LMPI-shaped errors."""

from .routes import TrendMicroSandbox

__all__ = ["TrendMicroSandbox"]
