"""The server or the task worker killed (SIGKILL) in the middle of a case's step or of Open311 filing.

* A case action: the gunicorn worker dies inside the action's transaction (nothing of the step
  is left), then — on the client's retry — right after its commit (the step is there exactly
  once, and a second retry with the same version is refused as a conflict, not taken twice).
* Open311: every report accepted with a 200 becomes exactly one case, though the worker filing
  the burst is killed in the middle of filing one of them.
"""

from __future__ import annotations

import http.client
import json

import pytest
from django_tasks import default_task_backend

from gongzhi.accounts.services import create_api_token
from gongzhi.audit.models import AuditEntry
from gongzhi.cases import open311_intake
from gongzhi.cases.models import Case, CaseEvent, CaseSource, Open311Submission
from gongzhi.cases.open311_keys import issue_open311_key
from tests.faults import in_child, killed, served
from tests.support import http_request

from .helpers import new_case

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _accept(base: str, token: str, case: Case, version: int):
    """POST the accept step; its status, or None when the server died before answering."""
    try:
        status, _headers, body = http_request(
            f"{base}/api/v1/cases/{case.pk}/actions", method="POST", timeout=60,
            body={"action": "accept", "category": "0303", "version": version},
            headers={"Authorization": f"Bearer {token}"})
    except (http.client.RemoteDisconnected, ConnectionError):
        return None, b""
    return status, body


def test_a_server_killed_mid_action_leaves_the_step_whole_or_absent_and_a_retry_never_doubles_it(cases_demo,
                                                                                                 tmp_path):
    case = new_case(cases_demo)
    version = case.version
    _row, token = create_api_token(user=cases_demo.users["community"], name="test")

    def accepted():
        return (CaseEvent.objects.filter(case=case, action="accept").count(),
                AuditEntry.objects.filter(action="cases.accept", object_id=str(case.pk)).count())

    with served(tmp_path, fault="cases.act.before_commit,cases.act.committed") as base:
        # Killed inside the step's transaction: no answer, and nothing of the step.
        assert _accept(base, token, case, version) == (None, b"")
        case.refresh_from_db()
        assert (case.status, case.version, accepted()) == ("reported", version, (0, 0))

        # The client retries; the new worker takes the step and is killed right after its commit.
        assert _accept(base, token, case, version) == (None, b"")
        case.refresh_from_db()
        assert (case.status, case.version, accepted()) == ("accepted", version + 1, (1, 1))

        # Retried once more with the version it saw: a conflict, not the step twice.
        status, body = _accept(base, token, case, version)
        assert status == 409 and json.loads(body)["code"] == "conflict", body
        case.refresh_from_db()
        assert (case.status, case.version, accepted()) == ("accepted", version + 1, (1, 1))
    assert (tmp_path / "fault.cases.act.before_commit").exists() and (tmp_path / "fault.cases.act.committed").exists()


@pytest.fixture
def queue_only(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    yield
    default_task_backend.clear()


BURST = 12


def test_every_accepted_open311_report_becomes_exactly_one_case_though_the_worker_is_killed(
        client, cases_demo, queue_only):
    fault = "cases.open311.filing@5"  # killed filing the fifth report, inside its transaction
    _row, key = issue_open311_key(actor=None, name="市民热线 App")
    tokens = []
    for n in range(BURST):
        answer = client.post("/open311/v2/requests.json", {
            "api_key": key, "service_code": "0303", "lat": cases_demo.lat, "long": cases_demo.lon,
            "description": f"第{n}处路面塌陷，车辆经过很危险"})
        assert answer.status_code == 200, answer.content
        tokens.append(answer.json()[0]["token"])

    worker = in_child("from gongzhi.cases import open311_intake\nopen311_intake.file_pending()", fault=fault)

    assert killed(worker), worker.stderr[-3000:]
    filed_before_restart = Case.objects.filter(source=CaseSource.OPEN311).count()
    assert filed_before_restart == 4  # the fifth was rolled back whole: no case, its submission still waiting
    # The restarted worker (or the periodic filing) files the rest.
    assert open311_intake.file_pending() == {"filed": BURST - filed_before_restart, "failed": 0}

    cases = list(Case.objects.filter(source=CaseSource.OPEN311).values_list("open311_token", flat=True))
    assert sorted(cases) == sorted(tokens)  # 1:1 — none lost, none twice
    assert not Open311Submission.objects.filter(case__isnull=True).exists()
    assert sorted(Open311Submission.objects.values_list("case__open311_token", flat=True)) == sorted(tokens)
    assert AuditEntry.objects.filter(action="cases.open311_request").count() == BURST
