"""Open311 GeoReport v2 under /open311/v2/: every resource as .xml or .json (see ``open311``)."""

from django.urls import re_path

from . import open311

app_name = "open311"
FORMAT = r"\.(?P<fmt>[^/.]+)"
urlpatterns = [
    re_path(rf"^discovery{FORMAT}$", open311.discovery, name="discovery"),
    re_path(rf"^services{FORMAT}$", open311.service_list, name="services"),
    re_path(rf"^services/(?P<code>[^/]+){FORMAT}$", open311.service_definition, name="service"),
    re_path(rf"^requests{FORMAT}$", open311.service_requests, name="requests"),
    re_path(rf"^requests/(?P<request_id>[^/]+){FORMAT}$", open311.service_request, name="request"),
    re_path(rf"^tokens/(?P<token>[^/]+){FORMAT}$", open311.token, name="token"),
    re_path(r"^(?P<path>.*)$", open311.not_found, name="not_found"),  # the specification's 404, not a page
]
