"""Top-level URL map, assembled from what the installed apps declare; the API is one NinjaAPI."""

import os

from django.urls import path

from gongzhi.core.plugins import url_patterns

# Every installed app mounts its own URLs (``UrlMount`` in its ``plugin.py``), in their ``order``:
# every request tries the entries in order until one matches, so machine endpoints come first (the
# Open311 intake takes the most requests of all: a dozen entries tried cost it a tenth of its time)
# and the home pages' catch-all prefix last.
urlpatterns = url_patterns()

# The baseline of `./gz bench intake`, only when the benchmark starts the server (never otherwise).
if os.environ.get("GONGZHI_BENCH_HELLO") == "1":
    from gongzhi.core import bench_views

    urlpatterns.insert(0, path(bench_views.PATH, bench_views.hello, name="bench_hello"))

handler400 = "gongzhi.core.views.bad_request"
handler403 = "gongzhi.core.views.permission_denied"
handler404 = "gongzhi.core.views.page_not_found"
handler500 = "gongzhi.core.views.server_error"
