"""Mounted at ``map/tiles/`` (``core/plugin.py``)."""

from django.urls import path

from . import views

app_name = "raster"
urlpatterns = [
    path("<path:rest>", views.tile, name="tile"),
    path("", views.tile, {"rest": ""}, name="root"),
]
