"""Deliberation pages under /deliberation/: topics, bodies, meetings, votes, follow-up, 四议两公开."""

from .views import bodies, catalogue, follow_up, meetings, on_behalf, topics, villages, votes

app_name = "deliberation"
urlpatterns = [*topics.urls, *catalogue.urls, *bodies.urls, *meetings.urls, *votes.urls, *follow_up.urls,
               *villages.urls, *on_behalf.urls]
