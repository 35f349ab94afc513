"""The world the security suites share: the demo district with one of every kind of object in
幸福社区 (area A: community 341702001001, its grid 34170200100101, its street 341702001), the
demo accounts, and peers of each role in other areas (the town's village and grid, a second grid of
the same community, a second department, a second resident of the same grid).

Built once for the package (committed, like the page-text crawl's dataset) and emptied after it;
each test's own writes roll back. One signed-in client per account is shared too.
"""

from __future__ import annotations

import datetime
import io
import tempfile
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.test import Client, override_settings

from tests.support import DEMO_USERNAMES, reinstall_reference_data

COMMUNITY_A = "341702001001"
GRID_A = "34170200100101"
GRID_A2 = "34170200100102"
VILLAGE_B = "341702101201"


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(out, "JPEG")
    return out.getvalue()


def _extra_accounts(users: dict) -> None:
    """Peers in other areas: a grid worker of the community's second grid, a second department's
    staff, a second resident of the demo resident's grid."""
    from gongzhi.accounts.models import Department, RoleAssignment, User
    from gongzhi.accounts.roles import Role
    from gongzhi.areas.models import Area

    grid2 = User.objects.create(username="grid2", real_name="冯网格", phone="13800000031")
    RoleAssignment.objects.create(user=grid2, role=Role.GRID_WORKER, area=Area.objects.get(code=GRID_A2))
    dept2 = User.objects.create(username="dept2", real_name="褚科员", phone="13800000032")
    RoleAssignment.objects.create(user=dept2, role=Role.DEPARTMENT_STAFF, department=Department.objects.get(code="ZJ"))
    neighbour = User.objects.create(username="neighbour", real_name="陈邻居", home_area=Area.objects.get(code=GRID_A))
    RoleAssignment.objects.create(user=neighbour, role=Role.RESIDENT, area=Area.objects.get(code=COMMUNITY_A))
    users.update(grid2=grid2, dept2=dept2, neighbour=neighbour)


