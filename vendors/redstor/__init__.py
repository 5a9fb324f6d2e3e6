"""Redstor RedAPI: adapter (adapter.py) and local sandbox (sandbox/)."""
