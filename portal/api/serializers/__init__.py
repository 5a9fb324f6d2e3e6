"""API representations, one module per domain. Every field carries a description (help_text)
for the schema.

The serializers are re-exported here so callers name them from one place.
"""

from __future__ import annotations

from .audit import AuditEventSerializer
from .connections import (
    ConnectionSerializer,
    ConnectionTestResultSerializer,
    CreateOptionSerializer,
    ProductSerializer,
)
from .customers import (
    CustomerSerializer,
    SubscriptionSerializer,
    TenantLinkSerializer,
    TenantSerializer,
)
from .operations import (
    BatchPlanSerializer,
    BatchProgressSerializer,
    BatchRequestSerializer,
    OperationBatchSerializer,
    OperationCreateSerializer,
    OperationSerializer,
    PlanItemSerializer,
)
from .sync import (
    DiscrepancyResolvedSerializer,
    DiscrepancyResolveSerializer,
    DiscrepancySerializer,
    SyncRequestSerializer,
    SyncRunSerializer,
    UsageRequestSerializer,
)
from .usage import UsageRecordSerializer
from .webhooks import (
    WebhookAttemptSerializer,
    WebhookDeliverySerializer,
    WebhookSubscriptionCreatedSerializer,
    WebhookSubscriptionSerializer,
)

__all__ = [
    "AuditEventSerializer",
    "BatchPlanSerializer",
    "BatchProgressSerializer",
    "BatchRequestSerializer",
    "ConnectionSerializer",
    "ConnectionTestResultSerializer",
    "CreateOptionSerializer",
    "CustomerSerializer",
    "DiscrepancyResolveSerializer",
    "DiscrepancyResolvedSerializer",
    "DiscrepancySerializer",
    "OperationBatchSerializer",
    "OperationCreateSerializer",
    "OperationSerializer",
    "PlanItemSerializer",
    "ProductSerializer",
    "SubscriptionSerializer",
    "SyncRequestSerializer",
    "SyncRunSerializer",
    "TenantLinkSerializer",
    "TenantSerializer",
    "UsageRecordSerializer",
    "UsageRequestSerializer",
    "WebhookAttemptSerializer",
    "WebhookDeliverySerializer",
    "WebhookSubscriptionCreatedSerializer",
    "WebhookSubscriptionSerializer",
]
