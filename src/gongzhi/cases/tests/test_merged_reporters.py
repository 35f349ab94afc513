"""Reporters of a merged case are told the shared outcome about the case they reported, which they can open."""

import pytest

from gongzhi.cases import services
from gongzhi.cases.models import Case
from gongzhi.cases.tests.helpers import NOW, another_resident, case_in
from gongzhi.notices.models import Notice

# Closing on verification keeps these tests about closures to one step (the two steps: test_transitions).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("closes_on_verify")]

TO_CLOSE = [("street", "dispatch", {}), ("dept", "acknowledge", {}), ("dept", "start", {}),
            ("dept", "feedback", {"note": "已修复"}), ("grid", "verify", {})]


def report(demo, user, text="幸福路人行道地砖坏了好几块"):
    return services.report_case(actor=user, description=text, lon=demo.lon, lat=demo.lat, now=NOW)


def close(demo, case):
    for username, action, params in TO_CLOSE:
        case = services.act(actor=demo.users[username], case=case, action=action, **params)
    return case


def test_the_closing_notice_of_a_merged_report_names_and_opens_the_reporters_own_case(client, cases_demo):
    neighbour = another_resident(cases_demo)
    kept = case_in(cases_demo, "accepted")
    joined = report(cases_demo, neighbour)
    services.act(actor=cases_demo.users["community"], case=joined, action="merge", duplicate_of=kept.pk)

    close(cases_demo, kept)

    notice = Notice.objects.get(recipient=neighbour, title__contains="已办结")
    assert joined.number in notice.title and kept.number not in notice.title
    assert notice.link == f"/cases/{joined.pk}/"
    mine = Notice.objects.get(recipient=cases_demo.users["resident"], title__contains="已办结")
    assert kept.number in mine.title and mine.link == f"/cases/{kept.pk}/"
    client.force_login(neighbour)
    page = client.get(notice.link)
    assert page.status_code == 200
    merged_into = page.content.decode().split('data-testid="merged-into"')[1].split("</dd>")[0]
    assert kept.number in merged_into and "href" not in merged_into  # shown, not a link to a page they cannot open


def test_reports_merged_earlier_follow_their_case_when_it_is_merged_in_turn(cases_demo):
    neighbour, third = another_resident(cases_demo), another_resident(cases_demo, username="third")
    kept = case_in(cases_demo, "accepted")
    middle = report(cases_demo, neighbour)
    first_joined = report(cases_demo, third)
    services.act(actor=cases_demo.users["community"], case=first_joined, action="merge", duplicate_of=middle.pk)
    services.act(actor=cases_demo.users["community"], case=middle, action="merge", duplicate_of=kept.pk)

    assert Case.objects.get(pk=first_joined.pk).merged_into_id == kept.pk
    close(cases_demo, kept)
    notice = Notice.objects.get(recipient=third, title__contains="已办结")
    assert first_joined.number in notice.title and notice.link == f"/cases/{first_joined.pk}/"


def test_staff_see_the_merged_reports_as_links(client, cases_demo):
    kept = case_in(cases_demo, "accepted")
    joined = report(cases_demo, another_resident(cases_demo))
    services.act(actor=cases_demo.users["community"], case=joined, action="merge", duplicate_of=kept.pk)
    client.force_login(cases_demo.users["community"])

    assert f'href="/cases/{joined.pk}/"' in client.get(f"/cases/{kept.pk}/").content.decode()
    assert f'href="/cases/{kept.pk}/"' in client.get(f"/cases/{joined.pk}/").content.decode()
    client.force_login(cases_demo.users["resident"])  # the kept case's reporter: not the neighbour's report
    assert f'href="/cases/{joined.pk}/"' not in client.get(f"/cases/{kept.pk}/").content.decode()
