"""WSGI entry point (gunicorn gongzhi.wsgi:application)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings.embedded")
application = get_wsgi_application()
