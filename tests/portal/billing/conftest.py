"""Fixtures of the billing tests: a connection to a vendor sandbox (statements come from it)."""

from tests.portal.sync.conftest import connect  # noqa: F401  (a connection to a sandbox)
