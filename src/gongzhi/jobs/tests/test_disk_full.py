"""The disk full while an upload or an export is written: a clear error, and nothing half-written.

Files are stored on a 1 MB tmpfs filled to the last byte (mounting needs root: skipped otherwise).
An upload to the import page is refused with a Chinese page (507) and leaves no job and no file;
an export fails its job with a message saying the disk is full and leaves no file, partial or
whole. Once there is room again the same steps succeed, and what was stored before is intact.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from gongzhi.areas.models import Area
from gongzhi.jobs import services
from gongzhi.jobs.models import Job, JobStatus
from gongzhi.registry import exporting
from gongzhi.registry.tests import factories

pytestmark = pytest.mark.django_db

COMMUNITY = "341702001001"


@pytest.fixture
def full_disk(settings):
    """MEDIA_ROOT on a 1 MB tmpfs holding one stored file, the rest filled up; yields the filler."""
    mount = Path(tempfile.mkdtemp(prefix="gongzhi-full-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        mount.rmdir()
        pytest.skip(f"cannot mount a small tmpfs to fill up (needs root): {done.stderr.strip()}")
    try:
        settings.MEDIA_ROOT = str(mount)
        (mount / "kept.bin").write_bytes(b"k" * 4096)
        filler = mount / "filler.bin"
        with contextlib.suppress(OSError), open(filler, "wb", buffering=0) as fh:
            while True:
                fh.write(b"\0" * 4096)
        yield filler
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
        mount.rmdir()


def _stored(root) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in Path(root).rglob("*") if path.is_file())


def test_an_upload_on_a_full_disk_is_refused_clearly_and_leaves_no_job_and_no_file(demo, full_disk, settings):
    client = Client(raise_request_exception=False)
    client.force_login(demo.users["community"])
    sheet = ("姓名,身份证号\n" + "张三,110101199003070003\n" * 4000).encode()  # ~100 KB
    area = Area.objects.get(code=COMMUNITY)

    answer = client.post("/registry/import/", {"area": area.code, "file": _upload("花名册.csv", sheet)})

    page = answer.content.decode()
    assert answer.status_code == 507, page[:1000]
    assert "服务器磁盘空间不足，文件没有保存" in page and "Traceback" not in page
    assert not Job.objects.exists()
    assert _stored(settings.MEDIA_ROOT) == ["filler.bin", "kept.bin"]  # no partial upload left

    full_disk.unlink()  # room again: the same upload goes through
    answer = client.post("/registry/import/", {"area": area.code, "file": _upload("花名册.csv", sheet)})
    assert answer.status_code == 302 and Job.objects.count() == 1
    assert (Path(settings.MEDIA_ROOT) / "kept.bin").read_bytes() == b"k" * 4096


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_an_export_on_a_full_disk_fails_saying_so_and_leaves_no_file(demo, full_disk, settings):
    for n in range(30):
        factories.make_person(name=f"导出测试{n}")
    actor, area = demo.users["community"], Area.objects.get(code=COMMUNITY)
    job = Job.objects.create(kind=exporting.EXPORT_KIND, actor=actor, area=area,
                             params={"filters": {}, "unmask": False, "reason": ""})

    services.run(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.output_name
    assert job.message == "服务器磁盘空间不足，文件没有写完，未保存任何结果：请联系系统管理员清理空间后重试。"
    assert _stored(settings.MEDIA_ROOT) == ["filler.bin", "kept.bin"]  # neither the file nor a partial one

    full_disk.unlink()
    again = Job.objects.create(kind=exporting.EXPORT_KIND, actor=actor, area=area, params=job.params)
    services.run(again.pk)
    again.refresh_from_db()
    assert again.status == JobStatus.SUCCEEDED and default_storage.exists(again.output_name)
