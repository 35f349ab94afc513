"""Implementation and evaluation (issue 13 item 5): tasks, status transitions, overdue, the survey,
scoping and the public record."""

from __future__ import annotations

import datetime
import io
import threading

import pytest
from django.db import IntegrityError, connection
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from gongzhi.areas.models import Area
from gongzhi.core.errors import Conflict, InvalidInput, NotAllowed
from gongzhi.deliberation import follow_up
from gongzhi.deliberation.models import Evaluation, Task, TaskStatus, Topic, TopicStatus
from gongzhi.registry.models import ResidentLink
from gongzhi.registry.tests.factories import make_person

COMMUNITY = "341702001001"  # 幸福社区
OTHER_COMMUNITY = "341702001002"  # 和平社区
GRID = "34170200100101"

pytestmark = pytest.mark.django_db


def _topic(status=TopicStatus.DECIDED, code=COMMUNITY, title="楼道加装照明"):
    return Topic.objects.create(area=Area.objects.get(code=code), title=title, description="夜间楼道太暗",
                                status=status)


def _verify(user, grid=GRID, name="王居民"):
    person = make_person(grid=grid, name=name, phone="13912345678")
    ResidentLink.objects.create(user=user, person=person, area=person.area, method="counter")
    return person


def _jpeg() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 40)).save(out, "JPEG")
    out.seek(0)
    out.name = "p.jpg"
    return out


def test_tasks_move_the_topic_decided_implementing_done(demo):
    staff = demo.users["community"]
    topic = _topic()
    first = follow_up.create_task(actor=staff, topic=topic, title="采购灯具", owner_unit="社区居委会",
                                  deadline=datetime.date.today() + datetime.timedelta(days=10), owner=staff)
    topic.refresh_from_db()
    assert topic.status == TopicStatus.IMPLEMENTING
    second = follow_up.create_task(actor=staff, topic=topic, title="安装", owner_unit="物业服务中心",
                                   deadline=datetime.date.today() + datetime.timedelta(days=20))
    follow_up.add_update(actor=staff, task=first, text="灯具已采购", percent=100)
    topic.refresh_from_db()
    assert topic.status == TopicStatus.IMPLEMENTING  # one task still open
    update = follow_up.add_update(actor=staff, task=second, text="已安装一半", percent=50, photos=[_jpeg().getvalue()])
    assert update.photos.count() == 1
    second.refresh_from_db()
    assert second.status == TaskStatus.ACTIVE and second.percent == 50
    with pytest.raises(InvalidInput):
        follow_up.add_update(actor=staff, task=second, text="倒退", percent=40)
    follow_up.add_update(actor=staff, task=second, text="全部安装完成", percent=100)
    topic.refresh_from_db()
    assert topic.status == TopicStatus.DONE
    with pytest.raises(Conflict):  # a done topic takes no new task
        follow_up.create_task(actor=staff, topic=topic, title="再加", owner_unit="居委会",
                              deadline=datetime.date.today())


def test_tasks_need_a_decided_topic(demo):
    with pytest.raises(Conflict):
        follow_up.create_task(actor=demo.users["community"], topic=_topic(status=TopicStatus.DISCUSSING),
                              title="x", owner_unit="居委会", deadline=datetime.date.today())


def test_resident_may_not_create_tasks(demo):
    with pytest.raises(NotAllowed):
        follow_up.create_task(actor=demo.users["resident"], topic=_topic(), title="x", owner_unit="居委会",
                              deadline=datetime.date.today())


def test_overdue_listed_for_staff_in_scope_only(demo, login_as):
    staff = demo.users["community"]
    topic = _topic()
    late = follow_up.create_task(actor=staff, topic=topic, title="逾期任务", owner_unit="社区居委会",
                                 deadline=datetime.date.today() - datetime.timedelta(days=1))
    follow_up.create_task(actor=staff, topic=topic, title="未到期", owner_unit="社区居委会",
                          deadline=datetime.date.today() + datetime.timedelta(days=1))
    assert list(follow_up.overdue_tasks(staff)) == [late]
    assert list(follow_up.overdue_tasks(demo.users["village"])) == []
    assert list(follow_up.overdue_tasks(demo.users["resident"])) == []
    client = login_as("community")
    page = client.get(reverse("deliberation:tasks_overdue")).content.decode()
    assert "逾期任务" in page and "未到期" not in page
    assert login_as("resident").get(reverse("deliberation:tasks_overdue")).status_code == 403


