"""Deliberation pages under /deliberation/: topics, bodies, meetings, votes, follow-up, 四议两公开."""

app_name = "deliberation"
urlpatterns: list = []
