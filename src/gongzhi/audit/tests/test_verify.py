"""``./gz manage verify_audit`` names the first broken row of the hash chain."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gongzhi.audit.integrity import BreakKind, verify_chain
from gongzhi.audit.models import AuditChainHead, AuditEntry

from .helpers import make_entries, raw_delete, raw_update

pytestmark = pytest.mark.django_db


def run_verify(*args) -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + err.getvalue() + str(exc)
    return 0, out.getvalue() + err.getvalue()


def test_intact_chain_reports_ok_with_the_count():
    make_entries(7)
    code, output = run_verify("--batch-size", "3")
    assert code == 0
    assert "OK, 7 entries verified" in output


def test_empty_log_verifies():
    assert run_verify() == (0, "OK, 0 entries verified（审计链完整，已校验 0 条）\n")


def test_changing_one_row_in_the_database_fails_and_names_that_row():
    entries = make_entries(6)
    target = entries[3]
    raw_update("UPDATE audit_auditentry SET action = %s WHERE id = %s", ["login.success", target.pk])
    code, output = run_verify("--batch-size", "2")
    assert code == 1
    assert f"seq {target.seq} (id {target.pk})" in output
    assert "content_changed" in output
    result = verify_chain()
    assert result.first_break.kind == BreakKind.CONTENT_CHANGED and result.checked == 3


def test_rewriting_a_row_with_a_recomputed_hash_breaks_the_next_link():
    entries = make_entries(4)
    forged = AuditEntry.objects.get(pk=entries[1].pk)
    forged.reason = "伪造"
    raw_update("UPDATE audit_auditentry SET reason = %s, hash = %s WHERE id = %s",
               [forged.reason, forged.compute_hash(), forged.pk])
    code, output = run_verify()
    assert code == 1
    assert f"seq {entries[2].seq} (id {entries[2].pk})" in output and "link_broken" in output


def test_deleting_a_middle_row_names_the_gap():
    entries = make_entries(5)
    raw_delete(3)
    code, output = run_verify()
    assert code == 1
    assert "row_missing" in output
    assert f"seq 3 missing before seq 4 (id {entries[3].pk})" in output


def test_deleting_the_last_rows_is_caught_by_the_head():
    make_entries(5)
    raw_delete(5)
    raw_delete(4)
    code, output = run_verify()
    assert code == 1 and "seq 4–5 missing at the end" in output


def test_deleting_every_row_is_caught_by_the_head():
    make_entries(2)
    raw_delete(1)
    raw_delete(2)
    result = verify_chain()
    assert result.first_break.kind == BreakKind.ROW_MISSING and result.first_break.seq == 1


def test_a_head_pointing_elsewhere_is_reported():
    entries = make_entries(3)
    AuditChainHead.objects.filter(id=1).update(last_hash="f" * 64)
    result = verify_chain()
    assert result.first_break.kind == BreakKind.HEAD_MISMATCH and result.first_break.entry_id == entries[-1].pk


def test_a_row_appended_behind_the_heads_back_is_reported():
    entries = make_entries(3)
    AuditChainHead.objects.filter(id=1).update(last_seq=2, last_hash=entries[1].hash)
    result = verify_chain()
    assert result.first_break.kind == BreakKind.HEAD_MISMATCH and result.first_break.seq == 3
