"""REST API, versioned under /api/v1/; the OpenAPI schema and its docs beside it.

One docs page, Swagger UI. Redoc was dropped: it injects styles at run time, starts its search
worker from a blob: URL and loads its logo from cdn.redoc.ly, none of which our Content Security
Policy allows, and it showed nothing Swagger UI does not.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from . import views

app_name = "api"

router = DefaultRouter()
router.include_root_view = False
router.register("connections", views.ConnectionViewSet, basename="connection")
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("tenants", views.TenantViewSet, basename="tenant")
router.register("subscriptions", views.SubscriptionViewSet, basename="subscription")
router.register("products", views.ProductViewSet, basename="product")
router.register("usage", views.UsageViewSet, basename="usage")
router.register("billing-lines", views.BillingLineViewSet, basename="billingline")
router.register("statements", views.StatementViewSet, basename="statement")
router.register("operations", views.OperationViewSet, basename="operation")
router.register("operation-batches", views.OperationBatchViewSet, basename="operationbatch")
router.register("approvals", views.ApprovalViewSet, basename="approval")
router.register("sync-runs", views.SyncRunViewSet, basename="syncrun")
router.register("discrepancies", views.DiscrepancyViewSet, basename="discrepancy")
router.register("audit-events", views.AuditEventViewSet, basename="auditevent")
router.register(
    "webhook-subscriptions", views.WebhookSubscriptionViewSet, basename="webhooksubscription"
)
router.register("webhook-deliveries", views.WebhookDeliveryViewSet, basename="webhookdelivery")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^", views.not_found, name="not-found"),
]
