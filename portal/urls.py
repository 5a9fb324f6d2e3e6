"""Top-level URLs."""

from django.contrib import admin
from django.urls import include, path

from portal.accounts.urls import me_patterns, users_patterns
from portal.core import views as core_views
from portal.sync.inbound import webhook_receive
from portal.web.views.metrics import metrics

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("webhooks/<int:connection_id>/", webhook_receive, name="webhook-receive"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("api/", include("portal.api.urls")),
    path("usage/", include("portal.usage.urls")),
    path("billing/", include("portal.billing.urls")),
    path("inbox/", include("portal.notifications.urls")),
    path("approvals/", include("portal.approvals.urls")),
    path("users/", include(users_patterns)),
    path("me/", include(me_patterns)),
    path("audit/", include("portal.audit.urls")),
    path("", include("portal.web.urls")),
]
