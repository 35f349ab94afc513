"""The spine assembles exactly what it did when it kept central lists (see ``snapshot.py``)."""

from __future__ import annotations

import json
import os

import pytest

from tests.spine.snapshot import SNAPSHOT_PATH, snapshot


@pytest.mark.skipif(os.environ.get("GZ_SPINE_SNAPSHOT") != "write", reason="writes the snapshot on request only")
@pytest.mark.django_db
def test_write_snapshot():
    SNAPSHOT_PATH.write_text(json.dumps(snapshot(with_demo=True), ensure_ascii=False, indent=1) + "\n",
                             encoding="utf-8")


def _before() -> dict:
    return json.loads(SNAPSHOT_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize("part", ["urls", "api", "perms", "matrix", "menus"])
def test_the_spine_assembles_what_it_did(part):
    """Every URL (route, name, view), API operation (path, method, operationId, tags), permission
    (code, attribute, labels), role matrix row and role menu is what the central lists gave."""
    assert snapshot(with_demo=False)[part] == _before()[part]


@pytest.mark.django_db
def test_the_demo_prints_what_it_did():
    from tests.spine.snapshot import demo_output

    assert demo_output() == _before()["demo"]
