"""Outbound events: what domain apps announce, who subscribed, and every delivery attempt.

The bottom layer under the domain apps (customers, sync, operations, usage): it depends only on
portal.core and portal.audit, so any of them may emit without importing a delivery app.
"""
