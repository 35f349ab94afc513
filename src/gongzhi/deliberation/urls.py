"""Deliberation pages under /deliberation/: topics, bodies, meetings, votes, follow-up, 四议两公开."""

from .views import votes

app_name = "deliberation"
urlpatterns = [*votes.urls]
