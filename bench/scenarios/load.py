"""load: mixed traffic of residents, grid workers, staff and voters at rising concurrency; nothing lost.

Everything runs in a temporary directory (and, with ``GONGZHI_DATABASE_URL``, a database of its own
on that PostgreSQL server, dropped afterwards); the demo database under var/ is never opened.

* Data (a ``python -m bench.scenarios.load prepare DIR N`` subprocess, with the environment of the
  server below): migrated, the demo district and accounts (``demo.district``), ``RESIDENTS``
  synthetic residents (``registry.demo``), one Open311 key, and for each of the N virtual clients
  three accounts of its own (so no login lockout or shared session is involved): a resident
  (``load07r``: bound to a registry person of the client's grid, so also a voter), the grid
  worker of that grid (``load07g``) and a community staff member of its community (``load07s``),
  plus ``VOTES`` open votes of the grid's adult residents per client.
* Server: the gunicorn ``./gz serve`` runs (``intake.server``: ``-c python:gongzhi.gunicorn_conf``,
  sync workers, 2 × cores + 1) with the task worker beside it (``db_worker --queue-name *``, as
  ``serve_with_worker`` starts it), the embedded settings, the scratch ``GONGZHI_VAR_DIR``.
* Clients: threads of this process, one per virtual client, each with a ``requests`` session per
  account, logged in through the login page (CSRF token from the form). A client repeats, without
  pause, an action drawn with ``WEIGHTS``: a resident reporting through the page form
  (``report``), reading their cases (``read_cases``), an Open311 client POSTing a service request
  (``open311``), a voter casting a ballot (``vote``; reading the vote page once the client's votes
  are used up), a grid worker updating a resident's phone on the household page (``household``)
  and logging a household visit on a patrol (``patrol``), a staff member opening the case queue and
  a case reported by the client's resident and taking its next step through the case page's form
  (立案, then 交网格/社区处置) (``queue``). Each action is several requests; every request is
  timed under its own name (``report_post``, ``case_page``…).
* Steps: ``STEPS`` (quick ``QUICK_STEPS``) concurrent clients, each step ``seconds`` long, the
  clients of a step starting together. Per step: requests/s, p50/p95/p99 overall and per kind of
  request, and the CPU the generator itself used (``generator_cpu``, cores: user + system time of
  this process over the step's wall time).
* Errors: a connection error, an unexpected status (a page not 200, a form POST not 302, an
  Open311 POST not 200), a page showing the error page (``class="error-page"``) or "database is
  locked", and a form POST whose next page shows an error message instead of the success one.
* Lost writes: every write the server accepted carries a marker (text or phone number unique to
  the run, client and write; a ballot: the voter and the vote, and its receipt). Afterwards, with
  the worker still running, a ``verify`` subprocess waits (at most ``DRAIN_SECONDS``) until every
  Open311 submission has been filed, then looks each write up in the database: a report is one
  case with its marker, an Open311 token one filed case with its marker, a case step one event
  with its marker, a ballot one participation and one ledger entry with its receipt, a patrol
  visit one row with its marker, and a person's phone is the last one written (and each accepted
  update left one audit entry). A write found twice counts as an error (``duplicates``).
* PASS: ``errors == 0`` and ``lost_writes == 0`` (``ratios.passed`` 1, else 0 and ``./gz bench``
  exits non-zero).
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import random
import re
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.scenarios import intake

ROOT = intake.ROOT
PASSWORD = "Load@bench-2026"
RESIDENTS = 1_200  # 10 a grid: a vote's roll is a grid's adults
QUICK_STEPS = (2, 4, 8, 16)
STEPS = (2, 4, 8, 16, 32)
QUICK_SECONDS = 6.0
SECONDS = 20.0
VOTES = {True: 12, False: 40}  # open votes per client (a ballot each), quick / full
PERSONS_PER_CLIENT = 12  # residents whose phone a client's grid worker updates in turn
DRAIN_SECONDS = 120
WEIGHTS = {"report": 2, "read_cases": 3, "open311": 2, "vote": 1, "household": 2, "patrol": 1, "queue": 3}
ERROR_PAGE = 'class="error-page"'
DESCRIPTIONS = ["小区门口路灯坏了，晚上出行不便", "楼道里堆放杂物，堵塞消防通道", "绿化带树枝断裂挡住人行道",
                "雨后路面积水很深，行人无法通过", "垃圾桶满溢多日无人清运", "井盖松动，车辆经过响声很大"]


def result_name(figures: dict) -> str:
    return "load-postgresql" if figures.get("database") == "postgresql" else "load"


# --- The data (in the ``prepare`` subprocess) --------------------------------------------------------

def username(index: int, kind: str) -> str:
    return f"load{index:02d}{kind}"


def prepare(directory: Path, clients: int, votes: int) -> dict:
    import datetime

    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from gongzhi.accounts.models import RoleAssignment, User
    from gongzhi.accounts.roles import Role
    from gongzhi.areas.models import Area, Level
    from gongzhi.cases.open311 import public_categories
    from gongzhi.cases.open311_keys import issue_open311_key
    from gongzhi.deliberation import votes as vote_services
    from gongzhi.deliberation.models import Electorate, Rule
    from gongzhi.demo import district
    from gongzhi.registry import demo as registry_demo
    from gongzhi.registry.models import Person, ResidentLink
    from gongzhi.registry.verification import verify_at_counter

    call_command("migrate", verbosity=0, interactive=False)
    root = district.build_areas()
    district.build_accounts(root)
    registry_demo.build(root, residents=RESIDENTS)
    _row, key = issue_open311_key(actor=None, name="bench load")
    codes = list(public_categories().values_list("code", flat=True))
    # Communities of the streets (not the town's villages), each client in its own as far as they go.
    communities = list(Area.objects.filter(level=Level.COMMUNITY, path__startswith=root.path, kind="community")
                       .order_by("code")) or list(Area.objects.filter(level=Level.COMMUNITY).order_by("code"))
    password = make_password(PASSWORD)  # one hash for all: signing in still checks it (Argon2)
    adult = vote_services.adult_cutoff(timezone.localdate())
    now = timezone.now()
    out = []
    for index in range(clients):
        community = communities[index % len(communities)]
        grid = Area.objects.filter(parent=community, level=Level.GRID).order_by("code")[index // len(communities)]
        with transaction.atomic():
            users = {}
            for kind, role, area in (("r", Role.RESIDENT, community), ("g", Role.GRID_WORKER, grid),
                                     ("s", Role.COMMUNITY_STAFF, community)):
                user = User.objects.create(username=username(index, kind), real_name=f"压测{index:02d}{kind}",
                                           password=password, home_area=grid if kind == "r" else None)
                RoleAssignment.objects.create(user=user, role=role, area=area)
                users[kind] = user
            people = list(Person.objects.current().filter(area=grid, house__isnull=False)
                          .exclude(pk__in=ResidentLink.objects.values("person_id")).order_by("pk"))
            voter = next(p for p in people if p.birth_date and p.birth_date <= adult)
            verify_at_counter(users["s"], users["r"], voter)
            updated = [(p.house_id, p.pk) for p in people if p.pk != voter.pk][:PERSONS_PER_CLIENT]
        vote_ids = []
        for number in range(votes):
            draft = vote_services.VoteDraft(
                title=f"{grid.name}压测表决{number + 1}", area=grid, electorate=Electorate.RESIDENTS,
                rule=Rule.SIMPLE_MAJORITY, options=list(vote_services.YES_NO_ABSTAIN),
                opens=now - datetime.timedelta(hours=1), closes=now + datetime.timedelta(days=2), secret=True,
                description="压测用表决：网格内年满十八周岁的居民一人一票。")
            vote_ids.append(vote_services.create_vote(actor=users["s"], draft=draft).pk)
        out.append({"index": index, "grid": grid.code, "community": community.code, "points": _points_in(grid),
                    "persons": updated, "votes": vote_ids})
    (directory / "var" / "static").mkdir(parents=True, exist_ok=True)  # whitenoise's STATIC_ROOT
    return {"key": key, "codes": codes, "clients": out}


def _points_in(grid, count: int = 50) -> list[tuple[float, float]]:
    """Places inside ``grid`` that the platform locates in it (a report there is the grid's case)."""
    from gongzhi.areas.locate import grid_index

    index = grid_index()
    rng = random.Random(grid.code)
    ring = grid.geometry["coordinates"][0]
    west, east = min(p[0] for p in ring), max(p[0] for p in ring)
    south, north = min(p[1] for p in ring), max(p[1] for p in ring)
    points = []
    for _ in range(count * 20):
        lon, lat = round(rng.uniform(west, east), 6), round(rng.uniform(south, north), 6)
        if index.locate_id(lon, lat) == grid.pk:
            points.append((lon, lat))
            if len(points) == count:
                break
    assert points, f"no point found inside {grid.code}"
    return points


# --- The clients --------------------------------------------------------------------------------------

class Failure(Exception):
    """A request that counts as an error (its kind and why)."""


class Recorder:
    """Latencies and errors by kind of request, for the step that is running."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = collections.defaultdict(list)
        self.errors: collections.Counter = collections.Counter()
        self.samples: list[str] = []

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)

    def error(self, kind: str, why: str) -> None:
        with self.lock:
            self.errors[kind] += 1
            if len(self.samples) < 20:
                self.samples.append(f"{kind}: {why}")


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_VERSION = re.compile(r'name="version" value="(\d+)"')
_CASE_URL = re.compile(r"/cases/(\d+)/$")
_PATROL_URL = re.compile(r"/cases/patrols/(\d+)/$")
_RECEIPT = re.compile(r'data-testid="receipt">([A-Z2-7]{16})<')


class Client:
    """One virtual client: its resident, grid worker and staff sessions, and the writes they made."""

    def __init__(self, base: str, prepared: dict, spec: dict, run_id: str, rng_seed: int):
        import requests

        self.base, self.prepared, self.spec, self.run_id = base, prepared, spec, run_id
        self.index = spec["index"]
        self.rng = random.Random(rng_seed)
        self.sessions = {kind: requests.Session() for kind in ("r", "g", "s")}
        self.api = requests.Session()
        self.seq = 0
        self.recorder: Recorder | None = None
        self.writes: list[dict] = []
        self.reported: collections.deque = collections.deque()  # (case pk, steps taken) for the staff
        self.votes = list(spec["votes"])
        self.persons = list(spec["persons"])
        self.person_turn = 0
        self.patrol: int | None = None
        self.cases_seen: list[int] = []

    # One request, timed and checked.
    def request(self, session, kind: str, method: str, path: str, *, expect: int, data=None, **kwargs):
        import requests

        started = time.perf_counter()
        try:
            response = session.request(method, self.base + path, data=data, allow_redirects=False, timeout=60,
                                       **kwargs)
        except requests.RequestException as error:
            self.recorder.error(kind, f"{type(error).__name__}: {error}")
            raise Failure(kind) from None
        self.recorder.add(kind, time.perf_counter() - started)
        text = response.text
        if response.status_code != expect:
            self.recorder.error(kind, f"{method} {path}: {response.status_code} (expected {expect}) {text[:200]!r}")
            raise Failure(kind)
        if ERROR_PAGE in text or "database is locked" in text:
            self.recorder.error(kind, f"{method} {path}: the error page")
            raise Failure(kind)
        return response

    def page(self, role: str, kind: str, path: str):
        return self.request(self.sessions[role], kind, "GET", path, expect=200)

    def post_form(self, role: str, kind: str, path: str, data: dict, *, success: str | None = "msg-success") -> tuple:
        """POST a form as the browser does (302), then open the page it leads to: it must say it worked
        (``success``; None: a page without a message of its own, then only no error message)."""
        session = self.sessions[role]
        data = {**data, "csrfmiddlewaretoken": session.cookies.get("csrftoken", "")}
        response = self.request(session, kind, "POST", path, expect=302, data=data,
                                headers={"Referer": self.base + path})
        location = response.headers["Location"]
        after = self.request(session, kind + "_next", "GET", location, expect=200)
        if (success is not None and success not in after.text) or "msg-error" in after.text:
            found = re.search(r'<li class="msg-error">([^<]*)', after.text)
            self.recorder.error(kind, f"POST {path}: refused ({found.group(1) if found else 'no success message'})")
            raise Failure(kind)
        return location, after

    def marker(self, kind: str) -> str:
        self.seq += 1
        return f"LD{self.run_id}-{self.index:02d}-{kind}{self.seq:06d}"

    def login(self, recorder: Recorder) -> None:
        self.recorder = recorder
        for role, session in self.sessions.items():
            form = self.request(session, "login_form", "GET", "/accounts/login/", expect=200)
            token = _CSRF.search(form.text).group(1)
            self.request(session, "login", "POST", "/accounts/login/", expect=302, data={
                "csrfmiddlewaretoken": token, "username": username(self.index, role), "password": PASSWORD},
                headers={"Referer": self.base + "/accounts/login/"})
        # The grid worker's patrol, open for the whole run: each visit is logged on it.
        patrols = self.page("g", "patrols", "/cases/patrols/")
        open_one = re.search(r'href="/cases/patrols/(\d+)/"', patrols.text)  # still open from before
        if open_one:
            self.patrol = int(open_one.group(1))
            return
        location, _after = self.post_form("g", "patrol_start", "/cases/patrols/", {"grid": self.spec["grid"]},
                                          success=None)  # the open patrol's page is the answer
        self.patrol = int(_PATROL_URL.search(location).group(1))

    # The actions.
    def report(self) -> None:
        self.page("r", "report_form", "/cases/report/")
        lon, lat = self.rng.choice(self.spec["points"])
        marker = self.marker("R")
        location, _after = self.post_form("r", "report_post", "/cases/report/", {
            "description": f"{self.rng.choice(DESCRIPTIONS)}（{marker}）", "lon": f"{lon:.6f}", "lat": f"{lat:.6f}",
            "category": self.rng.choice(self.prepared["codes"]), "priority": "normal"})
        pk = int(_CASE_URL.search(location).group(1))
        self.writes.append({"kind": "report", "marker": marker, "case": pk})
        self.reported.append([pk, 0])
        self.cases_seen.append(pk)

    def read_cases(self) -> None:
        self.page("r", "my_cases", "/cases/mine/")
        if self.cases_seen:
            self.page("r", "case_page", f"/cases/{self.rng.choice(self.cases_seen[-20:])}/")

    def open311(self) -> None:
        lon, lat = self.rng.choice(self.spec["points"])
        marker = self.marker("O")
        response = self.request(self.api, "open311_post", "POST", "/open311/v2/requests.json", expect=200, data={
            "api_key": self.prepared["key"], "service_code": self.rng.choice(self.prepared["codes"]),
            "lat": f"{lat:.6f}", "long": f"{lon:.6f}",
            "description": f"{self.rng.choice(DESCRIPTIONS)} {marker}"})
        token = response.json()[0]["token"]
        self.writes.append({"kind": "open311", "marker": marker, "token": token})

    def vote(self) -> None:
        self.page("r", "vote_list", "/deliberation/votes/")
        if not self.votes:
            self.page("r", "vote_page", f"/deliberation/votes/{self.rng.choice(self.spec['votes'])}/")
            return
        vote = self.votes.pop()
        self.page("r", "vote_page", f"/deliberation/votes/{vote}/")
        _location, after = self.post_form("r", "ballot_post", f"/deliberation/votes/{vote}/ballot/",
                                          {"choice": self.rng.choice(["同意", "反对", "弃权"]), "confirm": "on"})
        receipt = _RECEIPT.search(after.text)
        self.writes.append({"kind": "ballot", "vote": vote, "user": username(self.index, "r"),
                            "receipt": receipt.group(1) if receipt else ""})
        if receipt is None:
            self.recorder.error("ballot_post", f"vote {vote}: no receipt on the page after the ballot")

    def household(self) -> None:
        self.page("g", "households", "/registry/m/")
        house, person = self.persons[self.person_turn % len(self.persons)]
        self.person_turn += 1
        self.page("g", "house_page", f"/registry/m/houses/{house}/")
        self.seq += 1
        phone = f"139{self.index:02d}{self.seq:06d}"
        self.post_form("g", "household_post", f"/registry/m/houses/{house}/persons/{person}/update/",
                       {"phone": phone, "residence_status": "", "employment": ""})
        self.writes.append({"kind": "phone", "person": person, "phone": phone})

    def patrol_visit(self) -> None:
        self.page("g", "patrol_page", f"/cases/patrols/{self.patrol}/")
        marker = self.marker("V")
        self.post_form("g", "patrol_post", f"/cases/patrols/{self.patrol}/visit/",
                       {"door": f"{self.rng.randint(1, 30)}栋{self.rng.randint(1, 6)}单元{self.rng.randint(101, 1802)}",
                        "note": f"入户走访，家中情况正常（{marker}）"})
        self.writes.append({"kind": "visit", "marker": marker, "patrol": self.patrol})

    def queue(self) -> None:
        self.page("s", "queue", "/cases/")
        if not self.reported:
            return
        pk, taken = self.reported[0]
        detail = self.page("s", "staff_case_page", f"/cases/{pk}/")
        version = _VERSION.search(detail.text)
        action, extra = (("accept", {}) if taken == 0 else ("handle", {"level": "community"}))
        marker = self.marker("A")
        self.post_form("s", "case_action_post", f"/cases/{pk}/act/", {
            "action": action, "note": f"按规定办理（{marker}）", "version": version.group(1) if version else "",
            **extra})
        self.writes.append({"kind": "step", "marker": marker, "case": pk, "action": action})
        if taken == 0:
            self.reported[0][1] = 1
        else:
            self.reported.popleft()

    def act(self) -> None:
        name = self.rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        with contextlib.suppress(Failure):
            {"report": self.report, "read_cases": self.read_cases, "open311": self.open311, "vote": self.vote,
             "household": self.household, "patrol": self.patrol_visit, "queue": self.queue}[name]()


def _percentiles(values: list[float]) -> dict:
    values = sorted(values)
    if not values:
        return {"n": 0}

    def at(q: float) -> float:
        return round(values[min(len(values) - 1, int(round(q * (len(values) - 1))))] * 1000, 1)

    return {"n": len(values), "p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99)}


def run_step(clients: list[Client], seconds: float) -> dict:
    recorder = Recorder()
    barrier = threading.Barrier(len(clients) + 1)
    deadline: list[float] = []

    def loop(client: Client) -> None:
        client.recorder = recorder
        barrier.wait()
        while time.perf_counter() < deadline[0]:
            client.act()

    threads = [threading.Thread(target=loop, args=(c,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    deadline.append(started + seconds)
    barrier.wait()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    every = [value for values in recorder.latencies.values() for value in values]
    errors = sum(recorder.errors.values())
    return {"clients": len(clients), "seconds": round(wall, 2), "requests": len(every) + errors,
            "errors": errors, "rps": round(len(every) / wall, 1), **_percentiles(every),
            "generator_cpu": round(cpu / wall, 2),
            "kinds": {kind: _percentiles(values) for kind, values in sorted(recorder.latencies.items())},
            "error_kinds": dict(recorder.errors), "error_samples": recorder.samples}


# --- The worker, the database, the check --------------------------------------------------------------

@contextlib.contextmanager
def task_worker(directory: Path, database_url: str | None):
    """The task worker ``./gz serve`` runs beside gunicorn, on the scratch database."""
    log = (directory / "worker.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "gongzhi", "db_worker", "--queue-name", "*"], cwd=ROOT,
                               env=intake.server_env(directory, database_url), stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    finally:
        intake.stop(process)
        log.close()


@contextlib.contextmanager
def scratch_postgres(url: str):
    """A database of its own on the server of ``url`` (dropped afterwards); yields its URL."""
    import urllib.parse

    import psycopg

    name = f"gongzhi_bench_load_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    parts = urllib.parse.urlsplit(url)
    try:
        yield urllib.parse.urlunsplit(parts._replace(path="/" + name))
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def verify(directory: Path) -> dict:
    """In this process (the ``verify`` subprocess): wait for the Open311 queue, then find every write."""
    import django

    django.setup()
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from gongzhi.audit.models import AuditEntry
    from gongzhi.cases.models import Case, CaseEvent, Open311Submission, PatrolVisit
    from gongzhi.deliberation.models import LedgerEntry, Participation
    from gongzhi.registry.models import Person

    writes = json.loads((directory / "writes.json").read_text())
    started = time.monotonic()
    while Open311Submission.objects.filter(processed_at__isnull=True).exists():
        if time.monotonic() - started > DRAIN_SECONDS:
            break
        time.sleep(0.5)
    pending = Open311Submission.objects.filter(processed_at__isnull=True).count()
    drained = round(time.monotonic() - started, 1)
    tasks = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    lost, duplicates, problems = 0, 0, []

    def found(write: dict, count: int) -> None:
        nonlocal lost, duplicates
        if count == 0:
            lost += 1
            if len(problems) < 20:
                problems.append(f"lost: {write}")
        elif count > 1:
            duplicates += 1
            if len(problems) < 20:
                problems.append(f"{count} times: {write}")

    by_kind = collections.defaultdict(list)
    for write in writes:
        by_kind[write["kind"]].append(write)
    for write in by_kind["report"]:
        found(write, Case.objects.filter(pk=write["case"], description__contains=write["marker"]).count()
              * Case.objects.filter(description__contains=write["marker"]).count())
    filed = dict(Open311Submission.objects.filter(token__in=[w["token"] for w in by_kind["open311"]])
                 .values_list("token", "case_id"))
    for write in by_kind["open311"]:
        case = filed.get(write["token"])
        found(write, 0 if case is None else
              Case.objects.filter(pk=case, description__contains=write["marker"]).count()
              * Case.objects.filter(description__contains=write["marker"]).count())
    for write in by_kind["step"]:
        found(write, CaseEvent.objects.filter(case_id=write["case"], action=write["action"],
                                              note__contains=write["marker"]).count())
    for write in by_kind["visit"]:
        found(write, PatrolVisit.objects.filter(patrol_id=write["patrol"], note__contains=write["marker"]).count())
    for write in by_kind["ballot"]:
        participations = Participation.objects.filter(vote_id=write["vote"], cast_by__username=write["user"]).count()
        entries = LedgerEntry.objects.filter(vote_id=write["vote"], receipt=write["receipt"]).count()
        found(write, participations if entries == 1 or participations != 1 else 0)
    last_phone: dict[int, str] = {}
    updates = collections.Counter()
    for write in by_kind["phone"]:
        last_phone[write["person"]] = write["phone"]
        updates[write["person"]] += 1
    audited = dict(AuditEntry.objects.filter(action="registry.person.update", object_type__icontains="person",
                                             object_id__in=[str(pk) for pk in updates])
                   .values_list("object_id").annotate(n=Count("pk")).values_list("object_id", "n"))
    phones = {p.pk: p.phone for p in Person.objects.filter(pk__in=list(last_phone))}
    for person, phone in last_phone.items():
        found({"kind": "phone", "person": person, "phone": phone}, 1 if phones.get(person) == phone else 0)
        if audited.get(str(person), 0) != updates[person]:
            lost += abs(updates[person] - audited.get(str(person), 0))
            problems.append(f"person {person}: {updates[person]} updates accepted, "
                            f"{audited.get(str(person), 0)} in the audit log")
    return {"writes": len(writes), "lost": lost, "duplicates": duplicates, "open311_pending": pending, "tasks": tasks,
            "drain_seconds": drained, "problems": problems,
            "by_kind": {kind: len(items) for kind, items in sorted(by_kind.items())}}


# --- The scenario ---------------------------------------------------------------------------------------

def _subprocess(directory: Path, database_url: str | None, *args: str, timeout: float = 900) -> None:
    done = subprocess.run([sys.executable, "-m", "bench.scenarios.load", *args, str(directory)], cwd=ROOT,
                          env=intake.server_env(directory, database_url), capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"load: {args[0]} failed:\n{done.stdout[-3000:]}{done.stderr[-5000:]}")


def run(*, quick: bool, steps: tuple[int, ...] | None = None, seconds: float | None = None,
        votes: int | None = None) -> tuple[dict, dict]:
    """``steps``, ``seconds`` and ``votes`` override the sizes (the test suite runs a short one)."""
    steps = tuple(steps or (QUICK_STEPS if quick else STEPS))
    seconds = seconds or (QUICK_SECONDS if quick else SECONDS)
    votes = VOTES[quick] if votes is None else votes
    url = os.environ.get("GONGZHI_DATABASE_URL", "")
    database = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    directory = Path(tempfile.mkdtemp(prefix="gongzhi-bench-load-"))
    run_id = secrets.token_hex(3)
    try:
        (directory / "var").mkdir()
        with (scratch_postgres(url) if database == "postgresql" else contextlib.nullcontext(None)) as database_url:
            started = time.perf_counter()
            _subprocess(directory, database_url, "prepare", str(max(steps)), str(votes))
            prepared = json.loads((directory / "prepared.json").read_text())
            prepare_seconds = time.perf_counter() - started
            with intake.server(directory, database_url) as base, task_worker(directory, database_url):
                clients = [Client(base, prepared, spec, run_id, rng_seed=spec["index"])
                           for spec in prepared["clients"]]
                setup = Recorder()
                logins = [threading.Thread(target=_login, args=(c, setup)) for c in clients]
                for thread in logins:
                    thread.start()
                for thread in logins:
                    thread.join()
                measured = [run_step(clients[:count], seconds) for count in steps]
                writes = [write for client in clients for write in client.writes]
                (directory / "writes.json").write_text(json.dumps(writes))
                # The worker keeps running while the check waits for the Open311 queue to drain.
                _subprocess(directory, database_url, "verify", timeout=DRAIN_SECONDS + 300)
            checked = json.loads((directory / "verified.json").read_text())
            server_log = (directory / "server.log").read_text(errors="replace")
            worker_log = (directory / "worker.log").read_text(errors="replace")
    finally:
        shutil.rmtree(directory, ignore_errors=True)

    setup_errors = sum(setup.errors.values())
    errors = setup_errors + sum(step["errors"] for step in measured) + checked["duplicates"]
    locked = server_log.count("database is locked") + worker_log.count("database is locked")
    # An exception the server logged (a 500 the client may not have noticed) or a task that raised in
    # the worker (a notice, a filing) counts too.
    tracebacks = server_log.count("Traceback (most recent call last)")
    worker_tracebacks = worker_log.count("Traceback (most recent call last)")
    errors += tracebacks + worker_tracebacks + checked["tasks"].get("FAILED", 0)
    requests_total = sum(len(v) for v in setup.latencies.values()) + setup_errors + sum(
        step["requests"] for step in measured)
    figures = {
        "database": database, "requests": requests_total, "errors": errors, "lost_writes": checked["lost"],
        "duplicates": checked["duplicates"], "accepted_writes": checked["writes"],
        "writes_by_kind": checked["by_kind"], "open311_pending": checked["open311_pending"],
        "open311_drain_seconds": checked["drain_seconds"], "server_tracebacks": tracebacks,
        "worker_tracebacks": worker_tracebacks, "tasks": checked["tasks"],
        "database_locked_in_logs": locked, "web_workers": intake.web_workers(), "seconds_each": seconds,
        "steps": measured, "setup_errors": setup_errors, "setup_error_samples": setup.samples,
        "problems": checked["problems"], "prepare_seconds": round(prepare_seconds, 1),
    }
    for step in measured:
        figures[f"rps_{step['clients']}"] = step["rps"]
        figures[f"p95_ms_{step['clients']}"] = step.get("p95_ms")
    passed = int(errors == 0 and checked["lost"] == 0)
    ratios = {"passed": passed,
              "top_vs_first_step": round(measured[-1]["rps"] / measured[0]["rps"], 2) if measured[0]["rps"] else 0}
    return ratios, figures


def _login(client: Client, recorder: Recorder) -> None:
    with contextlib.suppress(Failure):
        client.login(recorder)


def failed(result: dict) -> str | None:
    """Why ``./gz bench`` should exit non-zero for this result (None: it passed)."""
    figures = result["figures"]
    if figures["errors"] or figures["lost_writes"]:
        samples = [*figures["setup_error_samples"], *(s for step in figures["steps"] for s in step["error_samples"]),
                   *figures["problems"]]
        return (f"load: {figures['errors']} errors, {figures['lost_writes']} lost writes; "
                + "; ".join(samples[:10]))
    return None


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[0] == "prepare":
        directory = Path(argv[3])
        (directory / "prepared.json").write_text(json.dumps(prepare(directory, int(argv[1]), int(argv[2]))))
        return 0
    if len(argv) == 2 and argv[0] == "verify":
        directory = Path(argv[1])
        (directory / "verified.json").write_text(json.dumps(verify(directory)))
        return 0
    print("usage: python -m bench.scenarios.load prepare N VOTES DIR | verify DIR (the benchmark: ./gz bench load)")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
