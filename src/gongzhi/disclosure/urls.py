"""Disclosure pages under /disclosure/: public pages (no login) and staff pages."""

from .views import powers, property, public_powers

app_name = "disclosure"
urlpatterns = [*powers.urls, *property.urls, *public_powers.urls]
