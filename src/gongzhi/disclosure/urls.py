"""Disclosure pages under /disclosure/: public pages (no login) and staff pages (manage/)."""

from .views import finances, items, on_behalf, powers, property, public, public_powers, questions

app_name = "disclosure"
urlpatterns = [*items.urls, *on_behalf.urls, *questions.urls, *finances.urls, *powers.urls, *property.urls, *public_powers.urls,
               *public.urls]
