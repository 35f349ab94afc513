"""Case pages under /cases/: queues, detail and actions, reporting, mobile tasks, patrols, supervision."""

from .views import board, configure, detail, maps, mobile, open311_keys, queue, report, stats

app_name = "cases"
urlpatterns = [*queue.urls, *report.urls, *mobile.urls, *board.urls, *maps.urls, *configure.urls, *open311_keys.urls, *stats.urls, *detail.urls]
