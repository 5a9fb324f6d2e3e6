"""Egnyte MSP Public API: adapter, sandbox and webhook delivery parser."""