def build_world(media: str) -> SimpleNamespace:
    from gongzhi.accounts.models import User
    from gongzhi.accounts.services import create_api_token
    from gongzhi.areas.models import Area
    from gongzhi.basemap.models import LayerBatch
    from gongzhi.cases import demo as cases_demo
    from gongzhi.cases import open311_keys, patrols
    from gongzhi.cases import services as case_services
    from gongzhi.cases.demo_links import link_departments
    from gongzhi.cases.models import CasePhoto
    from gongzhi.core import plugins
    from gongzhi.demo import district
    from gongzhi.demo.steps import DemoContext
    from gongzhi.deliberation import models as dm
    from gongzhi.disclosure import models as sm
    from gongzhi.jobs.models import Job
    from gongzhi.notices.models import Notice
    from gongzhi.registry import models as rm
    from gongzhi.registry.tests.test_import_page import messy_xlsx, upload

    reinstall_reference_data()
    root = district.build_areas()
    district.build_accounts(root)
    ctx = DemoContext(root=root, residents=60, write=lambda _line: None)
    for step in plugins.declarations().demo_steps:
        if step.name == "cases":  # ninety days of history: two are enough here
            link_departments()
            cases_demo.build(root, days=2)
        else:
            plugins.resolve(step.build)(ctx)
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
    _extra_accounts(users)
    areas = {a.code: a for a in Area.objects.filter(code__in=[COMMUNITY_A, GRID_A, GRID_A2, VILLAGE_B])}
    grid = areas[GRID_A]
    lon, lat = grid.centroid
    w = SimpleNamespace(users=users, areas=areas, lon=lon, lat=lat, media=media)

    # Cases: the demo resident's own, in the grid of the demo grid worker, with a photo.
    w.case = case_services.report_case(actor=users["resident"], description="小区门口的路灯坏了好几天", lon=lon, lat=lat)
    w.photo = CasePhoto.objects.create(case=w.case, image=ContentFile(_jpeg(), "p.jpg"), content_type="image/jpeg",
                                       size=100, width=8, height=8, uploaded_by=users["resident"],
                                       created_at=w.case.created_at)
    w.patrol = patrols.start_patrol(actor=users["grid"], area=grid)
    w.open311_key, _key = open311_keys.issue_open311_key(actor=users["district"], name="市热线平台")
    w.token, _key = create_api_token(user=users["community"], name="脚本")
    w.notice = Notice.objects.create(recipient=users["community"], title="通知", body="正文", link="/cases/")
    w.layer = LayerBatch.objects.filter(area__path__startswith=root.path).first()

    # Registry.
    community = areas[COMMUNITY_A]
    w.person = rm.Person.objects.filter(area__path__startswith=grid.path, house__isnull=False).order_by("pk").first()
    w.house = w.person.house
    w.estate = rm.Estate.objects.filter(area__path__startswith=community.path).order_by("pk").first()
    staff = Client()
    staff.force_login(users["community"])
    upload(staff, messy_xlsx())  # a registry import's check: a job with its batch and error report
    from gongzhi.registry import exporting

    w.export_job = exporting.start_person_export(actor=users["community"], filters={}, unmask=False, reason="",
                                                 request=None)
    w.export_job.refresh_from_db()
    w.job = w.import_job = Job.objects.filter(actor=users["community"], kind__contains="import").order_by("-pk").first()
    w.organisation = rm.Organisation.objects.filter(area__path__startswith=community.path).order_by("pk").first()
    w.facility = rm.Facility.objects.filter(area__path__startswith=community.path).order_by("pk").first()
    w.link = rm.ResidentLink.objects.filter(user=users["resident"]).first()
    elsewhere = rm.Person.objects.filter(area__code__startswith="341702001002").order_by("pk").first()
    w.move_in = rm.MoveInRequest.objects.create(
        id_number="341702199001011234", real_name=elsewhere.real_name, requesting_area=community,
        holding_area=elsewhere.area, person=elsewhere, requested_by=users["community"], reason="搬入本社区")

    # Deliberation.
    w.topic = dm.Topic.objects.filter(area__path__startswith=community.path).order_by("pk").first()
    w.comment = dm.Comment.objects.filter(topic__area__path__startswith=community.path).order_by("pk").first()
    w.attachment = dm.TopicAttachment.objects.create(topic=w.topic, file=ContentFile(b"%PDF-1.4", "a.pdf"),
                                                     name="a.pdf", content_type="application/pdf", size=8)
    w.body = dm.Body.objects.filter(area__path__startswith=community.path).order_by("pk").first()
    w.member = dm.BodyMember.objects.filter(body=w.body).order_by("pk").first()
    w.meeting = dm.Meeting.objects.filter(area__path__startswith=community.path).order_by("pk").first()
    w.vote = dm.Vote.objects.filter(area__path__startswith=community.path).order_by("pk").first()
    w.task = dm.Task.objects.filter(area__path__startswith=community.path).order_by("pk").first()
    update = dm.TaskUpdate.objects.filter(task=w.task).first() or dm.TaskUpdate.objects.create(
        task=w.task, text="进度", percent=10)
    w.task_photo = dm.TaskPhoto.objects.create(update=update, image=ContentFile(_jpeg(), "t.jpg"),
                                               content_type="image/jpeg", size=100, width=8, height=8)
    w.process = dm.VillageProcess.objects.order_by("pk").first()  # the demo's are in the town's village

    # Disclosure.
    w.item = sm.DisclosureItem.objects.filter(area=community).order_by("pk").first()
    w.question = sm.Question.objects.filter(area__path__startswith=community.path).order_by("pk").first()
    w.entry = sm.LedgerEntry.objects.filter(area__path__startswith=community.path).order_by("pk").first()
    w.exercise = sm.PowerExercise.objects.filter(area__path__startswith=community.path).order_by("pk").first()
    w.power_item = sm.PowerItem.objects.order_by("pk").first()
    w.quarter = datetime.date.today().year, (datetime.date.today().month - 1) // 3 + 1

    # Services: a certificate 幸福社区 issued (the demo's).
    from gongzhi.services.models import Application, Certificate

    w.certificate = Certificate.objects.filter(issuer=community).order_by("pk").first()
    w.own_application = Application.objects.filter(applicant_user=users["resident"]).order_by("pk").first()
    w.application = Application.objects.filter(accepted_by=community).order_by("pk").first()

    # Notices: 幸福社区's announcement to its residents (the demo resident among them) and one receipt.
    from gongzhi.notices.models import Announcement

    w.announcement = Announcement.objects.filter(area=community).order_by("pk").first()
    w.receipt = w.announcement.receipts.order_by("pk").first() if w.announcement else None
    missing = [name for name, value in vars(w).items() if value is None]
    assert not missing, f"the demo has none of: {missing}"
    return w


@pytest.fixture(scope="package")
def world(django_db_setup, django_db_blocker):
    from django.core.management import call_command

    with django_db_blocker.unblock(), tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        try:
            w = build_world(media)
            w.clients = {}
            for username, user in w.users.items():
                client = Client()
                client.force_login(user)
                w.clients[username] = client
            w.clients["anonymous"] = Client()
            yield w
        finally:
            call_command("flush", interactive=False, verbosity=0)
            reinstall_reference_data()


@pytest.fixture
def site(world, db, settings):
    settings.MEDIA_ROOT = world.media
    return world


def client_of(world, username: str) -> Client:
    return world.clients[username]

