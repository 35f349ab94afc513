"""No role without ``personal.unmask`` can rebuild a masked ID number from what it is shown.

The masked middle of an 18-digit ID (``341702********2264``) is exactly the birth date, so any
date shown beside it gives the whole number back. For every demo account that sees the registry
without unmasking, everything it is shown of each person it may see — the API (list and detail),
the pages (list, person, edit form, house, mobile house) and the masked export workbook — is
searched for dates, which are tried as the masked middle; then what is left to guess (the age
window) is counted: at least ten candidates must pass the check digit.
"""

from __future__ import annotations

import datetime
import io
import json
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from stdnum.cn import ric

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.registry import demo as registry_demo
from gongzhi.registry import exporting, selectors
from gongzhi.registry.models import Person
from gongzhi.jobs.services import output_stream

pytestmark = pytest.mark.django_db

FULL_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]?\s*(\d{1,2})\s*[-/.月]?\s*(\d{1,2})(?!\d)")
MONTH_DAY = re.compile(r"(?<!\d)(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日")
MIN_CANDIDATES = 10


def _date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def rebuilt(masked_source: Person, shown: str, age: int | None, today: datetime.date) -> set[str]:
    """Every full ID number that ``shown`` (plus the masked form) yields for the person's number."""
    real = masked_source.id_number
    prefix, suffix = real[:6], real[-4:]
    found = set()
    for year, month, day in FULL_DATE.findall(shown):
        day_ = _date(int(year), int(month), int(day))
        if day_ and f"{prefix}{day_:%Y%m%d}{suffix}" == real:
            found.add(real)
    if age is not None:  # a month and day shown anywhere, with the year from the age
        for month, day in MONTH_DAY.findall(shown):
            for year in (today.year - age - 1, today.year - age):
                day_ = _date(year, int(month), int(day))
                if day_ and f"{prefix}{day_:%Y%m%d}{suffix}" == real:
                    found.add(real)
    return found


def candidates_from_age(number: str, age: int, today: datetime.date) -> int:
    """How many birth dates within the age window give a number passing the check digit."""
    prefix, sequence, check = number[:6], number[14:17], number[17]
    latest = _years_before(today, age)
    earliest = _years_before(today, age + 1) + datetime.timedelta(days=1)
    count, day = 0, earliest
    while day <= latest:
        body = f"{prefix}{day:%Y%m%d}{sequence}"
        if ric.calc_check_digit(body + "0") == check:
            count += 1
        day += datetime.timedelta(days=1)
    return count


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def masked_export_rows(user, django_capture_on_commit_callbacks) -> dict[int, str]:
    with django_capture_on_commit_callbacks(execute=True):
        job = exporting.start_person_export(actor=user, filters={})
    job.refresh_from_db()
    with output_stream(job) as fh:
        workbook = load_workbook(io.BytesIO(fh.read()))
    rows = [row for row in workbook["人员"].iter_rows(values_only=True)][1:]
    return {index: " ".join("" if v is None else str(v) for v in row) for index, row in enumerate(rows)}


def test_no_role_without_unmasking_can_rebuild_a_masked_id(demo, client, api_token,
                                                           django_capture_on_commit_callbacks):
    # 1,500 residents: with the demo town's grids this once drew a child whose 残疾 tag started on
    # the birth date, which rebuilt the masked ID; the demo now never dates a record within a month
    # of a birth (``registry.demo._after_birth``).
    registry_demo.build(demo.district, residents=1500)
    today = datetime.date.today()
    viewers = [user for user in demo.users.values()
               if has_perm(user, Perm.REGISTRY_VIEW) and not has_perm(user, Perm.PERSONAL_UNMASK)]
    assert viewers, "expected at least one role that sees the registry masked (the grid worker)"
    checked = 0
    for user in viewers:
        client.force_login(user)
        headers = api_token(user.username)
        persons = list(selectors.persons_for(user).exclude(id_number=""))
        assert len(persons) >= 5
        listing = "".join(client.get(reverse("registry:person_list"), {"page": page}).content.decode()
                          for page in (1, 2))
        api_list = json.dumps(client.get("/api/v1/persons", **headers).json(), ensure_ascii=False)
        export = " ".join(masked_export_rows(user, django_capture_on_commit_callbacks).values())
        for person in persons:
            if len(person.id_number) != 18:
                continue
            detail = client.get(f"/api/v1/persons/{person.pk}", **headers).json()
            assert person.birth_date.year not in detail.values() and str(person.birth_date.year) not in detail.values()
            shown = [json.dumps(detail, ensure_ascii=False), listing, api_list, export]
            for name in ("registry:person_detail", "registry:person_edit"):
                shown.append(client.get(reverse(name, args=[person.pk])).content.decode())
            if person.house_id:
                shown.append(client.get(f"/api/v1/houses/{person.house_id}", **headers).content.decode())
                shown.append(client.get(reverse("registry:house_detail", args=[person.house_id])).content.decode())
                shown.append(client.get(reverse("registry:mobile_house", args=[person.house_id])).content.decode())
            age = detail["age"]
            assert age == person.age_on(today)
            assert rebuilt(person, "\n".join(shown), age, today) == set(), (user.username, person.real_name)
            assert candidates_from_age(person.id_number, age, today) >= MIN_CANDIDATES
            checked += 1
    assert checked >= 5