def test_other_communitys_staff_get_404(demo, client):
    topic = _topic()
    task = follow_up.create_task(actor=demo.users["community"], topic=topic, title="采购灯具",
                                 owner_unit="社区居委会", deadline=datetime.date.today())
    client.force_login(demo.users["village"])  # staff of 青山村
    assert client.get(reverse("deliberation:topic_tasks", args=[topic.pk])).status_code == 404
    assert client.post(reverse("deliberation:task_new", args=[topic.pk]), {"title": "x"}).status_code == 404
    assert client.post(reverse("deliberation:task_update", args=[task.pk]),
                       {"text": "x", "percent": 10}).status_code == 404
    assert client.post(reverse("deliberation:task_case", args=[task.pk]), {"description": "xxxxxx"}).status_code == 404
    task.refresh_from_db()
    assert task.percent == 0


def test_residents_see_units_not_staff_names(demo, login_as):
    staff = demo.users["community"]
    topic = _topic()
    task = follow_up.create_task(actor=staff, topic=topic, title="采购灯具", owner_unit="社区居委会",
                                 deadline=datetime.date.today() + datetime.timedelta(days=3), owner=staff)
    follow_up.add_update(actor=staff, task=task, text="已联系供应商", percent=20)
    page = login_as("resident").get(reverse("deliberation:topic_tasks", args=[topic.pk])).content.decode()
    assert "社区居委会" in page and "已联系供应商" in page and "20%" in page
    assert staff.real_name not in page and "task-update-form" not in page
    staff_page = login_as("community").get(reverse("deliberation:topic_tasks", args=[topic.pk])).content.decode()
    assert "task-update-form" in staff_page


def test_staff_add_task_and_update_through_pages(demo, login_as):
    topic = _topic()
    client = login_as("community")
    response = client.post(reverse("deliberation:task_new", args=[topic.pk]), {
        "title": "清理楼道杂物", "owner_unit": "网格工作站", "deadline": "2030-01-01", "owner": ""})
    assert response.status_code == 302
    task = Task.objects.get(topic=topic)
    response = client.post(reverse("deliberation:task_update", args=[task.pk]),
                           {"text": "已清理", "percent": "100", "photos": [_jpeg()]})
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.status == TopicStatus.DONE
    photo = task.updates.get().photos.get()
    assert login_as("resident").get(reverse("deliberation:task_photo", args=[photo.pk]))["Content-Type"] == "image/jpeg"


def test_a_task_opens_a_case(demo):
    staff = demo.users["community"]
    task = follow_up.create_task(actor=staff, topic=_topic(), title="修补破损路面", owner_unit="社区居委会",
                                 deadline=datetime.date.today())
    case = follow_up.open_case(actor=staff, task=task, description="按协商决定修补3号楼前破损路面")
    task.refresh_from_db()
    assert task.case == case and case.area.code == COMMUNITY
    with pytest.raises(Conflict):
        follow_up.open_case(actor=staff, task=task, description="再开一件事件不行")


def _done_topic(demo):
    staff = demo.users["community"]
    topic = _topic()
    task = follow_up.create_task(actor=staff, topic=topic, title="采购灯具", owner_unit="社区居委会",
                                 deadline=datetime.date.today())
    follow_up.add_update(actor=staff, task=task, text="完成", percent=100)
    topic.refresh_from_db()
    return topic


