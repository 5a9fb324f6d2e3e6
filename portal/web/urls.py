"""Staff pages."""

from django.urls import path

from portal.core import views as core_views

app_name = "web"
urlpatterns = [
    path("", core_views.home, name="home"),
]
