"""Deliberation pages under /deliberation/: topics, bodies, meetings, votes, follow-up, 四议两公开."""

from .views import follow_up, villages

app_name = "deliberation"
urlpatterns = [*follow_up.urls, *villages.urls]
