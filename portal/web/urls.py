"""Staff pages."""

from django.urls import path

from .views import connections, customers, operations, reconcile

app_name = "web"
urlpatterns = [
    path("", customers.dashboard, name="home"),
    path("dashboard/connections/", customers.dashboard_connections, name="dashboard-connections"),
    path("customers/", customers.customer_list, name="customer-list"),
    path("customers/new/", customers.customer_create_view, name="customer-create"),
    path("customers/<int:pk>/", customers.customer_detail, name="customer-detail"),
    path("customers/<int:pk>/edit/", customers.customer_edit, name="customer-edit"),
    path("customers/<int:pk>/bulk/<str:kind>/", operations.bulk, name="customer-bulk"),
    path("tenants/<int:pk>/<str:kind>/", customers.tenant_action, name="tenant-action"),
    path(
        "subscriptions/<int:pk>/<str:kind>/",
        customers.subscription_action,
        name="subscription-action",
    ),
    path("provision/", operations.provision, name="provision"),
    path("provision/products/", operations.provision_products, name="provision-products"),
    path("operations/", operations.operation_list, name="operation-list"),
    path("operations/<int:pk>/", operations.operation_detail, name="operation-detail"),
    path("operations/<int:pk>/status/", operations.operation_status, name="operation-status"),
    path("operations/<int:pk>/retry/", operations.operation_retry, name="operation-retry"),
    path("operations/<int:pk>/cancel/", operations.operation_cancel, name="operation-cancel"),
    path("batches/<int:pk>/", operations.batch_detail, name="batch-detail"),
    path("batches/<int:pk>/status/", operations.batch_status, name="batch-status"),
    path("batches/<int:pk>/resume/", operations.batch_resume, name="batch-resume"),
    path("connections/", connections.connection_list, name="connection-list"),
    path("connections/new/", connections.connection_edit, name="connection-create"),
    path("connections/<int:pk>/", connections.connection_detail, name="connection-detail"),
    path("connections/<int:pk>/edit/", connections.connection_edit, name="connection-edit"),
    path("connections/<int:pk>/test/", connections.connection_test_view, name="connection-test"),
    path("connections/<int:pk>/sync/", connections.connection_sync, name="connection-sync"),
    path("sync/", connections.sync_list, name="sync-list"),
    path("sync/<int:pk>/", connections.sync_detail, name="sync-detail"),
    path("sync/<int:pk>/progress/", connections.sync_progress, name="sync-progress"),
    path("unmatched/", reconcile.unmatched_list, name="unmatched-list"),
    path("unmatched/<int:pk>/", reconcile.unmatched_adopt, name="unmatched-adopt"),
    path("discrepancies/", reconcile.discrepancy_list, name="discrepancy-list"),
    path(
        "discrepancies/<int:pk>/<str:how>/",
        reconcile.discrepancy_resolve,
        name="discrepancy-resolve",
    ),
]
