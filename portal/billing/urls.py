"""Billing pages, mounted at /billing/."""

from django.urls import path

from . import views

app_name = "billing"
urlpatterns = [
    path("", views.billing_month, name="month"),
    path("export.csv", views.billing_export, name="export"),
]