def test_the_rebuild_attempt_finds_a_shown_birth_date():
    """The attack works when the date is shown: the test above would catch a leak."""
    body = "34170220021125226"
    person = Person(id_number=body + ric.calc_check_digit(body + "0"))
    assert rebuilt(person, "出生日期 2002-11-25", None, datetime.date(2026, 12, 7)) == {person.id_number}
    assert rebuilt(person, "2002年11月25日", None, datetime.date(2026, 12, 7)) == {person.id_number}
    assert rebuilt(person, "11月25日", 24, datetime.date(2026, 12, 7)) == {person.id_number}
    assert rebuilt(person, "****-**-**（24 岁）", 24, datetime.date(2026, 12, 7)) == set()


def _person_born(day: datetime.date) -> Person:
    from gongzhi.registry.tests.factories import make_id, make_person

    return make_person(name="钱七", id_number=make_id(birth=f"{day:%Y%m%d}", sequence="226"), birth_date=day)


def test_the_birth_date_is_shown_to_who_may_unmask_and_masked_for_the_others(demo, login_as):
    person = _person_born(datetime.date(2002, 11, 25))
    url = reverse("registry:person_detail", args=[person.pk])
    assert "2002-11-25" in login_as("community").get(url).content.decode()
    page = login_as("grid").get(url).content.decode()
    assert "2002-11-25" not in page and "****-**-**" in page


def test_a_birth_dated_move_is_masked_like_the_birth_date(demo, login_as):
    from gongzhi.registry import services

    person = _person_born(datetime.date(2002, 11, 25))
    services.record_move(actor=demo.users["grid"], person=person, kind="birth", date=datetime.date(2002, 11, 25))
    page = login_as("grid").get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert "2002-11-25" not in page
    from gongzhi.audit.models import AuditEntry

    assert "2002-11-25" not in json.dumps(AuditEntry.objects.filter(action__startswith="registry.").last().after)


def test_a_birth_date_alone_is_refused_whatever_its_value_so_it_cannot_be_guessed(demo, client, api_token):
    person = _person_born(datetime.date(2002, 11, 25))
    headers = api_token("grid")
    answers = set()
    for guess in ("2002-11-25", "2002-11-24"):  # the right date and a wrong one get the same answer
        response = client.patch(f"/api/v1/persons/{person.pk}", json.dumps({"birth_date": guess}),
                                content_type="application/json", **headers)
        answers.add((response.status_code, response.content))
    assert len(answers) == 1 and next(iter(answers))[0] == 422
    assert b"2002" not in next(iter(answers))[1]


def test_the_edit_form_of_a_grid_worker_has_no_birth_date_and_a_new_id_sets_it(demo, login_as):
    from gongzhi.registry.tests.factories import make_id

    person = _person_born(datetime.date(2002, 11, 25))
    client = login_as("grid")
    url = reverse("registry:person_edit", args=[person.pk])
    page = client.get(url).content.decode()
    assert 'name="birth_date"' not in page and "2002-11-25" not in page
    new_id = make_id(birth="19991231", sequence="227")
    form = {"real_name": person.real_name, "gender": "", "id_number": new_id, "phone": ""}
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert person.birth_date == datetime.date(1999, 12, 31) and person.id_number == new_id


def test_trying_the_candidate_ids_by_search_is_audited_and_bounded(demo, client, api_token, login_as, settings):
    """About 33 birth dates pass the check digit: searching each until the person comes back
    would rebuild the number, so a viewer without unmasking gets a bounded number of tries."""
    from gongzhi.audit.models import AuditEntry

    settings.GONGZHI_ID_SEARCH_LIMIT = 3
    person = _person_born(datetime.date(2002, 11, 25))
    body = person.id_number[:6]
    candidates = [f"{body}2002{month:02d}15{person.id_number[14:17]}" for month in range(1, 13)]
    candidates = [c + ric.calc_check_digit(c + "0") for c in candidates]
    headers = api_token("grid")
    answers = [client.get("/api/v1/persons", {"q": number}, **headers).status_code for number in candidates[:4]]
    assert answers == [200, 200, 200, 422]
    page = login_as("grid").get(reverse("registry:person_list"), {"q": person.id_number}).content.decode()
    assert person.real_name not in page and "24 小时内按完整身份证号码搜索已达 3 次" in page
    entries = AuditEntry.objects.filter(action="registry.person.id_search", actor=demo.users["grid"])
    assert entries.count() == 3 and all(number not in str(entries.values_list("after", flat=True))
                                        for number in candidates)
    # Who may unmask is not limited (their searches need no guessing).
    community = api_token("community")
    assert all(client.get("/api/v1/persons", {"q": n}, **community).status_code == 200 for n in candidates[:5])
