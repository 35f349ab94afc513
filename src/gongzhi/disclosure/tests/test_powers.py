"""The small-powers list: catalogue configuration (district only), exercise logging by community staff,
scoping, the public summary refused when it holds personal data, auditing."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry
from gongzhi.disclosure import powers_services
from gongzhi.disclosure.models import PowerExercise, PowerItem, PowerStep

from .conftest import COMMUNITY, OTHER_COMMUNITY, VILLAGE

pytestmark = pytest.mark.django_db


def demo_user(client):
    from gongzhi.accounts.models import User

    return User.objects.get(pk=client.session["_auth_user_id"])


def log_post(client, step, **extra):
    data = {"area": Area.objects.get(code=COMMUNITY).pk, "step": step.pk, "date": timezone.localdate().isoformat(),
            "outcome": "in_progress", "public_summary": "一户申请低保，已入户调查。", "subject_id_number": ""}
    data.update(extra)
    return client.post("/disclosure/powers/log/", data)


def test_the_default_catalogue_is_shipped_for_communities_and_villages(catalogue):
    assert PowerItem.objects.count() >= 8
    dibao = PowerItem.objects.get(code="dibao_review")
    assert dibao.legal_basis and dibao.responsible and dibao.time_limit and dibao.steps.count() >= 5
    neighbourhood = {i.code for i in powers_services.items_for(Area(code=COMMUNITY, level="community"))}
    village = {i.code for i in powers_services.items_for(Area(code=VILLAGE, level="community"))}
    assert {"dibao_review", "certificate", "party_member", "hardship_aid"} <= neighbourhood & village
    assert {"collective_assets", "village_project", "homestead_review"} <= village - neighbourhood


@pytest.mark.parametrize("username", ["community", "street", "resident", "grid"])
def test_only_the_district_configures_the_catalogue(login_as, catalogue, username):
    client = login_as(username)
    assert client.get("/disclosure/powers/catalogue/").status_code == 403
    assert client.post("/disclosure/powers/catalogue/new/", {"code": "x", "name": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        powers_services.save_item(actor=demo_user(client), code="y", steps=[("a", "")], name="y",
                                  legal_basis="x", responsible="x", time_limit="x")


def test_the_district_adds_and_changes_an_item_with_its_steps(login_as, catalogue):
    client = login_as("district")
    page = client.get("/disclosure/powers/catalogue/")
    assert page.status_code == 200 and page.content.decode().count('data-testid="flowchart"') == PowerItem.objects.count()
    response = client.post("/disclosure/powers/catalogue/new/", {
        "code": "elderly_allowance", "name": "高龄津贴申请初审", "applies_to": "both",
        "legal_basis": "《老年人权益保障法》第三十三条", "responsible": "村（居）民委员会", "time_limit": "5个工作日",
        "sort": "90", "active": "on", "steps": "老人或家属申请｜申请人\n核实年龄和户籍｜村（居）委会\n报街道审批"})
    assert response.status_code == 302
    item = PowerItem.objects.get(code="elderly_allowance")
    assert [(s.order, s.title, s.actor) for s in item.steps.all()] == [
        (1, "老人或家属申请", "申请人"), (2, "核实年龄和户籍", "村（居）委会"), (3, "报街道审批", "")]
    assert AuditEntry.objects.filter(action="disclosure.power_item_create", object_id=str(item.pk)).exists()
    response = client.post(f"/disclosure/powers/catalogue/{item.pk}/", {
        "name": "高龄津贴申请初审", "applies_to": "neighbourhood", "legal_basis": "x", "responsible": "居委会",
        "time_limit": "3个工作日", "sort": "90", "active": "on", "steps": "申请\n审核"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.applies_to == "neighbourhood" and item.steps.count() == 2
    entry = AuditEntry.objects.get(action="disclosure.power_item_update", object_id=str(item.pk))
    assert entry.before["time_limit"] == "5个工作日" and entry.after["time_limit"] == "3个工作日"
    # A duplicate code and empty steps are refused in Chinese.
    response = client.post("/disclosure/powers/catalogue/new/", {
        "code": "elderly_allowance", "name": "重复", "applies_to": "both", "legal_basis": "x", "responsible": "x",
        "time_limit": "x", "sort": "1", "steps": "申请"})
    assert response.status_code == 200 and "编码必填且不能与已有事项重复" in response.content.decode()
    with pytest.raises(ValidationError) as error:
        powers_services.save_item(actor=demo_user(client), item=item, steps=[], name=item.name)
    assert "至少需要一个办理步骤" in str(error.value)


def test_a_step_an_exercise_reached_cannot_be_removed(demo, catalogue):
    item = PowerItem.objects.get(code="certificate")
    last = item.steps.order_by("-order").first()
    PowerExercise.objects.create(item=item, area=Area.objects.get(code=COMMUNITY), date=timezone.localdate(),
                                 step=last, outcome="completed", public_summary="出具居住证明一份。")
    with pytest.raises(ValidationError) as error:
        powers_services.save_item(actor=demo.users["district"], item=item, steps=[("申请", "")], name=item.name)
    assert "不能删除该步骤" in str(error.value)
    assert item.steps.count() == 4


def test_community_staff_log_an_exercise_audited_and_shown_publicly_without_the_person(login_as, estate):
    client = login_as("community")
    step = PowerStep.objects.get(item__code="dibao_review", order=3)
    response = log_post(client, step, subject_id_number=estate.zhang.id_number,
                        public_summary="一户因病申请低保，已入户调查核实。")
    assert response.status_code == 302, response.content.decode()
    exercise = PowerExercise.objects.get()
    assert exercise.subject == estate.zhang and exercise.area.code == COMMUNITY and exercise.step == step
    entry = AuditEntry.objects.get(action="disclosure.power_exercise_log")
    assert entry.object_id == str(exercise.pk) and entry.after["subject"] == estate.zhang.pk
    assert "张秀英" not in str(entry.after) + entry.object_repr
    detail = client.get(f"/disclosure/powers/exercises/{exercise.pk}/").content.decode()
    assert "张*英" in detail and "张秀英" not in detail and estate.zhang.id_number not in detail
    client.logout()
    public = client.get(f"/disclosure/{COMMUNITY}/powers/").content.decode()
    assert "一户因病申请低保，已入户调查核实。" in public
    assert "张" not in public.split('id="exercises"')[1].split("</table>")[0].replace("张榜", "")


def test_another_communitys_staff_cannot_see_or_log(login_as, demo, estate):
    from gongzhi.accounts.models import RoleAssignment, User

    step = PowerStep.objects.get(item__code="certificate", order=1)
    exercise = powers_services.log_exercise(
        actor=demo.users["community"], item=step.item, area=Area.objects.get(code=COMMUNITY),
        date=timezone.localdate(), step=step, outcome="in_progress", public_summary="出具证明。")
    other = User.objects.create_user(username="peace", password="x", real_name="和平社工")
    RoleAssignment.objects.create(user=other, role="community_staff", area=Area.objects.get(code=OTHER_COMMUNITY))
    client = login_as("village")
    assert client.get(f"/disclosure/powers/exercises/{exercise.pk}/").status_code == 404
    assert "出具证明。" not in client.get("/disclosure/powers/").content.decode()
    response = log_post(client, step)  # 幸福社区 is not one of the village secretary's communities
    assert response.status_code == 200 and PowerExercise.objects.count() == 1
    with pytest.raises(PermissionDenied):
        powers_services.log_exercise(actor=other, item=step.item, area=Area.objects.get(code=COMMUNITY),
                                     date=timezone.localdate(), step=step, outcome="in_progress",
                                     public_summary="出具证明。")
    # The resident cannot reach the staff pages at all.
    assert login_as("resident").get("/disclosure/powers/log/").status_code == 403


@pytest.mark.parametrize("summary, message", [
    ("张秀英申请低保，已入户调查。", "含有当事人的姓名"),
    ("申请人 张 秀 英 家庭困难。", "含有当事人的姓名"),
    ("身份证 {id} 已核实。", "含有当事人的身份证号码"),
    ("联系电话139-1234-5678。", "含有当事人的联系电话"),
    ("住幸福路88号阳光小区3栋502室。", "含有当事人的住址"),
    ("另一人电话13600001111。", "含有身份证号码或手机号码"),
])
def test_a_public_summary_with_personal_data_is_refused(login_as, estate, summary, message):
    client = login_as("community")
    step = PowerStep.objects.get(item__code="dibao_review", order=2)
    response = log_post(client, step, subject_id_number=estate.zhang.id_number,
                        public_summary=summary.format(id=estate.zhang.id_number.lower()))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PowerExercise.objects.exists()
    assert not AuditEntry.objects.filter(action="disclosure.power_exercise_log").exists()


def test_unknown_subject_village_item_and_future_date_are_refused(login_as, estate):
    client = login_as("community")
    step = PowerStep.objects.get(item__code="dibao_review", order=1)
    page = log_post(client, step, subject_id_number="110101199003070011").content.decode()
    assert "没有找到该身份证号码对应的人员" in page
    village_step = PowerStep.objects.get(item__code="homestead_review", order=1)
    assert "不适用于幸福社区" in log_post(client, village_step).content.decode()
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert "日期不能晚于今天" in log_post(client, step, date=tomorrow).content.decode()
    assert not PowerExercise.objects.exists()


def test_the_public_page_needs_no_login_and_searches_and_pages(client, demo, catalogue):
    community = Area.objects.get(code=COMMUNITY)
    certificate = PowerStep.objects.get(item__code="certificate", order=4)
    dibao = PowerStep.objects.get(item__code="dibao_review", order=1)
    for n in range(25):
        PowerExercise.objects.create(item=certificate.item, area=community, date=timezone.localdate(),
                                     step=certificate, outcome="completed", public_summary=f"出具居住证明第{n}份。")
    PowerExercise.objects.create(item=dibao.item, area=community, date=timezone.localdate(), step=dibao,
                                 outcome="in_progress", public_summary="一户申请低保。")
    page = client.get(f"/disclosure/{COMMUNITY}/powers/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="flowchart"') == powers_services.items_for(community).count()
    assert "宅基地申请初审" not in html  # a village's power
    assert "第 1 / 2 页" in html
    found = client.get(f"/disclosure/{COMMUNITY}/powers/", {"q": "低保"}).content.decode()
    assert "一户申请低保。" in found and "出具居住证明" not in found
    by_item = client.get(f"/disclosure/{COMMUNITY}/powers/", {"item": "certificate", "page": "2"}).content.decode()
    assert "一户申请低保。" not in by_item and "出具居住证明" in by_item
    village = client.get(f"/disclosure/{VILLAGE}/powers/").content.decode()
    assert "宅基地申请初审" in village and "集体资产处置" in village
    assert client.get("/disclosure/34170200100101/powers/").status_code == 404  # a grid, not a community
    assert client.get("/disclosure/abc/powers/").status_code == 404


def test_hostile_catalogue_text_is_escaped_on_the_public_page(client, demo, catalogue):
    import xml.etree.ElementTree as ET

    hostile = '<script>alert("x")</script>'
    powers_services.save_item(actor=demo.users["district"], code="hostile", name=f"事项{hostile}",
                              steps=[(f"步骤{hostile}", "<img src=x onerror=alert(1)>"), ("审核", "")],
                              applies_to="both", legal_basis=hostile, responsible="居委会", time_limit="1天")
    html = client.get(f"/disclosure/{COMMUNITY}/powers/").content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    item = PowerItem.objects.get(code="hostile")
    chart = html.split(f'id="item-{item.pk}"', 1)[1].split("<svg", 1)[1].split("</svg>", 1)[0]
    root = ET.fromstring(f"<svg{chart}</svg>")
    assert len(root.findall(".//{http://www.w3.org/2000/svg}rect")) == 2
