from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "portal.customers"
    label = "customers"
