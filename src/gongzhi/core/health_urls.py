"""The health check, mounted first of all (``core/plugin.py``): load balancers ask it often."""

from django.urls import path

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
]
