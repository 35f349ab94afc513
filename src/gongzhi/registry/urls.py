"""Registry pages under /registry/: records (people), import, export, resident verification."""

from .views import exports, houses, imports, mobile, move_in, people, stats, verification

app_name = "registry"
urlpatterns = [*people.urls, *houses.urls, *stats.urls, *mobile.urls, *imports.urls, *exports.urls, *verification.urls,
               *move_in.urls]
