"""Service hall pages under /services/: the catalogue and admission list (signed in), certificates
(staff), and the public verification page (no sign-in)."""

from .views import applications, catalogue, certificates, verification

app_name = "services"
urlpatterns = [*catalogue.urls, *applications.urls, *certificates.urls, *verification.urls]
