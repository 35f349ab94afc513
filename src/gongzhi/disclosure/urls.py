"""Disclosure pages under /disclosure/: public pages (no login) and staff pages (manage/)."""

from .views import finances, items, public, questions

app_name = "disclosure"
urlpatterns = [*items.urls, *questions.urls, *finances.urls, *public.urls]
