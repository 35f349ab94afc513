"""The import_areas and export_areas management commands: output, last-line JSON, exit codes."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry

from .builders import NEW_DISTRICT, csv_bytes, geojson_bytes, replace

pytestmark = pytest.mark.django_db


def import_command(path, *args) -> tuple[list[str], int]:
    out = StringIO()
    try:
        call_command("import_areas", str(path), *args, stdout=out, stderr=StringIO())
        code = 0
    except CommandError as exc:
        code = exc.returncode
    return out.getvalue().splitlines(), code


def test_import_command_writes_and_prints_counts_as_the_last_line(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_bytes(csv_bytes(NEW_DISTRICT))

    lines, code = import_command(path)

    assert code == 0
    assert json.loads(lines[-1]) == {"rows": 5, "created": 5, "updated": 0, "unchanged": 0, "failed": 0}
    assert Area.objects.count() == 5
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "areas.import" and entry.actor_name == "manage.py import_areas"
    assert entry.after["created"] == 5


def test_import_command_is_idempotent(tmp_path):
    path = tmp_path / "areas.geojson"
    path.write_bytes(geojson_bytes(NEW_DISTRICT))
    import_command(path)

    lines, code = import_command(path)

    assert code == 0
    assert json.loads(lines[-1]) == {"rows": 5, "created": 0, "updated": 0, "unchanged": 5, "failed": 0}


def test_import_command_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_bytes(csv_bytes(NEW_DISTRICT))

    lines, code = import_command(path, "--dry-run")

    assert code == 0
    assert json.loads(lines[-1])["created"] == 5
    assert Area.objects.count() == 0


def test_import_command_reports_rows_and_exits_1(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_bytes(csv_bytes(replace(replace(NEW_DISTRICT, "341703001", name=""), "34170300100102", level="x")))

    lines, code = import_command(path)

    assert code == 1
    assert lines[:-1] == [
        "row 3, column name: 名称为空。",
        "row 6, column level: 无法识别的层级“x”（应为 区县、街道、镇、乡、社区、村、网格、村民小组 或 district/street/community/grid）。",
    ]
    assert json.loads(lines[-1]) == {"rows": 5, "created": 0, "updated": 0, "unchanged": 0, "failed": 2}
    assert Area.objects.count() == 0


def test_import_command_exits_2_when_the_file_is_missing(tmp_path):
    with pytest.raises(CommandError, match="cannot read") as exc:
        call_command("import_areas", str(tmp_path / "missing.csv"), stdout=StringIO())
    assert exc.value.returncode == 2


def test_import_command_exits_2_when_the_file_is_not_utf8(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_bytes("code,name,level\r\n341703,新区,区县\r\n".encode("gb18030"))

    with pytest.raises(CommandError, match="UTF-8") as exc:
        call_command("import_areas", str(path), stdout=StringIO())
    assert exc.value.returncode == 2


def test_export_command_writes_csv_and_geojson_that_reimport_unchanged(demo, tmp_path):
    for name, extra in (("all.csv", []), ("all.geojson", []), ("all.txt", ["--format", "geojson"])):
        out = tmp_path / name
        call_command("export_areas", str(out), *extra, stderr=StringIO())

        lines, code = import_command(out)

        assert code == 0
        assert json.loads(lines[-1]) == {"rows": 151, "created": 0, "updated": 0, "unchanged": 151, "failed": 0}


def test_export_command_root_limits_to_a_subtree(demo):
    out = StringIO()
    call_command("export_areas", "-", "--root", "341702001001", stdout=out)

    lines = out.getvalue().lstrip("\ufeff").splitlines()
    assert lines[0] == "code,name,level,parent,geometry"
    assert len(lines) == 1 + 1 + 10
    assert all(line.startswith("341702001001") for line in lines[1:])


def test_export_command_unknown_root_exits_2(demo):
    with pytest.raises(CommandError) as exc:
        call_command("export_areas", "-", "--root", "999999", stdout=StringIO())
    assert exc.value.returncode == 2
