"""Case pages under /cases/: queues, detail and actions, reporting, mobile tasks, patrols, supervision."""

from .views import board, configure, detail, maps, mobile, queue, report

app_name = "cases"
urlpatterns = [*queue.urls, *report.urls, *mobile.urls, *board.urls, *maps.urls, *configure.urls, *detail.urls]
