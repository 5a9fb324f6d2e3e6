"""People and policies for the approval tests: a reseller with a sub-reseller, their users,
and distributor staff; tenants come from the vendor sandboxes through the portal's own create."""

from __future__ import annotations

import pytest

from portal.accounts.models import Role
from portal.approvals.models import ApprovalPolicy
from tests.factories import ProfileFactory, ResellerFactory

# Fixtures of the operation tests (sandbox connections, in-process runs) serve here too.
from tests.portal.operations.conftest import connect, provision, settle  # noqa: F401


@pytest.fixture
def estate(db):
    northwind = ResellerFactory(name="Northwind MSP")
    branch = ResellerFactory(name="Northwind North", parent=northwind)
    contoso = ResellerFactory(name="Contoso MSP")
    return {
        "northwind": northwind,
        "branch": branch,
        "contoso": contoso,
        "admin": ProfileFactory(role=Role.ADMIN).user,
        "staff": ProfileFactory(role=Role.OPERATOR).user,
        "northwind_admin": ProfileFactory(role=Role.ADMIN, reseller=northwind).user,
        "northwind_op": ProfileFactory(role=Role.OPERATOR, reseller=northwind).user,
        "branch_op": ProfileFactory(role=Role.OPERATOR, reseller=branch).user,
        "branch_admin": ProfileFactory(role=Role.ADMIN, reseller=branch).user,
        "contoso_admin": ProfileFactory(role=Role.ADMIN, reseller=contoso).user,
    }


@pytest.fixture
def seats_policy(estate):
    """Northwind's subtree: seat increases above 10 seats need the distributor's yes."""
    return ApprovalPolicy.objects.create(
        reseller=estate["northwind"], new_tenant=False, cancel=True, seats_above=10
    )
