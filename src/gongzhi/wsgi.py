"""WSGI entry point (gunicorn gongzhi.wsgi:application)."""
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from gongzhi.core.files import restrict_var_dir

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings.embedded")
restrict_var_dir(settings.VAR_DIR)  # the database, uploads and exports: owner-only (core/files.py)
application = get_wsgi_application()
