"""API views, one module per domain: thin; reads go through the scoping module, writes through
the domain services.

Objects outside the user's scope are not in the views' querysets, so they answer 404. The
viewsets are re-exported here so ``urls.py`` (and anything else) names them from one place.
"""

from __future__ import annotations

from .approvals import ApprovalViewSet
from .audit import AuditEventViewSet
from .base import ReadOnly, not_found
from .billing import BillingLineViewSet, StatementViewSet
from .connections import ConnectionViewSet, ProductViewSet
from .customers import CustomerViewSet, SubscriptionViewSet, TenantViewSet
from .operations import OperationBatchViewSet, OperationViewSet
from .sync import DiscrepancyViewSet, SyncRunViewSet
from .usage import UsageViewSet
from .webhooks import WebhookDeliveryViewSet, WebhookSubscriptionViewSet

__all__ = [
    "ApprovalViewSet",
    "AuditEventViewSet",
    "BillingLineViewSet",
    "ConnectionViewSet",
    "CustomerViewSet",
    "DiscrepancyViewSet",
    "OperationBatchViewSet",
    "OperationViewSet",
    "ProductViewSet",
    "ReadOnly",
    "StatementViewSet",
    "SubscriptionViewSet",
    "SyncRunViewSet",
    "TenantViewSet",
    "UsageViewSet",
    "WebhookDeliveryViewSet",
    "WebhookSubscriptionViewSet",
    "not_found",
]
