"""Idle sessions expire by role: 15 minutes for the privileged, 30 for other staff, days for residents."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from gongzhi.accounts.middleware import TOUCH_SECONDS

pytestmark = pytest.mark.django_db

FIFTEEN_MINUTES = 15 * 60
THIRTY_MINUTES = 30 * 60


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("admin", FIFTEEN_MINUTES),
        ("auditor", FIFTEEN_MINUTES),
        ("district", FIFTEEN_MINUTES),
        ("street", FIFTEEN_MINUTES),
        ("community", THIRTY_MINUTES),
        ("grid", THIRTY_MINUTES),
        ("dept", THIRTY_MINUTES),
    ],
)
def test_staff_idle_timeout_by_role(demo, login_as, username, expected):
    client = login_as(username)
    client.get("/")
    assert client.session.get_expiry_age() == expected
    stored = Session.objects.get(session_key=client.session.session_key).expire_date
    assert abs((stored - timezone.now()).total_seconds() - expected) < 60


def test_residents_on_mobile_stay_signed_in(demo, login_as):
    client = login_as("resident")
    client.get("/m/")
    assert client.session.get_expiry_age() >= 7 * 86400


def test_the_sign_in_response_already_carries_the_idle_limit(demo, client, page_login):
    response = page_login("street")
    assert response.status_code == 302
    assert client.session.get_expiry_age() == FIFTEEN_MINUTES


def test_idle_limits_are_configurable(demo, settings):
    settings.GONGZHI_IDLE_MINUTES_PRIVILEGED = 5
    settings.GONGZHI_IDLE_MINUTES_STAFF = 10
    for username, expected in [("street", 5 * 60), ("community", 10 * 60)]:
        client = Client()
        client.force_login(demo.users[username])
        client.get("/console/")
        assert client.session.get_expiry_age() == expected


def _age_last_touch(client, seconds: int) -> None:
    session = client.session
    session["_touched"] -= seconds
    session.save()


def test_activity_slides_the_deadline(demo, login_as):
    client = login_as("street")
    client.get("/console/")
    _age_last_touch(client, TOUCH_SECONDS)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(minutes=1))
    client.get("/console/")
    remaining = Session.objects.get(session_key=key).expire_date - timezone.now()
    assert remaining > timedelta(minutes=14)


def test_requests_within_a_minute_do_not_rewrite_the_session(demo, login_as):
    """A page polling a job's progress every second must not write the session row each time."""
    client = login_as("street")
    client.get("/console/")
    key = client.session.session_key
    soon = timezone.now() + timedelta(minutes=5)
    Session.objects.filter(session_key=key).update(expire_date=soon)
    client.get("/console/")
    assert Session.objects.get(session_key=key).expire_date == soon


def test_an_expired_session_really_logs_out(demo, login_as):
    client = login_as("street")
    assert client.get("/console/").status_code == 200

    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get("/console/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/console/"
    assert client.get("/api/v1/me").status_code == 401


def test_api_polling_does_not_keep_a_session_alive(demo, login_as):
    client = login_as("street")
    client.get("/console/")
    key = client.session.session_key
    deadline = timezone.now() + timedelta(minutes=2)
    Session.objects.filter(session_key=key).update(expire_date=deadline)
    assert client.get("/api/v1/me").status_code == 200
    assert Session.objects.get(session_key=key).expire_date == deadline
