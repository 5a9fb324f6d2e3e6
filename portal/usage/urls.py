"""Usage review pages, mounted at /usage/."""

from django.urls import path

from . import views

app_name = "usage"
urlpatterns = [
    path("", views.usage_review, name="review"),
    path("export.csv", views.usage_export, name="export"),
    path("customers/<int:pk>/", views.usage_customer_history, name="customer"),
    path("close/", views.usage_close, name="close"),
    path("reopen/", views.usage_reopen, name="reopen"),
]
