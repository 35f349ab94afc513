"""Every action code the source records, and every program that acts without an account, has a Chinese name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

from gongzhi.audit import labels
from gongzhi.audit.models import AuditEntry
from gongzhi.audit.services import record
from gongzhi.cases.workflow import TRANSITIONS

SRC = Path(labels.__file__).resolve().parents[1]
# action="x.y" (also inside conditional expressions) and the module constants holding codes.
LITERAL = re.compile(r'''action="([a-z0-9_.]+)"''')
CONDITIONAL = re.compile(r'''action="[a-z0-9_.]+" if [^,]* else "([a-z0-9_.]+)"''')
OPERATOR = re.compile(r'''actor_name(?:: str)?\s*=\s*(?:"([^"]+)"|f"([a-z0-9_]+):)''')


def _sources():
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        yield path, path.read_text(encoding="utf-8")


def recorded_codes() -> set[str]:
    codes = set()
    for _path, text in _sources():
        for call in re.finditer(r"record\((.*?)\)\n", text, re.S):
            codes.update(LITERAL.findall(call.group(1)))
            codes.update(CONDITIONAL.findall(call.group(1)))
        codes.update(c for c in re.findall(r'(?:_ACTION|EXPORT_KIND) = "([a-z0-9_.]+)"', text))
    # Codes made up at run time: the sign-in channels, move-in decisions, case steps.
    for channel in ("login", "token"):
        codes.update(f"{channel}.{outcome}" for outcome in ("failure", "refused", "otp_failure"))
    codes.update(f"registry.move_in.{status}" for status in ("accepted", "declined", "withdrawn"))
    codes.update(f"cases.{step}" for step in TRANSITIONS)
    return codes


def test_the_scan_finds_the_codes():
    codes = recorded_codes()
    assert {"login.success", "demo.setup", "cases.rule_update", "registry.person.id_search",
            "cases.export_cases", "manage.change"} <= codes
    assert len(codes) > 80


def test_every_recorded_action_has_a_chinese_name():
    with translation.override("zh-hans"):
        unnamed = sorted(code for code in recorded_codes() if "其他操作" in labels.action_label(code))
        assert not unnamed, f"audit actions without a Chinese name in audit/labels.py: {unnamed}"
        for code in recorded_codes():
            assert not re.search(r"[a-z]{3}", labels.action_label(code).replace("Open311", "")), code


def test_every_program_operator_has_a_chinese_name():
    found = set()
    for _path, text in _sources():
        for literal, prefix in OPERATOR.findall(text):
            found.add(literal or prefix)
    found -= {""}
    assert {"demo_setup", "open311", "purge_audit", "rotate_data_key", "import_residents"} <= found
    with translation.override("zh-hans"):
        for name in found:
            label = labels.operator_label(action="x.y", actor_name=name if name != "open311" else name)
            assert re.fullmatch(r"[^a-z_]*", label.replace("Open311", "")), (name, label)


def test_case_steps_are_named_after_the_transition_table():
    with translation.override("zh-hans"):
        assert labels.action_label("cases.accept") == "事件办理：立案"
        assert labels.action_label("cases.report") == "上报事件"
        assert labels.action_label("cases.no_such_step") == "网格事件：其他操作"
        assert labels.action_label("weird") == "其他操作"


@pytest.mark.django_db
def test_operators_read_as_people_and_programs(demo):
    with translation.override("zh-hans"):
        entry = record(actor=demo.users["community"], action="login.success")
        entry = AuditEntry.objects.select_related("actor").get(pk=entry.pk)
        assert entry.operator_label == "周书记（community）" and entry.action_label == "登录成功"
        assert record(actor=None, actor_name="demo_setup", action="demo.setup").operator_label == "演示数据初始化程序"
        assert record(actor=None, actor_name="open311:ab12", action="cases.open311_request").operator_label == \
            "Open311 接口（密钥 ab12）"
        # What somebody typed into the sign-in form stays as typed, even when it names a program.
        assert record(actor=None, actor_name="system", action="login.failure",
                      success=False).operator_label == "system"
    with translation.override("en"):
        assert labels.action_label("login.success") == "Signed in"
