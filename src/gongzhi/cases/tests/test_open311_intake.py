"""Open311 POSTs are accepted at once and filed by the task worker (the ``batch`` service type).

Here the task backend only records what is queued (``DummyBackend``), as the database backend
does until the worker runs, so each step is seen on its own: accepted, waiting, filed or failed.
"""

from __future__ import annotations

import datetime
import threading
import time

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.utils import timezone
from django_tasks import default_task_backend

from gongzhi.audit.models import AuditEntry
from gongzhi.cases import open311, open311_intake
from gongzhi.cases.models import Case, Category, Open311Submission
from gongzhi.cases.open311_keys import issue_open311_key
from gongzhi.core.schedule import REGISTRY

from .helpers import NOW

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"


@pytest.fixture
def queue_only(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    yield default_task_backend
    default_task_backend.clear()


@pytest.fixture
def key(cases_demo):
    _row, value = issue_open311_key(actor=None, name="市民热线 App")
    return value


def post(client, demo, key, **extra):
    fields = {"api_key": key, "service_code": "0303", "lat": demo.lat, "long": demo.lon,
              "description": "幸福路口井盖旁路面塌陷，车辆经过很危险", **extra}
    response = client.post(f"{BASE}/requests.json", fields)
    assert response.status_code == 200, response.content
    return response.json()[0]["token"]


def test_a_post_is_queued_then_filed_as_of_when_it_was_received(client, cases_demo, key, queue_only):
    with time_machine.travel(NOW, tick=False):
        token = post(client, cases_demo, key, first_name="小明", last_name="张")
    # Accepted: one submission and one queued filing task; no case, no audit entry for it yet.
    submission = Open311Submission.objects.get(token=token)
    assert submission.received_at == NOW and submission.processed_at is None and submission.case is None
    assert submission.reporter_name == "张小明" and submission.ip == "127.0.0.1"
    assert [r.task.name for r in queue_only.results] == ["file_open311_submissions"]
    assert not Case.objects.exists() and not AuditEntry.objects.filter(action="cases.report").exists()
    for fmt in ("json", "xml"):
        response = client.get(f"{BASE}/tokens/{token}.{fmt}")
        assert response.status_code == 200
    assert client.get(f"{BASE}/tokens/{token}.json").json() == [{"token": token}]  # no id yet

    # The worker files it twenty minutes later; the case is dated when the client posted it.
    with time_machine.travel(NOW + datetime.timedelta(minutes=20), tick=False):
        assert open311_intake.file_pending() == {"filed": 1, "failed": 0}
    submission.refresh_from_db()
    case = submission.case
    assert case.reported_at == NOW and case.source == "open311" and case.open311_token == token
    assert case.area == cases_demo.grid and case.category.code == "0303" and case.reporter_name == "张小明"
    assert submission.processed_at == NOW + datetime.timedelta(minutes=20)
    entry = AuditEntry.objects.get(action="cases.open311_request")
    assert entry.object_id == str(case.pk) and entry.after["token"] == token and entry.ip == "127.0.0.1"
    assert client.get(f"{BASE}/tokens/{token}.json").json() == [{"service_request_id": case.number, "token": token}]
    assert open311_intake.file_pending() == {"filed": 0, "failed": 0}  # nothing twice


def test_submissions_are_filed_in_the_order_received(client, cases_demo, key, queue_only):
    tokens = [post(client, cases_demo, key, description=f"第{n}处路面塌陷，车辆经过很危险") for n in range(5)]
    [queued] = queue_only.results  # the POSTs of the next half second ride on the filing the first queued
    assert queued.task.name == "file_open311_submissions" and queued.task.run_after > timezone.now()
    assert open311_intake.file_pending(limit=2) == {"filed": 2, "failed": 0}
    assert open311_intake.file_pending() == {"filed": 3, "failed": 0}
    numbers = [Open311Submission.objects.get(token=t).case.number for t in tokens]
    assert numbers == sorted(numbers) and len(set(numbers)) == 5


def test_a_submission_that_cannot_be_filed_keeps_the_reason(client, cases_demo, key, queue_only):
    token = post(client, cases_demo, key)
    Category.objects.filter(code="0303").update(active=False)  # switched off before the worker ran
    assert open311_intake.file_pending() == {"filed": 0, "failed": 1}
    submission = Open311Submission.objects.get(token=token)
    assert submission.case is None and submission.processed_at and "小类" in submission.error
    [error] = client.get(f"{BASE}/tokens/{token}.json").json()
    assert error["code"] == 404 and submission.error in error["description"]
    assert not Case.objects.exists() and not AuditEntry.objects.filter(action="cases.open311_request").exists()
    assert open311_intake.file_pending() == {"filed": 0, "failed": 0}  # not retried for ever


def test_the_service_list_a_post_checks_against_is_remembered_briefly(client, cases_demo, key, queue_only):
    post(client, cases_demo, key)
    Category.objects.filter(code="0303").update(active=False)
    post(client, cases_demo, key)  # within REMEMBER_SECONDS: still accepted (and refused when filed)
    open311.forget_services()  # as REMEMBER_SECONDS later
    response = client.post(f"{BASE}/requests.json", {"api_key": key, "service_code": "0303", "lat": cases_demo.lat,
                                                     "long": cases_demo.lon, "description": "路面塌陷很危险请处理"})
    assert response.status_code == 404
    assert open311_intake.file_pending() == {"filed": 0, "failed": 2}


def test_one_submission_is_filed_once_whoever_claims_it(client, cases_demo, key, queue_only):
    post(client, cases_demo, key)
    submission = Open311Submission.objects.select_related("key", "category", "category__parent").get()
    stale = Open311Submission.objects.select_related("key", "category", "category__parent").get()
    assert open311_intake.file_one(submission) == "filed"
    assert open311_intake.file_one(stale) == "taken"  # a second worker that read it before the first filed it
    assert Case.objects.count() == 1


def test_a_filing_task_files_for_a_bounded_time_and_leaves_the_rest(client, cases_demo, key, queue_only):
    for n in range(3):
        post(client, cases_demo, key, description=f"路面塌陷很危险请处理（{n}）")
    assert open311_intake.file_pending(seconds=0) == {"filed": 1, "failed": 0}  # at least one, then stop
    assert open311_intake.pending().count() == 2
    assert open311_intake.file_pending(seconds=60) == {"filed": 2, "failed": 0}


@pytest.mark.django_db(transaction=True)
def test_a_worker_skips_a_submission_another_worker_is_filing(client, cases_demo, key, queue_only):
    """Workers on two hosts read the same oldest batch: the second skips the row the first holds
    (PostgreSQL ``SKIP LOCKED``) instead of waiting for its case to commit."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite has one writer and nothing to skip)")
    post(client, cases_demo, key)
    submission = Open311Submission.objects.select_related("key", "category", "category__parent").get()
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                list(Open311Submission.objects.select_for_update().filter(pk=submission.pk))
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(10)
        started = time.monotonic()
        outcome = open311_intake.file_one(submission)
        waited = time.monotonic() - started
    finally:
        release.set()
        thread.join()
    assert outcome == "taken" and waited < 3
    assert not Case.objects.exists() and Open311Submission.objects.get().processed_at is None


def test_the_queue_row_commits_with_the_submission_or_not_at_all(client, cases_demo, key, queue_only):
    demo = cases_demo
    with pytest.raises(RuntimeError), transaction.atomic():
        open311_intake.submit(key=open311_intake.Open311Key.objects.get(), category=demo.category("0303"),
                              description="路面塌陷很危险请处理", lon=demo.lon, lat=demo.lat)
        raise RuntimeError("the request failed after submitting")
    assert not Open311Submission.objects.exists()


def test_filing_is_also_periodic(cases_demo):
    entry = REGISTRY["cases.file_open311_submissions"]
    assert entry.every <= datetime.timedelta(minutes=1) and entry.task.name == "file_open311_submissions"


def test_the_stored_row_is_what_the_orm_would_store(client, cases_demo, key, queue_only):
    """``_insert`` sends the values without building the model: the row reads back as the ORM's would,
    the phone encrypted at rest."""
    response = client.post(f"{BASE}/requests.json", {
        "api_key": key, "service_code": "0303", "lat": cases_demo.lat, "long": cases_demo.lon,
        "description": "幸福路口井盖旁路面塌陷，车辆经过很危险", "phone": "13912345678",
        "address_string": "幸福路12号", "first_name": "小明", "last_name": "张"}, HTTP_USER_AGENT="CityApp/2.1")
    token = response.json()[0]["token"]
    stored = Open311Submission.objects.get(token=token)
    assert (stored.reporter_phone, stored.address, stored.reporter_name) == ("13912345678", "幸福路12号", "张小明")
    assert stored.user_agent == "CityApp/2.1" and stored.ip == "127.0.0.1" and stored.error == ""
    assert stored.lon == float(cases_demo.lon) and stored.lat == float(cases_demo.lat)
    assert stored.category.code == "0303" and stored.case_id is None and stored.processed_at is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reporter_phone FROM cases_open311submission WHERE token = %s", [token])
        (at_rest,) = cursor.fetchone()
    assert "13912345678" not in at_rest


def test_machine_endpoints_pass_session_and_sign_in_middleware_but_keep_the_security_headers(
        client, cases_demo, key, queue_only, demo):
    """An Open311 client has no session: a POST does not read one (no ``Vary: Cookie``, no cookie
    set, even for a browser signed in to the platform) and gets every security header."""
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="community"))
    response = client.post(f"{BASE}/requests.json", {
        "api_key": key, "service_code": "0303", "lat": cases_demo.lat, "long": cases_demo.lon,
        "description": "幸福路口井盖旁路面塌陷，车辆经过很危险"})
    assert response.status_code == 200
    assert "Cookie" not in response.headers.get("Vary", "") and not response.cookies
    assert not hasattr(response.wsgi_request, "user") and not hasattr(response.wsgi_request, "session")
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Content-Language"):
        assert response.headers.get(header), header
    # Everywhere else the same browser is signed in as before.
    page = client.get("/")
    assert page.wsgi_request.user.username == "community" and hasattr(page.wsgi_request, "session")
