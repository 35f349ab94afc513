"""The site's URL map with the hello-world baseline in front (used only by ``./gz bench pages-at-scale``)."""

from django.urls import path

from gongzhi.core import bench_views
from gongzhi.urls import handler400, handler403, handler404, handler500, urlpatterns as site  # noqa: F401

urlpatterns = [path(bench_views.PATH, bench_views.hello, name="bench_hello"), *site]
