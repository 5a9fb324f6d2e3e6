"""Top-level URLs."""

from django.contrib import admin
from django.urls import include, path

from portal.core import views as core_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("", core_views.home, name="home"),
]
