"""Billing pages, mounted at /billing/."""

from django.urls import path

from . import margin_views, price_views, statement_views, views

app_name = "billing"
urlpatterns = [
    path("", views.billing_month, name="month"),
    path("export.csv", views.billing_export, name="export"),
    path("prices/", price_views.price_list, name="prices"),
    path("prices/new/", price_views.price_edit, name="price-create"),
    path("prices/<int:pk>/edit/", price_views.price_edit, name="price-edit"),
    path("prices/import/", price_views.price_import, name="price-import"),
    path("prices/export.csv", price_views.price_export, name="price-export"),
    path("margins/", margin_views.margin_report, name="margins"),
    path("statements/", statement_views.statement_list, name="statements"),
    path("statements/<int:pk>/", statement_views.statement_detail, name="statement"),
    path(
        "statements/rows/<int:pk>/accept/",
        statement_views.statement_row_accept_view,
        name="statement-accept",
    ),
    path(
        "statements/mapping/<int:pk>/",
        statement_views.statement_mapping,
        name="statement-mapping",
    ),
]
