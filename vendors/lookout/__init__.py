"""Lookout Partner API (Mobile Endpoint Security partner provisioning): adapter and sandbox."""
