"""Top-level URL map. Each domain app brings its own urls module; the API is one NinjaAPI."""

import os

from django.urls import include, path

from gongzhi.accounts.admin_site import admin_site
from gongzhi.core import views as core_views
from gongzhi.core.api import api

# Machine endpoints first: every request tries the entries in order until one matches, and the
# Open311 intake takes the most requests of all (a dozen entries tried cost it a tenth of its time).
urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("open311/v2/", include("gongzhi.cases.open311_urls")),
    path("api/v1/", api.urls),
    path("accounts/", include("gongzhi.accounts.urls")),
    path("areas/", include("gongzhi.areas.urls")),
    path("audit/", include("gongzhi.audit.urls")),
    path("privacy/", include("gongzhi.privacy.urls")),
    path("notices/", include("gongzhi.notices.urls")),
    path("jobs/", include("gongzhi.jobs.urls")),
    path("registry/", include("gongzhi.registry.urls")),
    path("cases/", include("gongzhi.cases.urls")),
    path("manage/", admin_site.urls),
    path("", include("gongzhi.core.urls")),
]

# The baseline of `./gz bench intake`, only when the benchmark starts the server (never otherwise).
if os.environ.get("GONGZHI_BENCH_HELLO") == "1":
    from gongzhi.core import bench_views

    urlpatterns.insert(0, path(bench_views.PATH, bench_views.hello, name="bench_hello"))

handler400 = "gongzhi.core.views.bad_request"
handler403 = "gongzhi.core.views.permission_denied"
handler404 = "gongzhi.core.views.page_not_found"
handler500 = "gongzhi.core.views.server_error"
