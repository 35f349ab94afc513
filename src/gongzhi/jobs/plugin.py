"""What the jobs app brings to the spine (see ``core/plugins.py``)."""

from gongzhi.core.plugins import AppPlugin, UrlMount

plugin = AppPlugin(urls=(UrlMount("jobs/", "gongzhi.jobs.urls", order=160),))
