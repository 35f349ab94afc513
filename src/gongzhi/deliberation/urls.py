"""Deliberation pages under /deliberation/: topics, bodies, meetings, votes, follow-up, 四议两公开."""

from .views import bodies, catalogue, meetings, topics, votes

app_name = "deliberation"
urlpatterns = [*topics.urls, *catalogue.urls, *bodies.urls, *meetings.urls, *votes.urls]
