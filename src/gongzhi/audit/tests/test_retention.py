"""Retention: entries past GONGZHI_AUDIT_RETENTION_DAYS (≥ 180) are purged; the chain still verifies."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from gongzhi.audit.integrity import verify_chain
from gongzhi.audit.models import AuditChainHead, AuditEntry, AuditLogError
from gongzhi.audit.services import purge_expired, retention_days
from gongzhi.audit.tasks import purge_audit_log

from .helpers import make_entries, raw_update

pytestmark = pytest.mark.django_db


def days_after(entry, days: int):
    """A "now" at which ``entry`` is exactly ``days`` old."""
    return entry.at + timedelta(days=days)


@override_settings(GONGZHI_AUDIT_RETENTION_DAYS=365)
def test_purge_deletes_older_entries_and_the_chain_still_verifies():
    entries = make_entries(10)
    result = purge_expired(now=days_after(entries[6], 365), batch_size=4)
    assert result.purged == 6 and result.retention_days == 365
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == [7, 8, 9, 10, 11]
    head = AuditChainHead.objects.get(id=1)
    assert (head.anchor_seq, head.anchor_prev_hash) == (7, entries[5].hash)
    purge_entry = AuditEntry.objects.get(seq=11)
    assert purge_entry.action == "audit.purge" and purge_entry.after["purged"] == 6
    result = verify_chain()
    assert result.ok and result.checked == 5


def test_purge_of_everything_and_again_keeps_the_chain_verifiable():
    entries = make_entries(3)
    assert purge_expired(now=days_after(entries[-1], 400)).purged == 3
    assert purge_expired(now=days_after(entries[-1], 400)).purged == 1  # the first purge's own entry
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["audit.purge"]
    assert verify_chain().ok
    make_entries(2)
    assert verify_chain().ok and verify_chain().checked == 3


def test_nothing_to_purge_records_the_run_and_changes_nothing():
    make_entries(3)
    result = purge_expired()
    assert result.purged == 0
    assert AuditEntry.objects.count() == 4 and verify_chain().ok


@override_settings(GONGZHI_AUDIT_RETENTION_DAYS=30)
def test_retention_below_180_days_is_treated_as_180():
    assert retention_days() == 180
    entries = make_entries(2)
    assert purge_expired(now=days_after(entries[-1], 100)).purged == 0
    assert purge_expired(now=days_after(entries[-1], 181)).purged == 3  # with the first run's entry


def test_purge_refuses_to_destroy_a_tampered_row_and_records_the_refusal():
    entries = make_entries(4)
    raw_update("UPDATE audit_auditentry SET reason = %s WHERE id = %s", ["改", entries[1].pk])
    with pytest.raises(AuditLogError, match=f"seq {entries[1].seq}"):
        purge_expired(now=days_after(entries[-1], 400))
    assert AuditEntry.objects.filter(seq__lte=4).count() == 4
    refusal = AuditEntry.objects.get(action="audit.purge")
    assert refusal.success is False and refusal.after["purged"] == 0


def test_purge_command_reports_the_count():
    out = StringIO()
    make_entries(2)
    call_command("purge_audit", stdout=out)
    assert "已清理 0 条" in out.getvalue()


def test_purge_command_fails_when_the_chain_is_broken():
    entries = make_entries(2)
    raw_update("UPDATE audit_auditentry SET reason = %s WHERE id = %s", ["改", entries[0].pk])
    # The command purges by the real clock: make the entries old.
    raw_update("UPDATE audit_auditentry SET at = %s", [entries[0].at - timedelta(days=400)])
    with pytest.raises(CommandError, match="purge refused"):
        call_command("purge_audit", stdout=StringIO())


def test_purge_task_runs_through_the_task_backend():
    make_entries(2)
    result = purge_audit_log.enqueue()
    assert result.return_value == 0
    assert AuditEntry.objects.filter(action="audit.purge", actor_name="purge_audit_log").exists()
