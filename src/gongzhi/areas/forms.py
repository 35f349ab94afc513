"""Forms of the area pages: the import upload."""

from __future__ import annotations

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
ALLOWED_EXTENSIONS = (".csv", ".geojson", ".json")


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("区划文件"),
        help_text=_("CSV（UTF-8）或 GeoJSON，最大 50 MB。"),
        widget=forms.FileInput(attrs={"accept": ",".join(ALLOWED_EXTENSIONS)}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ALLOWED_EXTENSIONS):
            raise forms.ValidationError(_("只支持 .csv、.geojson 或 .json 文件。"))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件过大（%(size)s），上限为 50 MB。") % {"size": filesizeformat(upload.size)})
        return upload
