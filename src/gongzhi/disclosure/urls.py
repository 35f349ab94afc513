"""Disclosure pages under /disclosure/: public pages (no login) and staff pages."""

app_name = "disclosure"
urlpatterns: list = []
