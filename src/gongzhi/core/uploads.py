"""One guard for every file a user sends: declared kinds, limits checked before reading, types sniffed.

Every endpoint that accepts files declares it (``@accepts_uploads(PHOTO, field="photos")`` on a page
view or a ninja operation). The declaration is used three times:

- ``RequestSizeLimitMiddleware`` refuses a request by its ``Content-Length`` before anything reads the
  body: above ``GONGZHI_MAX_REQUEST_BYTES`` unless the endpoint declares files, and then above what its
  kind allows (413, a Chinese page or ``{"detail", "code": "request_too_large"}``). Django streams the
  accepted files to temporary files on disk (``FILE_UPLOAD_MAX_MEMORY_SIZE``).
- ``check_files`` / ``UploadField`` check count and size from ``UploadedFile.size`` and the type from
  the first bytes of the content (never from the name), before anything reads the whole file; a
  workbook's zip directory and cell references are checked while streaming, without building a sheet.
- ``tests/test_hostile_uploads.py`` finds every declared endpoint from the URL map and posts a corpus
  of hostile files to it; it fails when a view reads ``request.FILES`` or an API operation takes
  binary content without a declaration, so a new upload endpoint cannot miss the guard.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import workbooks
from .errors import DomainError

HEAD_BYTES = 8192  # what a type is sniffed from
MB = 1024 * 1024


class UploadRefused(DomainError):
    """A file (or a set of files) refused before it is read; the message names the limit, ``reason``
    says which check refused it (size, count, type, empty, encoding, unreadable, bomb, extent)."""

    status = 422
    code = "invalid"

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason

    def on_field(self, name: str) -> UploadRefused:
        self.fields = {name: self.reason}
        return self


# --- File types: recognised by their content -------------------------------------------------------

def _is_text(head: bytes) -> bool:
    """Plain text in UTF-8 or GB18030 (a cut multi-byte character at the end of the head is fine)."""
    if b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return True
    return False


def _is_json(head: bytes) -> bool:
    if not _is_text(head):
        return False
    text = head.decode("utf-8-sig", errors="ignore").lstrip()
    return text[:1] in ("{", "[")


@dataclass(frozen=True)
class FileType:
    name: str
    extensions: tuple[str, ...]
    sniff: Callable[[bytes], bool]
    inspect: Callable[[IO[bytes], str], None] | None = None  # a deeper check of the structure


def _inspect_xlsx(fh: IO[bytes], label: str) -> None:
    """An Excel workbook within ``core.workbooks``' bounds (zip bombs, sheet extent, text length),
    checked while streaming its parts: the same check the import job makes before reading."""
    try:
        names = set(zipfile.ZipFile(fh).namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise UploadRefused(_("文件“%(name)s”已损坏，无法读取。") % {"name": label}, reason="unreadable") from None
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise UploadRefused(_("文件“%(name)s”不是 Excel 工作簿。") % {"name": label}, reason="type")
    fh.seek(0)
    try:
        workbooks.check_xlsx(fh)
    except workbooks.WorkbookRefused as refused:
        raise UploadRefused(_("文件“%(name)s”已拒绝：%(reason)s") % {"name": label, "reason": refused},
                            reason=refused.reason) from None


SHAPEFILE_MEMBERS = 16  # a Shapefile is .shp, .shx, .dbf with .prj, .cpg and a few sidecar files
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".xml", ".qmd", ".fix", ".txt")
ZIP_MAX_RATIO = 500  # a member that inflates more than this is a bomb, not a map


def _inspect_shapefile_zip(fh: IO[bytes], label: str) -> None:
    """A zipped Shapefile, judged by the zip's central directory alone, before any member is read:
    few members, plain names (no absolute paths, no ``..``, no drive letters, nothing hidden in
    folders), no encryption, a bounded total once unpacked and no member inflating like a bomb;
    exactly one ``.shp`` with its ``.shx`` and ``.dbf``."""
    try:
        infos = zipfile.ZipFile(fh).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise UploadRefused(_("文件“%(name)s”已损坏，无法读取。") % {"name": label}, reason="unreadable") from None
    if len(infos) > SHAPEFILE_MEMBERS:
        raise UploadRefused(_("压缩包“%(name)s”内的文件过多（%(count)d 个，最多 %(n)d 个），已拒绝。") % {
            "name": label, "count": len(infos), "n": SHAPEFILE_MEMBERS}, reason="count")
    total, names = 0, []
    for info in infos:
        name = info.filename
        parts = name.rstrip("/").split("/")
        if (name.startswith("/") or "\\" in name or ":" in name or len(parts) > 2
                or any(part in ("", ".", "..") for part in parts)):
            raise UploadRefused(_("压缩包“%(name)s”内含不安全的文件名“%(member)s”，已拒绝（文件须放在压缩包根目录或一层文件夹内）。") % {
                "name": label, "member": name[:80]}, reason="path")
        if info.flag_bits & 0x1:
            raise UploadRefused(_("压缩包“%(name)s”已加密，已拒绝。") % {"name": label}, reason="type")
        if info.is_dir():
            continue
        total += info.file_size
        if parts[0] == "__MACOSX" or parts[-1].startswith("."):  # macOS resource forks: counted, never read
            continue
        if not name.lower().endswith(SHAPEFILE_PARTS):
            raise UploadRefused(_("压缩包“%(name)s”内的“%(member)s”不是 Shapefile 的组成文件，已拒绝。") % {
                "name": label, "member": name[:80]}, reason="type")
        if info.file_size > MB and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
            raise UploadRefused(_("压缩包“%(name)s”解压后过大（压缩比异常），已拒绝。") % {"name": label}, reason="bomb")
        names.append(name)
    limit = int(settings.GONGZHI_MAP_LAYER_MAX_UNPACKED_BYTES)
    if total > limit:
        raise UploadRefused(_("压缩包“%(name)s”解压后过大（%(size)s，最大 %(limit)s），已拒绝。") % {
            "name": label, "size": filesizeformat(total), "limit": filesizeformat(limit)}, reason="bomb")
    lower = {n.lower(): n for n in names}
    shp = [n for n in lower if n.endswith(".shp")]
    if len(shp) != 1:
        raise UploadRefused(_("压缩包“%(name)s”不是一个 Shapefile：须含且只含一个 .shp 文件。") % {"name": label},
                            reason="type")
    stem = shp[0][:-4]
    missing = [ext for ext in (".shx", ".dbf") if stem + ext not in lower]
    if missing:
        raise UploadRefused(_("压缩包“%(name)s”不是完整的 Shapefile：缺少 %(missing)s 文件。") % {
            "name": label, "missing": "、".join(missing)}, reason="type")


JPEG = FileType("JPEG", (".jpg", ".jpeg"), lambda head: head.startswith(b"\xff\xd8\xff"))  # MPO and Ultra HDR too
PNG = FileType("PNG", (".png",), lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"))
WEBP = FileType("WebP", (".webp",), lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP")
XLSX = FileType("XLSX", (".xlsx", ".xlsm"), lambda head: head.startswith(b"PK\x03\x04"), _inspect_xlsx)
XLS = FileType("XLS", (".xls",), lambda head: head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"))
PDF = FileType("PDF", (".pdf",), lambda head: head.startswith(b"%PDF-"))
CSV = FileType("CSV", (".csv",), _is_text)
GEOJSON = FileType("GeoJSON", (".geojson", ".json"), _is_json)
SHAPEFILE_ZIP = FileType("Shapefile", (".zip",), lambda head: head.startswith(b"PK\x03\x04"), _inspect_shapefile_zip)


# --- Kinds: what an endpoint accepts -----------------------------------------------------------------

@dataclass(frozen=True)
class UploadKind:
    name: str
    label: Any  # lazy text: "照片", "人员表格"
    types: tuple[FileType, ...]
    max_bytes_setting: str  # the setting holding the size limit of one file
    max_count_setting: str = ""  # the setting holding how many files one request may carry ("" = one)
    match_extension: bool = False  # readers that choose by the name need the name to tell the truth
    types_label: Any = ""

    @property
    def max_bytes(self) -> int:
        return int(getattr(settings, self.max_bytes_setting))

    @property
    def max_count(self) -> int:
        return int(getattr(settings, self.max_count_setting)) if self.max_count_setting else 1

    def request_limit(self, transport: str) -> int:
        """The largest request body an endpoint of this kind may receive."""
        files = self.max_bytes * self.max_count
        if transport == "base64":
            return min(files * 4 // 3 + MB, settings.GONGZHI_API_UPLOAD_MAX_BYTES)
        return files + MB  # the form's other fields and the multipart framing


PHOTO = UploadKind("photo", gettext_lazy("照片"), (JPEG, PNG, WEBP), "GONGZHI_CASE_PHOTO_MAX_BYTES",
                   "GONGZHI_CASE_PHOTOS_PER_STEP", types_label=gettext_lazy("JPEG、PNG 或 WebP"))
RESIDENT_SHEET = UploadKind("resident_sheet", gettext_lazy("人员表格"), (XLSX, XLS, CSV),
                            "GONGZHI_RESIDENT_IMPORT_MAX_BYTES", match_extension=True,
                            types_label=gettext_lazy(".xlsx、.xls 或 .csv"))
AREA_FILE = UploadKind("area_file", gettext_lazy("区划文件"), (CSV, GEOJSON), "GONGZHI_AREA_IMPORT_MAX_BYTES",
                       match_extension=True, types_label=gettext_lazy(".csv、.geojson 或 .json"))
DOCUMENT = UploadKind("document", gettext_lazy("附件"), (PDF, JPEG, PNG, WEBP), "GONGZHI_ATTACHMENT_MAX_BYTES",
                      "GONGZHI_ATTACHMENTS_PER_STEP", types_label=gettext_lazy("PDF、JPEG、PNG 或 WebP"))
MAP_LAYER = UploadKind("map_layer", gettext_lazy("底图图层文件"), (GEOJSON, SHAPEFILE_ZIP), "GONGZHI_MAP_LAYER_MAX_BYTES",
                       match_extension=True, types_label=gettext_lazy(".geojson、.json 或 .zip（Shapefile）"))
KINDS = (PHOTO, RESIDENT_SHEET, AREA_FILE, DOCUMENT, MAP_LAYER)


# --- Declarations ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UploadSpec:
    kind: UploadKind
    field: str
    transport: str = "multipart"  # or "base64": files inside a JSON body (the API)


def accepts_uploads(kind: UploadKind, *, field: str, transport: str = "multipart"):
    """Declare that a view (or ninja operation) accepts files of ``kind`` in ``field``."""

    def decorate(view):
        view.upload_spec = UploadSpec(kind, field, transport)
        return view

    return decorate


def _closure_path_view(func) -> Any:
    """The ninja ``PathView`` behind a URL callback (ninja makes one closure per path), or None."""
    func = getattr(func, "__wrapped__", func)
    for cell in getattr(func, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if hasattr(value, "operations") and hasattr(value, "_find_operation"):
            return value
    return None


def declared_specs(callback) -> list[tuple[str, Any, UploadSpec | None]]:
    """(methods, handler, spec) of a URL callback: the view itself, or each ninja operation behind it."""
    path_view = _closure_path_view(callback)
    if path_view is None:
        return [("*", callback, getattr(callback, "upload_spec", None))]
    return [(",".join(op.methods), op.view_func, getattr(op.view_func, "upload_spec", None))
            for op in path_view.operations]


def spec_for(callback, method: str) -> UploadSpec | None:
    for methods, _handler, spec in declared_specs(callback):
        if spec is not None and (methods == "*" or method in methods.split(",")):
            return spec
    return None


# --- Checks ------------------------------------------------------------------------------------------

def _too_large(kind: UploadKind, name: str, size: int) -> UploadRefused:
    return UploadRefused(_("%(kind)s“%(name)s”过大（%(size)s），上限为 %(limit)s。") % {
        "kind": kind.label, "name": name, "size": filesizeformat(size), "limit": filesizeformat(kind.max_bytes)},
        reason="size")


def _too_many(kind: UploadKind, count: int) -> UploadRefused:
    return UploadRefused(_("一次最多上传 %(n)d 个%(kind)s（收到 %(count)d 个）。") % {
        "n": kind.max_count, "kind": kind.label, "count": count}, reason="count")


def _sniffed(kind: UploadKind, name: str, head: bytes) -> FileType:
    lower = name.lower()
    for file_type in kind.types:
        if kind.match_extension and not lower.endswith(file_type.extensions):
            continue
        if file_type.sniff(head):
            return file_type
    raise UploadRefused(_("%(kind)s“%(name)s”的内容不是 %(types)s 格式，已拒绝。") % {
        "kind": kind.label, "name": name, "types": kind.types_label}, reason="type")


def check_file(kind: UploadKind, upload, *, field_name: str = "") -> FileType:
    """Check one ``UploadedFile`` (size from ``.size``, type from its first bytes, structure where the
    type has an inspection); it is left open at its start for the caller."""
    name = (getattr(upload, "name", "") or "")[:120]
    if upload.size > kind.max_bytes:
        raise _too_large(kind, name, upload.size)
    if not upload.size:
        raise UploadRefused(_("%(kind)s“%(name)s”是空文件。") % {"kind": kind.label, "name": name},
                            reason="empty")
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    file_type = _sniffed(kind, name, head)
    if file_type.inspect is not None:
        file_type.inspect(upload, name)
        upload.seek(0)
    return file_type


def check_files(kind: UploadKind, uploads: Iterable) -> list:
    """Check the count first, then each file; returns the files (still unread)."""
    uploads = list(uploads)
    if len(uploads) > kind.max_count:
        raise _too_many(kind, len(uploads))
    for upload in uploads:
        check_file(kind, upload)
    return uploads


def files_from(request, kind: UploadKind, field_name: str) -> list:
    """The checked files of ``field_name`` in a multipart request (``UploadRefused`` on that field).

    The view must be declared with ``accepts_uploads``: otherwise the size limit before reading and
    the hostile-files corpus would both miss it.
    """
    match = getattr(request, "resolver_match", None)
    if match is not None and spec_for(match.func, request.method) is None:
        raise ImproperlyConfigured(f"{match.view_name} reads files but is not declared with accepts_uploads")
    try:
        return check_files(kind, request.FILES.getlist(field_name))
    except UploadRefused as refusal:
        raise refusal.on_field(field_name) from None


@dataclass
class DecodedFile:
    """A file that came base64-encoded in a JSON body: bytes with the name and size of an upload."""

    content: bytes
    name: str = "upload"
    _stream: io.BytesIO = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._stream = io.BytesIO(self.content)

    @property
    def size(self) -> int:
        return len(self.content)

    def read(self, n: int = -1) -> bytes:
        return self._stream.read(n)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()


def decode_base64_files(kind: UploadKind, values: list[str], *, field_name: str = "photos") -> list[bytes]:
    """Files sent as base64 (or ``data:`` URLs) in a JSON body: count and encoded size checked before
    decoding, then each checked like an upload. Returns the decoded bytes."""
    try:
        return _decode_base64_files(kind, values)
    except UploadRefused as refusal:
        raise refusal.on_field(field_name) from None


def _decode_base64_files(kind: UploadKind, values: list[str]) -> list[bytes]:
    if len(values) > kind.max_count:
        raise _too_many(kind, len(values))
    decoded = []
    for number, value in enumerate(values, start=1):
        name = f"#{number}"
        data = value.split(",", 1)[1] if value.startswith("data:") else value
        if len(data) * 3 // 4 > kind.max_bytes + 3:
            raise _too_large(kind, name, len(data) * 3 // 4)
        try:
            content = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise UploadRefused(_("%(kind)s %(name)s 须为 base64 编码。") % {"kind": kind.label, "name": name},
                                reason="encoding") from None
        check_file(kind, DecodedFile(content, name))
        decoded.append(content)
    return decoded


class UploadField(forms.FileField):
    """A form's file field that goes through the guard: one file of ``kind``, checked before it is read."""

    def __init__(self, *, kind: UploadKind, **kwargs) -> None:
        self.kind = kind
        kwargs.setdefault("widget", forms.FileInput(attrs={"accept": ",".join(
            ext for file_type in kind.types for ext in file_type.extensions)}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            try:
                check_file(self.kind, upload)
            except UploadRefused as refusal:
                raise forms.ValidationError(refusal.message, code=refusal.reason) from None
        return upload


# --- Request size, before anything reads the body ----------------------------------------------------

def _resolved(request):
    try:
        return resolve(request.path_info)
    except Resolver404:
        return None


def _refuse_request(request, message: str, code: str = "request_too_large", match=None):
    """413 in the endpoint's own error format: a view may carry ``request_refusal(request, status,
    message, **url_kwargs)`` (Open311 answers with its specification's error document); the API
    answers ``{"detail", "code"}``, pages an error page."""
    responder = getattr(match.func, "request_refusal", None) if match is not None else None
    if responder is not None:
        return responder(request, 413, message, **match.kwargs)
    if request.path.startswith(("/api/", "/open311/")):
        return JsonResponse({"detail": message, "code": code}, status=413)
    return render(request, "core/error.html", {"status": 413, "title": _("提交的内容过大"), "message": message},
                  status=413)


class RequestSizeLimitMiddleware:
    """Refuse oversized bodies by ``Content-Length`` before they are read (limits per declared endpoint)
    and turn Django's own refusals while parsing a multipart body (too many files or fields) into a
    clear 413 instead of a bare 400.

    It sits before ``CsrfViewMiddleware``, whose ``process_view`` is the first thing to read a body.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.GONGZHI_MAX_REQUEST_BYTES:
            match = _resolved(request)
            limit = self._limit(match, request.method)
            if length > limit:
                message = _("提交的内容过大（%(size)s），此处上限为 %(limit)s。") % {
                    "size": filesizeformat(length), "limit": filesizeformat(limit)}
                return _refuse_request(request, message, match=match)
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.FILES  # noqa: B018 - parse now (streaming files to disk), where refusals are clear
            except TooManyFilesSent:
                return _refuse_request(request, _("一次提交的文件过多（上限 %(n)d 个）。") % {
                    "n": settings.DATA_UPLOAD_MAX_NUMBER_FILES}, code="too_many_files", match=_resolved(request))
            except (TooManyFieldsSent, RequestDataTooBig):
                return _refuse_request(request, _("提交的表单内容过多。"), match=_resolved(request))
        return self.get_response(request)

    @staticmethod
    def _limit(match, method: str) -> int:
        if match is None:
            return settings.GONGZHI_MAX_REQUEST_BYTES
        spec = spec_for(match.func, method)
        if spec is None:
            return settings.GONGZHI_MAX_REQUEST_BYTES
        return max(spec.kind.request_limit(spec.transport), settings.GONGZHI_MAX_REQUEST_BYTES)
