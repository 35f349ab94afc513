"""record() appends a hash chain; entries cannot be changed or deleted through the ORM."""

from datetime import date
from itertools import pairwise

import pytest
from django.db import DatabaseError, connection, transaction

from gongzhi.audit.integrity import verify_chain
from gongzhi.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry, AuditLogError
from gongzhi.audit.services import RequestContext, diff, record

from .helpers import make_entries

pytestmark = pytest.mark.django_db


def test_record_builds_a_valid_chain_from_genesis():
    entries = make_entries(5)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS_HASH
    for prev, entry in pairwise(entries):
        assert entry.prev_hash == prev.hash
    stored = list(AuditEntry.objects.order_by("seq"))
    assert all(e.compute_hash() == e.hash for e in stored)
    head = AuditChainHead.objects.get(id=1)
    assert (head.last_seq, head.last_hash) == (5, entries[-1].hash)
    assert verify_chain().ok and verify_chain().checked == 5


def test_record_stores_actor_role_area_request_before_after_and_reason(demo, rf):
    request = rf.post("/x/", HTTP_USER_AGENT="Mozilla/5.0 测试", REMOTE_ADDR="10.1.2.3")
    before, after = diff({"name": "旧名", "phone": "x"}, {"name": "新名", "phone": "x"})
    entry = record(actor=demo.users["community"], action="registry.update", obj=demo.users["resident"],
                   before=before, after=after, reason="核对信息", request=request)
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.actor_name, stored.role, stored.area_code) == ("community", "community_staff", "341702001001")
    assert (stored.ip, stored.user_agent) == ("10.1.2.3", "Mozilla/5.0 测试")
    assert (stored.object_type, stored.object_id) == ("accounts.user", str(demo.users["resident"].pk))
    assert stored.before == {"name": "旧名"} and stored.after == {"name": "新名"}
    assert stored.reason == "核对信息" and stored.success is True
    assert stored.compute_hash() == stored.hash


def test_record_normalises_values_so_the_hash_matches_what_is_stored():
    entry = record(actor=None, actor_name="x" * 300, action="a" * 100, object_id="9" * 100,
                   context=RequestContext(ip="2001:0db8:0000::1", user_agent="u" * 500),
                   after={"when": date(2026, 1, 2), "n": 1.5})
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.ip == "2001:db8::1" and len(stored.action) == 64 and len(stored.actor_name) == 150
    assert stored.after == {"when": "2026-01-02", "n": 1.5}
    assert stored.compute_hash() == stored.hash == entry.hash
    record(actor=None, action="bad.ip", context=RequestContext(ip="unknown"))
    assert AuditEntry.objects.get(action="bad.ip").ip is None
    assert verify_chain().ok


def test_saving_an_existing_entry_is_refused():
    (entry,) = make_entries(1)
    entry.action = "changed"
    with pytest.raises(AuditLogError):
        entry.save()


def test_bulk_writes_through_the_orm_are_refused():
    (entry,) = make_entries(1)
    with pytest.raises(AuditLogError):
        AuditEntry.objects.bulk_create([AuditEntry(seq=2, at=entry.at, action="forged", prev_hash=entry.hash)])
    with pytest.raises(AuditLogError):
        AuditEntry.objects.bulk_update([entry], ["action"])
    assert verify_chain().ok and verify_chain().checked == 1


def test_deleting_entries_through_the_orm_is_refused():
    (entry,) = make_entries(1)
    with pytest.raises(AuditLogError):
        entry.delete()
    with pytest.raises(AuditLogError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AuditLogError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="changed")
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.action"


def test_database_refuses_update_on_postgresql_and_the_chain_catches_it_on_sqlite():
    (entry,) = make_entries(1)
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditentry SET action = 'x' WHERE id = %s", [entry.pk])
        assert verify_chain().ok
    else:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditentry SET action = 'x' WHERE id = %s", [entry.pk])
        assert verify_chain().first_break.seq == entry.seq


def test_deleting_a_user_leaves_their_entries_untouched(demo):
    from gongzhi.accounts.models import User

    user = User.objects.create(username="temp")
    entry = record(actor=user, action="account.something", obj=user)
    User.objects.filter(pk=user.pk).delete()
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.actor_id == user.pk and stored.actor_name == "temp"
    assert verify_chain().ok
