"""intake: Open311 POSTs of service requests under concurrency, against a hello-world JSON view.

Everything runs in a temporary directory; the demo database under var/ is never opened.

* Data: a fresh SQLite database (WAL, as ``settings.base`` configures it), migrated (which
  installs the default catalogue and the holiday calendar), with the demo district (3 streets,
  12 communities, 120 grids, and a town with 2 villages and 12 villagers' groups) and the demo
  accounts, and one Open311 key. It is prepared by a
  ``python -m bench.scenarios.intake prepare DIR`` subprocess with exactly the environment of the
  server below, so the keys generated under the scratch ``var/`` (secret and field-encryption
  key) are the ones the server reads.
* Server: the production-style server ``./gz`` runs (``serve_with_worker``): ``gunicorn -c
  python:gongzhi.gunicorn_conf gongzhi.wsgi:application`` (sync workers, 2 × cores + 1 of them
  unless ``GONGZHI_WEB_WORKERS`` says otherwise, the access log on) on a free port of 127.0.0.1,
  with the embedded settings (``gongzhi.settings.embedded``) and ``GONGZHI_VAR_DIR`` at the
  scratch directory, so the embedded SQLite database is the scratch one. Nothing else is set for
  the benchmark. ``GONGZHI_BENCH_HELLO=1`` adds the baseline view
  (``gongzhi.core.bench_views``, through the same middleware) at ``/bench/hello``.
  The task worker does NOT run during the load: a POST is accepted into the queue
  (``cases.open311_intake``: one ``Open311Submission`` row, and about once a second per web
  worker a queued filing task) and answered with its token, as the Open311 ``batch`` type has it;
  filing into cases is the worker's, measured after the load on a sample (below).
* Load: ``wrk`` when installed (one thread, ``CONNECTIONS`` connections, each opened again after
  the sync worker closes it, a Lua script
  whose POST bodies carry a random point inside a random grid, a random public service code and
  one of several descriptions made unique by a counter); otherwise a Python load generator
  (processes × threads, one ``http.client`` connection each). Hello and intake run
  alternately, ``ROUNDS`` times each, every measurement after a warm-up of the same kind; the
  ratio ``vs_hello_world`` is the median intake requests per second over the median hello ones.
* Checks: any non-2xx answer or socket error counts as an error and fails the run; afterwards
  the server is stopped and the rows are counted: every POST the server answered 200 (its access
  log) left exactly one submission with its own token, at least one filing task is queued, and
  no case exists yet. Then a ``python -m bench.scenarios.intake file DIR N`` subprocess does what
  the worker does for the oldest ``FILED`` submissions (``file_pending``): each must become one
  case with one report event and one ``cases.open311_request`` audit entry; its rate is
  reported as ``filed_per_second`` (one worker process).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HELLO_PATH = "/bench/hello"
INTAKE_PATH = "/open311/v2/requests.json"
CONNECTIONS = 16
ROUNDS = 3
FILED = 300  # submissions the worker's filing is checked and timed on, after the load
DESCRIPTIONS = [
    "幸福路口井盖旁路面塌陷，车辆经过很危险",
    "小区门口的路灯坏了好几天，晚上出行不便",
    "人行道上有垃圾堆放多日无人清运，气味很大",
    "绿化带里的树枝被风吹断，挡住了半边道路",
    "公交站台的广告牌松动，刮风时摇晃厉害",
    "路边窨井盖缺失，已经有人差点踩空",
    "小区外墙有乱张贴的小广告，影响市容",
    "下水道堵塞，雨后路面积水很深",
    "共享单车乱停放，占满了盲道和人行道",
    "消防通道被私家车长期占用，存在安全隐患",
    "Streetlight out at the corner of the market, please repair",
    "Pothole in the bike lane near the school gate",
]


# --- The scratch directory and its server ----------------------------------------------------------

def database_path(directory: Path) -> Path:
    return directory / "var" / "gongzhi.sqlite3"


BENCH_RATE_LIMITS_OFF = ("GONGZHI_RATE_CASE_REPORT", "GONGZHI_RATE_CASE_REPORT_STAFF", "GONGZHI_RATE_BALLOT")


def server_env(directory: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment of the server and its helper subprocesses: the scratch ``var/``, and its
    SQLite database unless ``database_url`` names another (the load scenario's PostgreSQL one)."""
    env = {k: v for k, v in os.environ.items() if k not in ("GONGZHI_BENCH_HELLO", "GONGZHI_DATABASE_URL")}
    if database_url:
        env["GONGZHI_DATABASE_URL"] = database_url
    env.update({
        "DJANGO_SETTINGS_MODULE": "gongzhi.settings.embedded",
        "GONGZHI_VAR_DIR": str(directory / "var"),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    # A benchmark's virtual users write faster than any person does: the per-person rate limits
    # (``core.ratelimit``) are off for the servers the benchmarks start, unless the run sets them.
    for name in BENCH_RATE_LIMITS_OFF:
        env.setdefault(name, "off")
    return env


def prepare(directory: Path) -> dict:
    """In this process (the ``prepare`` subprocess): migrate, build the demo areas and accounts, issue a key."""
    import django

    django.setup()
    from django.core.management import call_command

    from gongzhi.areas.models import Area, Level
    from gongzhi.cases.open311 import public_categories
    from gongzhi.cases.open311_keys import issue_open311_key
    from gongzhi.demo import district

    call_command("migrate", verbosity=0, interactive=False)
    root = district.build_areas()
    district.build_accounts(root)
    _row, key = issue_open311_key(actor=None, name="bench intake")
    grids = []
    for area in Area.objects.filter(level=Level.GRID).order_by("code"):
        grids.append(grid_box(area))
    codes = list(public_categories().values_list("code", flat=True))
    (directory / "var" / "static").mkdir(parents=True, exist_ok=True)  # whitenoise's STATIC_ROOT
    return {"key": key, "grids": grids, "codes": codes}


def grid_box(area) -> list[float]:
    """``[min lon, min lat, max lon, max lat]`` of a grid's outline (points are drawn inside it)."""
    ring = area.geometry["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return [min(lons), min(lats), max(lons), max(lats)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn() -> list[str]:
    script = Path(sys.executable).parent / "gunicorn"
    return [str(script)] if script.exists() else [sys.executable, "-m", "gunicorn"]


def web_workers() -> int:
    from gongzhi import gunicorn_conf

    return gunicorn_conf.workers


@contextlib.contextmanager
def server(directory: Path, database_url: str | None = None) -> Iterator[str]:
    """The gunicorn ./gz runs, on a free port; yields its base URL; stops it gracefully."""
    port = _free_port()
    env = {**server_env(directory, database_url), "GONGZHI_BENCH_HELLO": "1"}
    log = (directory / "server.log").open("wb")
    process = subprocess.Popen(
        [*_gunicorn(), "-c", "python:gongzhi.gunicorn_conf", "--bind", f"127.0.0.1:{port}", "gongzhi.wsgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, directory)
        yield base
    finally:
        stop(process)
        log.close()


def stop(process: subprocess.Popen) -> None:
    """Stop a server or worker gracefully (SIGTERM: work in progress finishes), killed after 30 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(base: str, process: subprocess.Popen, directory: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {(directory / 'server.log').read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(base + HELLO_PATH, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    else:
        raise RuntimeError("the server did not answer within 60 s")
    # Every worker imports the project when it boots (no --preload): give the others time too.
    for _ in range(4 * web_workers()):
        with urllib.request.urlopen(base + HELLO_PATH, timeout=10):
            pass


# --- Load: wrk and its Lua script, or Python --------------------------------------------------------

def _lua_string(value: str) -> str:
    return json.dumps(value)  # ASCII-only JSON strings are valid Lua string literals


def wrk_script(mode: str, prepared: dict) -> str:
    grids = ",".join("{%r,%r,%r,%r}" % tuple(g) for g in prepared["grids"])
    codes = ",".join(_lua_string(c) for c in prepared["codes"])
    descriptions = ",".join(_lua_string(urllib.parse.quote(d)) for d in DESCRIPTIONS)
    return f"""-- written by bench/scenarios/intake.py
local mode = {_lua_string(mode)}
local grids = {{{grids}}}
local codes = {{{codes}}}
local descriptions = {{{descriptions}}}
local key = {_lua_string(prepared["key"])}
local headers = {{["Content-Type"] = "application/x-www-form-urlencoded"}}
local threads = {{}}
local counter = 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(id * 7919 + os.time())
  ok, bad = 0, 0
end

function request()
  if mode == "hello" then
    return wrk.format("GET", {_lua_string(HELLO_PATH)})
  end
  counter = counter + 1
  local g = grids[math.random(#grids)]
  local lon = g[1] + (g[3] - g[1]) * (0.02 + 0.96 * math.random())
  local lat = g[2] + (g[4] - g[2]) * (0.02 + 0.96 * math.random())
  local body = "api_key=" .. key .. "&service_code=" .. codes[math.random(#codes)]
    .. string.format("&lat=%.6f&long=%.6f", lat, lon)
    .. "&description=" .. descriptions[math.random(#descriptions)] .. string.format("%%20%d-%d", id, counter)
  return wrk.format("POST", {_lua_string(INTAKE_PATH)}, headers, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else bad = bad + 1 end
end

function done(summary, latency, requests)
  local good, wrong = 0, 0
  for _, thread in ipairs(threads) do
    good = good + thread:get("ok")
    wrong = wrong + thread:get("bad")
  end
  local e = summary.errors
  io.write(string.format('WRK-RESULT {{"requests":%d,"duration_us":%d,"ok":%d,"non_2xx":%d,'
    .. '"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d}}\\n',
    summary.requests, summary.duration, good, wrong, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def run_wrk(base: str, script: Path, seconds: float, connections: int) -> dict:
    completed = subprocess.run(
        ["wrk", "-t", "1", "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "--timeout", "10s",
         "-s", str(script), base], capture_output=True, text=True, timeout=seconds + 60)
    match = re.search(r"^WRK-RESULT (\{.*\})$", completed.stdout, re.MULTILINE)
    if completed.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stdout}\n{completed.stderr}")
    raw = json.loads(match.group(1))
    seconds_run = raw["duration_us"] / 1e6
    return {"requests": raw["requests"], "ok": raw["ok"], "rps": raw["ok"] / seconds_run,
            "errors": raw["non_2xx"] + raw["connect"] + raw["read"] + raw["write"] + raw["timeout"],
            "p50_ms": raw["p50_us"] / 1000, "p95_ms": raw["p95_us"] / 1000, "seconds": seconds_run}


def _py_connection_loop(base: str, mode: str, prepared: dict, seconds: float, seed: int) -> dict:
    import http.client
    import random

    rng = random.Random(seed)
    host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
    connection = http.client.HTTPConnection(host, port, timeout=30)
    latencies, ok, errors, counter = [], 0, 0, 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        counter += 1
        if mode == "hello":
            method, path, body, headers = "GET", HELLO_PATH, None, {}
        else:
            west, south, east, north = rng.choice(prepared["grids"])
            fields = {"api_key": prepared["key"], "service_code": rng.choice(prepared["codes"]),
                      "lat": f"{south + (north - south) * (0.02 + 0.96 * rng.random()):.6f}",
                      "long": f"{west + (east - west) * (0.02 + 0.96 * rng.random()):.6f}",
                      "description": f"{rng.choice(DESCRIPTIONS)} {seed}-{counter}"}
            method, path, body = "POST", INTAKE_PATH, urllib.parse.urlencode(fields)
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except OSError:
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=30)
            status = 0
        latencies.append(time.perf_counter() - started)
        if 200 <= status < 300:
            ok += 1
        else:
            errors += 1
    connection.close()
    return {"ok": ok, "errors": errors, "latencies": latencies}


def _py_process(base: str, mode: str, prepared: dict, seconds: float, threads: int, seed: int) -> dict:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(lambda i: _py_connection_loop(base, mode, prepared, seconds, seed * 100 + i),
                              range(threads)))
    return {"ok": sum(p["ok"] for p in parts), "errors": sum(p["errors"] for p in parts),
            "latencies": [value for p in parts for value in p["latencies"]]}


def run_python(base: str, mode: str, prepared: dict, seconds: float, connections: int) -> dict:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    processes = 2
    per_process = max(1, connections // processes)
    started = time.perf_counter()
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        parts = list(pool.map(_py_process, [base] * processes, [mode] * processes, [prepared] * processes,
                              [seconds] * processes, [per_process] * processes, range(1, processes + 1)))
    elapsed = time.perf_counter() - started
    latencies = sorted(value for p in parts for value in p["latencies"])
    ok = sum(p["ok"] for p in parts)
    # The processes' start-up is not load: rate over the measured window of each connection.
    return {"requests": ok + sum(p["errors"] for p in parts), "ok": ok, "rps": ok / seconds,
            "errors": sum(p["errors"] for p in parts), "p50_ms": _percentile(latencies, 0.50) * 1000,
            "p95_ms": _percentile(latencies, 0.95) * 1000, "seconds": min(elapsed, seconds)}


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


# --- Counting what the server did ------------------------------------------------------------------

_ACCESS = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) ')


def access_counts(log: Path) -> dict:
    posts_ok = non_2xx = 0
    for line in log.read_text(errors="replace").splitlines():
        match = _ACCESS.search(line)
        if match is None:
            continue
        if not match["status"].startswith("2"):
            non_2xx += 1
        elif match["method"] == "POST" and match["path"] == INTAKE_PATH:
            posts_ok += 1
    return {"posts_ok": posts_ok, "non_2xx": non_2xx}


def row_counts(database: Path) -> dict:
    import sqlite3

    with contextlib.closing(sqlite3.connect(database)) as db:
        def count(sql: str) -> int:
            return db.execute(sql).fetchone()[0]

        return {
            "submissions": count("SELECT COUNT(*) FROM cases_open311submission"),
            "tokens": count("SELECT COUNT(DISTINCT token) FROM cases_open311submission"),
            "filing_tasks": count("SELECT COUNT(*) FROM django_tasks_database_dbtaskresult "
                                  "WHERE status = 'READY' AND task_path LIKE '%file_open311_submissions'"),
            "cases": count("SELECT COUNT(*) FROM cases_case WHERE source = 'open311'"),
        }


def file_sample(limit: int) -> dict:
    """In this process (the ``file`` subprocess): what the worker does, for the oldest ``limit`` submissions."""
    import django

    django.setup()
    from gongzhi.audit.models import AuditEntry
    from gongzhi.cases.models import Case, CaseEvent
    from gongzhi.cases.open311_intake import file_pending

    started = time.perf_counter()
    outcome = file_pending(limit=limit)
    seconds = time.perf_counter() - started
    return {**outcome, "seconds": seconds,
            "cases": Case.objects.filter(source="open311").count(),
            "report_events": CaseEvent.objects.filter(action="report").count(),
            "audit_entries": AuditEntry.objects.filter(action="cases.open311_request").count()}


# --- The scenario ------------------------------------------------------------------------------------

def run(*, quick: bool, seconds: float | None = None, warmup: float | None = None, rounds: int | None = None,
        connections: int = CONNECTIONS, tool: str | None = None) -> tuple[dict, dict]:
    """``seconds``, ``warmup`` and ``rounds`` override the sizes (the test suite runs one short round)."""
    seconds = seconds or (3 if quick else 15)
    warmup = warmup or (1 if quick else 3)
    rounds = rounds or ROUNDS
    tool = tool or ("wrk" if shutil.which("wrk") else "python")
    directory = Path(tempfile.mkdtemp(prefix="gongzhi-bench-intake-"))
    try:
        (directory / "var").mkdir()
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "bench.scenarios.intake", "prepare", str(directory)],
                              cwd=ROOT, env=server_env(directory), capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"intake: preparing the scratch database failed:\n{done.stdout}{done.stderr}")
        prepared = json.loads((directory / "prepared.json").read_text())
        prepare_seconds = time.perf_counter() - started
        scripts = {}
        for mode in ("hello", "intake"):
            scripts[mode] = directory / f"{mode}.lua"
            scripts[mode].write_text(wrk_script(mode, prepared))

        def load(mode: str, duration: float) -> dict:
            if tool == "wrk":
                return run_wrk(base, scripts[mode], duration, connections)
            return run_python(base, mode, prepared, duration, connections)

        measured: dict[str, list[dict]] = {"hello": [], "intake": []}
        warmups: dict[str, list[dict]] = {"hello": [], "intake": []}
        with server(directory) as base:
            for mode in ("hello", "intake"):  # every worker through its first requests of both kinds
                warmups[mode].append(load(mode, warmup))
            for _ in range(rounds):
                for mode in ("hello", "intake"):
                    warmups[mode].append(load(mode, warmup))
                    measured[mode].append(load(mode, seconds))
        access = access_counts(directory / "server.log")
        rows = row_counts(database_path(directory))
        done = subprocess.run([sys.executable, "-m", "bench.scenarios.intake", "file", str(directory), str(FILED)],
                              cwd=ROOT, env=server_env(directory), capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"intake: filing the submissions failed:\n{done.stdout}{done.stderr}")
        filed = json.loads((directory / "filed.json").read_text())
    finally:
        shutil.rmtree(directory, ignore_errors=True)

    every = [*measured["hello"], *measured["intake"], *warmups["hello"], *warmups["intake"]]
    errors = sum(r["errors"] for r in every)
    intake_ok = sum(r["ok"] for r in [*measured["intake"], *warmups["intake"]])
    intake_runs = len(measured["intake"]) + len(warmups["intake"])
    problems = []
    if errors or access["non_2xx"]:
        problems.append(f"{errors} errors at the client, {access['non_2xx']} non-2xx answers in the access log")
    # About one filing task per web worker per second rides along (open311_intake._queue_filing).
    if (not rows["submissions"] == rows["tokens"] == access["posts_ok"] or rows["cases"]
            or not 0 < rows["filing_tasks"] <= rows["submissions"]):
        problems.append(f"the server answered {access['posts_ok']} POSTs with 200 but stored {rows}")
    sample = min(FILED, rows["submissions"])
    if not (filed["filed"] == filed["cases"] == filed["report_events"] == filed["audit_entries"] == sample
            and filed["failed"] == 0):
        problems.append(f"filing the oldest {sample} submissions gave {filed}")
    # The client stops with up to one request in flight per connection, which the server still answers.
    if not intake_ok <= access["posts_ok"] <= intake_ok + connections * intake_runs:
        problems.append(f"the client counted {intake_ok} answered POSTs, the server {access['posts_ok']}")
    if problems:
        raise RuntimeError("intake: the result does not count: " + "; ".join(problems))

    hello_rps = statistics.median(r["rps"] for r in measured["hello"])
    intake_rps = statistics.median(r["rps"] for r in measured["intake"])

    def median(mode: str, name: str) -> float:
        return round(statistics.median(r[name] for r in measured[mode]), 1)

    return (
        {"vs_hello_world": round(intake_rps / hello_rps, 3)},
        {"tool": tool, "connections": connections, "web_workers": web_workers(),
         "rounds": rounds, "seconds_each": seconds, "warmup_seconds": warmup,
         "hello_rps": round(hello_rps, 1), "intake_rps": round(intake_rps, 1),
         "hello_rps_runs": [round(r["rps"], 1) for r in measured["hello"]],
         "intake_rps_runs": [round(r["rps"], 1) for r in measured["intake"]],
         "hello_p50_ms": median("hello", "p50_ms"), "hello_p95_ms": median("hello", "p95_ms"),
         "intake_p50_ms": median("intake", "p50_ms"), "intake_p95_ms": median("intake", "p95_ms"),
         "errors": errors, "posts_answered_200": access["posts_ok"], "submissions": rows["submissions"],
         "filing_tasks_queued": rows["filing_tasks"], "filed_sample": filed["filed"],
         "filed_per_second": round(filed["filed"] / filed["seconds"], 1) if filed["seconds"] else None,
         "prepare_seconds": round(prepare_seconds, 1)},
    )


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "prepare":
        directory = Path(argv[1])
        (directory / "prepared.json").write_text(json.dumps(prepare(directory)))
        return 0
    if len(argv) == 3 and argv[0] == "file":
        directory = Path(argv[1])
        (directory / "filed.json").write_text(json.dumps(file_sample(int(argv[2]))))
        return 0
    print("usage: python -m bench.scenarios.intake prepare|file DIR [N] (the benchmark itself: ./gz bench intake)")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
