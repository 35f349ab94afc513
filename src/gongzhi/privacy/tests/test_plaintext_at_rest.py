"""The embedded demo database holds no plaintext of encrypted values (the file's bytes are grepped).

A real SQLite file is built the way ``./gz demo`` builds it — ``migrate`` then ``demo_setup``
with the embedded settings, in a subprocess, the data key generated under the var directory —
then the WAL is checkpointed and the bytes of the database (and any WAL left) are searched.
"""

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from gongzhi.demo.district import DEMO_ACCOUNTS

# The database is an embedded SQLite file whatever the suite runs on: the PostgreSQL lane leaves it out.
pytestmark = pytest.mark.embedded

REPO_ROOT = Path(__file__).resolve().parents[4]  # src/gongzhi/privacy/tests/ -> repository root
OPEN311_REPORT = """
from gongzhi.areas.models import Area, Level
from gongzhi.cases import open311_intake
from gongzhi.cases.models import Category
from gongzhi.cases.open311_keys import issue_open311_key
key, _value = issue_open311_key(actor=None, name="hotline")
lon, lat = Area.objects.filter(level=Level.GRID, code="34170200100101").get().centroid
open311_intake.submit(key=key, category=Category.objects.get(code="0303"), lon=lon, lat=lat,
                      description="幸福路口井盖塌陷，车辆经过很危险", address="幸福路 12 号",
                      reporter_name="热心市民", reporter_phone="13955550001")
open311_intake.file_pending()
"""

# Jobs whose files hold personal data: the check of an uploaded ledger and an unmasked export.
JOB_FILES = """
import sys
from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.jobs import services as jobs
from gongzhi.registry import exporting, import_jobs
staff = User.objects.get(username="community")  # registry.edit and personal.unmask in its community
check = import_jobs.start_import(actor=staff, area=Area.objects.get(code="341702001001"),
                                 data=open(sys.argv[-1], "rb").read(), file_name="people.xlsx", strict=False)
export = exporting.start_person_export(actor=staff, filters={}, unmask=True, reason="核对人口底数")
for job in (check, export):
    assert jobs.run(job.pk).status == "succeeded", job.pk
"""


def run_manage(*args: str, env: dict) -> None:
    result = subprocess.run([sys.executable, "-m", "gongzhi", *args], cwd=REPO_ROOT, env=env, check=False,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"


def embedded_env(db: Path, var_dir: Path) -> dict:
    """The environment of ``./gz demo``'s embedded settings, on the SQLite file ``db``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "gongzhi.settings.embedded",
        "GONGZHI_DATABASE_URL": f"sqlite:///{db}",
        "GONGZHI_VAR_DIR": str(var_dir),
        "PYTHONPATH": str(REPO_ROOT / "src"),
    })
    return env


_BUILT: list[Path] = []  # the demo built once in this test process, copied for each module that asks


def embedded_demo(tmp_path_factory) -> SimpleNamespace:
    """A var/ directory of its own with the demo built in it as ``./gz demo`` builds it.

    The build (half a minute to a minute) runs once per test process; each caller gets a copy of its
    var/ (modes kept), so modules that change their demo do not see each other's changes.
    """
    if not _BUILT:
        var = tmp_path_factory.mktemp("demo-build")
        db = var / "x.sqlite3"
        env = embedded_env(db, var)
        (var / "notices.log").write_text("")
        (var / "notices.log").chmod(0o644)  # as an older version left it
        var.chmod(0o755)
        run_manage("migrate", "--noinput", "-v", "0", env=env)
        run_manage("demo_setup", "--residents", "200", env=env)
        _BUILT.append(var)
    var = tmp_path_factory.mktemp("var")
    shutil.copytree(_BUILT[0], var, dirs_exist_ok=True)  # files and the directory keep their modes
    db = var / "x.sqlite3"
    return SimpleNamespace(var=var, db=db, env=embedded_env(db, var))


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    return embedded_demo(tmp_path_factory)


def test_demo_sqlite_file_contains_no_plaintext_phone_numbers(demo_file):
    var, db = demo_file.var, demo_file.db
    assert (var / "data.key").read_text().startswith("k1:")
    # var/ is the owner's alone: the directory, the database, its keys and logs (core/files.py).
    assert var.stat().st_mode & 0o777 == 0o700
    for path in var.iterdir():
        assert path.stat().st_mode & 0o077 == 0, f"{path.name} is {oct(path.stat().st_mode & 0o777)}"

    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    files = [p for p in (db, Path(f"{db}-wal")) if p.exists()]
    data = b"".join(p.read_bytes() for p in files)

    for username, _name, phone, _role, _where in DEMO_ACCOUNTS:
        assert username.encode() in data, f"grep sanity check: username {username!r} not found"
        assert phone.encode() not in data, f"plaintext phone of {username!r} found in {files}"
        assert phone.encode("utf-16-le") not in data and phone.encode("utf-16-be") not in data
    assert b"k1$" in data  # the phones are there, encrypted


def test_no_resident_id_number_or_phone_in_the_database_file(demo_file, tmp_path):
    """Demo residents, a resident import, the demo organisations and an Open311 reporter: no ID
    number or phone of theirs in the bytes of the database, its WAL, the var/ directory's logs or the
    job files (an uploaded ledger, an unmasked export: sealed at rest)."""
    import json

    from gongzhi.registry.tests.import_helpers import xlsx_bytes

    db, env, var = demo_file.db, demo_file.env, demo_file.var
    sheet = tmp_path / "people.xlsx"  # outside var/: the upload's own copy is what must be sealed
    sheet.write_bytes(xlsx_bytes([["姓名", "身份证号", "联系电话"],
                                  ["导入甲", "110101199003070003", "13912345670"],
                                  ["导入乙", "110101199003070011", "13912345671"]]))
    run_manage("import_residents", str(sheet), "--area", "341702001001", env=env)
    # An Open311 reporter with a phone: queued, then filed as a case by the worker's step.
    run_manage("shell", "-c", OPEN311_REPORT, env=env)
    job_script = tmp_path / "jobs.py"
    job_script.write_text(JOB_FILES)
    ran = subprocess.run([sys.executable, "-m", "gongzhi", "shell", "-c",
                          f"import sys; sys.argv.append({str(sheet)!r}); exec(open({str(job_script)!r}).read())"],
                         cwd=REPO_ROOT, env=env, check=False, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr[-2000:]
    job_files = [p for p in (var / "media" / "jobs").rglob("*") if p.is_file()]
    assert len(job_files) == 2  # the check's uploaded ledger and the unmasked export's workbook
    listed = subprocess.run(
        [sys.executable, "-m", "gongzhi", "shell", "-c",
         "import json; from gongzhi.registry.models import Organisation, Person; "
         "from gongzhi.cases.models import Case, Open311Submission; "
         "print(json.dumps([[p.id_number, p.phone] for p in Person.objects.all()]"
         " + [[o.phone] for o in Organisation.objects.all()]"
         " + [[s.reporter_phone, s.case.reporter_phone] for s in Open311Submission.objects.all()]))"],
        cwd=REPO_ROOT, env=env, check=True, capture_output=True, text=True, timeout=300)
    secrets = {value for pair in json.loads(listed.stdout.strip().splitlines()[-1]) for value in pair if value}
    assert {"110101199003070003", "13912345671", "13955550001"} <= secrets and len(secrets) > 300

    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal"), *var.glob("*.log"), *job_files)
                    if p.exists())
    assert "导入甲".encode() in data  # grep sanity check: names are stored in clear
    found = [value for value in secrets if value.encode() in data]
    assert found == [], f"plaintext identifiers in the database file: {found[:5]}"
