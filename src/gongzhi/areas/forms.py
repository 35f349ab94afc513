"""Forms of the area pages: the import upload."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.uploads import AREA_FILE, UploadField


class ImportUploadForm(forms.Form):
    file = UploadField(kind=AREA_FILE, label=_("区划文件"), help_text=_("CSV（UTF-8）或 GeoJSON，最大 50 MB。"))
