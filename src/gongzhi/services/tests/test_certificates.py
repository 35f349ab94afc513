"""Certificates (issue 16 item 3): only kinds on the certificate list, from the holder's own community;
verification by serial shows validity, kind, issuer, date and a masked name — nothing else; a forged,
altered or revoked serial fails; the register is scoped to the communities where the user may certify."""

import pytest

from gongzhi.audit.models import AuditEntry
from gongzhi.core.errors import InvalidInput, NotAllowed
from gongzhi.services import certificates
from gongzhi.services.models import Certificate

pytestmark = pytest.mark.django_db

PERSONAL = ("王建民", "13912345678", "幸福路8号", "201室")


def issue(demo, kinds, holder, **kw):
    return certificates.issue(actor=demo.users["community"], kind=kinds["residence"], holder=holder,
                              purpose=kw.pop("purpose", "办理居住证"), **kw)


def test_issue_freezes_the_text_keeps_it_encrypted_and_audits_without_personal_data(demo, kinds, holder):
    from django.db import connection

    c = issue(demo, kinds, holder)
    assert c.issuer.code == "341702001001" and c.issuer_name.endswith("幸福社区居民委员会")
    assert "王建民" in c.text and "幸福路8号3栋201室" in c.text and "办理居住证" in c.text
    assert c.holder_masked == "王*民" and len(c.serial) == 17 and c.serial[4] == "-"
    with connection.cursor() as cursor:
        cursor.execute("SELECT text, holder_name FROM services_certificate WHERE id = %s", [c.pk])
        stored = " ".join(cursor.fetchone())
    assert not any(value in stored for value in PERSONAL)
    entry = AuditEntry.objects.filter(action="services.certificate_issue").latest("seq")
    assert entry.after["serial"] == c.serial and not any(v in str(entry.after) + entry.object_repr for v in PERSONAL)


def test_a_certificate_off_the_list_cannot_be_issued_and_says_who_must_approve(demo, kinds, holder):
    with pytest.raises(InvalidInput) as refused:
        certificates.issue(actor=demo.users["community"], kind=kinds["kinship"], holder=holder, purpose="办理继承")
    assert "不在证明事项清单内" in refused.value.message and "区司法局" in refused.value.message
    assert not Certificate.objects.exists()


def test_only_the_holders_own_community_issues_and_only_staff_who_may(demo, kinds, holder, elsewhere):
    with pytest.raises(InvalidInput):  # a resident of another street: not this community's to certify
        certificates.issue(actor=demo.users["community"], kind=kinds["residence"], holder=elsewhere, purpose="x",
                           issuer=holder.area.parent)
    with pytest.raises(NotAllowed):  # the community of another street is not theirs
        certificates.issue(actor=demo.users["community"], kind=kinds["residence"], holder=elsewhere, purpose="x")
    for username in ("grid", "resident", "dept"):
        with pytest.raises(NotAllowed):
            certificates.issue(actor=demo.users[username], kind=kinds["residence"], holder=holder, purpose="x")
    with pytest.raises(InvalidInput):
        certificates.issue(actor=demo.users["community"], kind=kinds["residence"], holder=holder, purpose=" ")


def test_verification_answers_valid_revoked_and_unknown_and_reveals_nothing_personal(demo, kinds, holder, client):
    c = issue(demo, kinds, holder)
    assert certificates.verify(c.serial) | {"issued_at": None, "valid_until": None} == {
        "valid": True, "status": "valid", "kind": "居住证明", "issuer": c.issuer_name, "issued_at": None,
        "valid_until": None, "holder": "王*民", "expired": False}
    altered = c.serial[:-1] + ("A" if c.serial[-1] != "A" else "B")
    forged = "2026-" + "7" * 12
    for serial in (altered, forged, "", "x" * 500, "'; DROP TABLE services_certificate; --", "２０２６"):
        assert certificates.verify(serial)["valid"] is False
        response = client.get(f"/api/v1/certificates/{serial or '%20'}/verify")
        assert response.status_code in (200, 404), (serial, response.status_code)
        if response.status_code == 200:
            assert response.json()["valid"] is False and response.json()["status"] == "unknown"

    body = client.get(f"/api/v1/certificates/{c.serial}/verify").json()
    assert body["valid"] is True and body["holder"] == "王*民" and body["kind"] == "居住证明"
    page = client.get(f"/services/verify/{c.serial}/").content.decode()
    assert "该证明真实有效" in page and "王*民" in page
    for text in (str(body), page):
        assert not any(value in text for value in PERSONAL)
        assert holder.id_number not in text and holder.id_number[-4:] not in text

    certificates.revoke(actor=demo.users["community"], certificate=c, reason="内容有误")
    assert client.get(f"/api/v1/certificates/{c.serial}/verify").json() | {"issued_at": None} == {
        **body, "valid": False, "status": "revoked", "issued_at": None}
    assert "已被出具单位撤销" in client.get(f"/services/verify/{c.serial.lower()}/").content.decode()


def test_an_expired_certificate_is_not_valid(demo, kinds, holder):
    import datetime

    c = issue(demo, kinds, holder)
    result = certificates.verify(c.serial, today=c.valid_until + datetime.timedelta(days=1))
    assert (result["valid"], result["status"], result["expired"]) == (False, "valid", True)


def test_revoking_needs_a_reason_the_issuers_staff_and_happens_once(demo, kinds, holder):
    from gongzhi.core.errors import Conflict

    c = issue(demo, kinds, holder)
    with pytest.raises(InvalidInput):
        certificates.revoke(actor=demo.users["community"], certificate=c, reason="")
    with pytest.raises(NotAllowed):
        certificates.revoke(actor=demo.users["village"], certificate=c, reason="错了")
    certificates.revoke(actor=demo.users["street"], certificate=c, reason="持证人已迁出")
    with pytest.raises(Conflict):
        certificates.revoke(actor=demo.users["community"], certificate=c, reason="再撤一次")
    entry = AuditEntry.objects.filter(action="services.certificate_revoke").latest("seq")
    assert entry.reason == "持证人已迁出"


def test_the_register_api_is_scoped_and_answers_the_fixed_interface(demo, kinds, holder, client, api_token):
    c = issue(demo, kinds, holder)
    listed = client.get("/api/v1/certificates", **api_token("community")).json()
    assert [(i["serial"], i["status"], i["kind"]) for i in listed["items"]] == [(c.serial, "valid", "居住证明")]
    assert listed["items"][0]["holder"] == "王*民"
    assert client.get("/api/v1/certificates", **api_token("village")).json()["items"] == []  # another community
    assert client.get("/api/v1/certificates", **api_token("resident")).status_code == 403
    assert client.get("/api/v1/certificates").status_code == 401
    assert client.get("/api/v1/certificates?status=revoked", **api_token("district")).json()["items"] == []
    assert client.get("/api/v1/certificates?status=nonsense", **api_token("district")).status_code == 422
