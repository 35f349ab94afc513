from django.urls import path

from . import views

app_name = "areas"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("map/", views.grid_map, name="map"),
    path("map/geojson/", views.geojson, name="geojson"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/geojson/", views.geojson, name="area_geojson"),
]