def test_survey_one_per_resident_and_summary(demo):
    topic = _done_topic(demo)
    resident = demo.users["resident"]
    with pytest.raises(NotAllowed):  # not verified yet
        follow_up.evaluate(actor=resident, topic=topic, rating=5)
    _verify(resident)
    follow_up.evaluate(actor=resident, topic=topic, rating=4, comment="灯很亮")
    with pytest.raises(Conflict) as refused:
        follow_up.evaluate(actor=resident, topic=topic, rating=1)
    assert refused.value.code == "already_evaluated"
    with pytest.raises(IntegrityError):  # the database says so too
        Evaluation.objects.create(topic=topic, user=resident, rating=2)


def test_survey_summary_counts_levels_and_share(demo):
    from gongzhi.accounts.models import User

    topic = _done_topic(demo)
    for n, rating in enumerate([5, 4, 3, 2, 1, 3]):
        user = User.objects.create(username=f"r{n}", real_name=f"居民{n}")
        Evaluation.objects.create(topic=topic, user=user, rating=rating)
    summary = follow_up.survey_summary(topic)
    assert summary.levels == [(5, "非常满意", 1), (4, "满意", 1), (3, "基本满意", 2), (2, "不满意", 1),
                              (1, "非常不满意", 1)]
    assert summary.total == 6 and summary.satisfied == 4 and summary.satisfied_share == "66.7%"


def test_survey_outside_scope_refused(demo):
    topic = _done_topic(demo)
    villager = demo.users["villager"]
    _verify(villager, grid="34170210120101", name="林村民")
    with pytest.raises(NotAllowed):
        follow_up.evaluate(actor=villager, topic=topic, rating=5)


@pytest.mark.django_db(transaction=True)
def test_concurrent_evaluations_count_once(demo):
    topic = _done_topic(demo)
    resident = demo.users["resident"]
    _verify(resident)
    errors = []

    def submit():
        try:
            follow_up.evaluate(actor=resident, topic=topic, rating=5)
        except Conflict as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Evaluation.objects.filter(topic=topic).count() == 1 and len(errors) == 4


def test_evaluate_page_and_public_record(demo, login_as):
    topic = _done_topic(demo)
    _verify(demo.users["resident"])
    client = login_as("resident")
    page = client.get(reverse("deliberation:topic_tasks", args=[topic.pk])).content.decode()
    assert "evaluate-form" in page
    client.post(reverse("deliberation:topic_evaluate", args=[topic.pk]), {"rating": "5", "comment": "满意"})
    page = client.get(reverse("deliberation:topic_tasks", args=[topic.pk])).content.decode()
    assert "evaluate-form" not in page and "100.0%" in page
    timeline = [e.stage for e in follow_up.timeline(topic)]
    assert timeline[0] == "提出" and "落实" in timeline and timeline[-1] == "评价"
    assert demo.users["community"].real_name not in page


def test_tasks_page_queries_do_not_grow_with_tasks(demo, login_as, django_assert_max_num_queries):
    staff = demo.users["community"]
    topic = _topic()
    for n in range(6):
        task = follow_up.create_task(actor=staff, topic=topic, title=f"任务{n}", owner_unit="社区居委会",
                                     deadline=timezone.localdate())
        follow_up.add_update(actor=staff, task=task, text="进展", percent=10, photos=[_jpeg().getvalue()])
    client = login_as("resident")
    url = reverse("deliberation:topic_tasks", args=[topic.pk])
    client.get(url)
    with django_assert_max_num_queries(25):
        assert client.get(url).status_code == 200


def test_overdue_page_queries_do_not_grow(demo, login_as, django_assert_max_num_queries):
    staff = demo.users["community"]
    topic = _topic()
    for n in range(8):
        follow_up.create_task(actor=staff, topic=topic, title=f"逾期{n}", owner_unit="社区居委会", owner=staff,
                              deadline=timezone.localdate() - datetime.timedelta(days=n + 1))
    client = login_as("community")
    url = reverse("deliberation:tasks_overdue")
    client.get(url)
    with django_assert_max_num_queries(15):
        page = client.get(url).content.decode()
    assert page.count("逾期") >= 8
