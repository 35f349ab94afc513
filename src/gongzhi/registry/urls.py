"""Registry pages under /registry/: records (people), import, export, resident verification."""

from .views import exports, imports, people, verification

app_name = "registry"
urlpatterns = [*people.urls, *imports.urls, *exports.urls, *verification.urls]
