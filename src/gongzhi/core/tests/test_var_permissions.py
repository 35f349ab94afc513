"""var/ files are the owner's alone: the process umask, existing files, and uploads through storage."""

import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from gongzhi.core.files import restrict_var_dir


@pytest.fixture
def keep_umask():
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)


def test_restrict_var_dir_narrows_what_exists_and_what_comes(tmp_path, keep_umask):
    var = tmp_path / "var"
    (var / "media").mkdir(parents=True)
    (var / "db.sqlite3").write_text("x")
    for path, mode in ((var, 0o755), (var / "media", 0o755), (var / "db.sqlite3", 0o644)):
        path.chmod(mode)
    restrict_var_dir(var)
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in (var, var / "media", var / "db.sqlite3")} == {
        "var": "0o700", "media": "0o700", "db.sqlite3": "0o600"}
    (var / "export.xlsx").write_bytes(b"x")  # a file created afterwards by this process
    assert (var / "export.xlsx").stat().st_mode & 0o777 == 0o600


def test_uploads_and_outputs_saved_through_storage_are_owner_only(keep_umask):
    os.umask(0o022)  # even in a process that did not narrow its umask
    name = default_storage.save("jobs/test/upload.xlsx", ContentFile(b"data"))
    try:
        assert os.stat(default_storage.path(name)).st_mode & 0o777 == 0o600
        assert os.stat(os.path.dirname(default_storage.path(name))).st_mode & 0o777 == 0o700
    finally:
        default_storage.delete(name)
