from django.urls import path

from . import views, views_announcements

app_name = "notices"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:notice_id>/open/", views.open_notice, name="open"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    *views_announcements.urls,
]
