from django.urls import path

from . import views

app_name = "areas"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("map/", views.grid_map, name="map"),
    path("map/geojson/", views.geojson, name="geojson"),
    # Fixed paths come before "<str:code>/", which would otherwise swallow them.
    path("import/", views.import_page, name="import"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("export.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("export.geojson", views.export, {"fmt": "geojson"}, name="export_geojson"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/geojson/", views.geojson, name="area_geojson"),
]
