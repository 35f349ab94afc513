"""scaleout: two app servers and two task workers as separate hosts, killed mid-run (needs root).

A test topology on this machine, built by the run and torn down after it (``./gz bench scaleout``):

* **Hosts** are Linux network namespaces (``gzso-<host>``), each joined by a veth pair to one
  bridge (``gzso-br``, 10.231.0.1/24 in the root namespace, where the load generator runs); traffic
  goes only over those addresses. Each host process starts as ``ip netns exec gzso-<host> unshare
  --uts`` with its own host name, so a worker's jobs carry that host's name and the reaper has to
  use the cross-host rule (heartbeat older than ``GONGZHI_JOB_STALE_MINUTES``), not a pid check.

  ======== ============= =====================================================================
  host     address       process
  ======== ============= =====================================================================
  pg       10.231.0.10   PostgreSQL (a private ``initdb`` cluster, scram password, pg_hba for the subnet)
  redis    10.231.0.11   redis-server (password), the cache (``GONGZHI_REDIS_URL``)
  app1/2   10.231.0.21/22 gunicorn ``-c python:gongzhi.gunicorn_conf`` with the production settings
  w1/w2    10.231.0.31/32 ``python -m gongzhi db_worker`` and a clock each (``clock --interval 10``)
  lb       10.231.0.40   nginx, TLS on :443, upstream = app1 and app2
  ======== ============= =====================================================================

  Every host has the same environment: ``gongzhi.settings.production`` (secure cookies, HSTS, no
  demo passwords), one secret and data key, sessions in PostgreSQL, the cache in Redis, and one
  shared ``GONGZHI_VAR_DIR`` standing for the shared volume (NFS or object storage) where job
  files live. ``GONGZHI_JOB_STALE_MINUTES=1`` so the reaper acts within the run.
* **Data**: migrated, the demo district with ``RESIDENTS`` residents, and bench accounts (residents
  and community staff) with a random password; one Open311 key.
* **Phases**: (1) *backlog*: a burst of Open311 POSTs, then the time until both workers have filed
  them all (the workers' filing rate, and their CPU per filing); (2) *mixed load* through nginx:
  residents report (form POST) and read their cases, staff read the case queue and the person list,
  take down hotline reports and now and then start an export, Open311 clients post. After 40 % of
  ``seconds`` the district account starts exports until one runs on w1 (``KILL_WAIT`` at most),
  then every process of app2 and of w1 is SIGKILLed (the hosts die) and the load goes on for
  60 % of ``seconds``; (3) *drain*: until every submission is filed and no job is queued or
  running (the reaper, queued by w2's clock, fails the dead worker's export); the interrupted
  export is then started again and must succeed.
* **CPU per request**: the machine is shared (the load generator, the other hosts, whatever else
  runs), so wall-clock rates say little; each host's CPU time (``/proc/PID/stat`` of its
  processes) from the start of the load to the kill, divided by the answers it gave, does not
  depend on that, and is what ``docs/scale.md`` sizes a city with.
* **Checks** (in PostgreSQL, by content): every acknowledged report is exactly one case
  (``lost_writes``, ``duplicate_effects``), every accepted Open311 token exactly one case with one
  report event and one audit entry, no report whose POST failed in flight became two cases, every
  export job succeeded once or was reaped as interrupted (only on w1), the audit chain verifies.
  A logged-in request answered with the login page counts as a lost session.

The load generator (``Driver``) is small (threads and ``requests``); it can be swapped for the
mixed-traffic generator of ``./gz bench load`` by handing the ``Topology``'s base URL to it.
Every namespace, link, process and temporary directory goes in ``finally``, and leftovers of an
aborted run (names starting with ``gzso-``, directories ``/tmp/gongzhi-scaleout-*``) go first.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import glob
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.scenarios import intake

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "gzso"
SUBNET = "10.231.0"
BRIDGE = f"{PREFIX}-br"
TMP_PREFIX = "gongzhi-scaleout-"
PG_PORT, REDIS_PORT, APP_PORT = 5432, 6379, 8000
RESIDENTS = 3000
STALE_MINUTES = 1
CLOCK_INTERVAL = 10
KILL_WAIT = 120  # seconds the kill waits, at most, for an export running on the worker about to die
WEB_WORKERS = 3  # per app server: the two share this machine's cores with everything else


@dataclasses.dataclass(frozen=True)
class Host:
    name: str
    octet: int

    @property
    def namespace(self) -> str:
        return f"{PREFIX}-{self.name}"

    @property
    def address(self) -> str:
        return f"{SUBNET}.{self.octet}"

    @property
    def outer_link(self) -> str:  # the veth end on the bridge (root namespace)
        return f"{PREFIX}-{self.name}"

    @property
    def inner_link(self) -> str:  # the veth end inside the host
        return f"{PREFIX}-{self.name}i"

    @property
    def hostname(self) -> str:
        return f"{PREFIX}-{self.name}"


HOSTS = {name: Host(name, octet) for name, octet in
         [("pg", 10), ("redis", 11), ("app1", 21), ("app2", 22), ("w1", 31), ("w2", 32), ("lb", 40)]}
APP_HOSTS = ("app1", "app2")
WORKER_HOSTS = ("w1", "w2")
KILLED_APP, KILLED_WORKER = "app2", "w1"


# --- Pure helpers (tested without root in tests/test_bench_scaleout.py) -----------------------------

def link_names_ok() -> bool:
    """Linux interface names hold at most 15 characters."""
    return all(len(name) <= 15 for h in HOSTS.values() for name in (h.outer_link, h.inner_link)) and len(BRIDGE) <= 15


def leftover_namespaces(listing: str) -> list[str]:
    """Our namespaces in ``ip netns list`` output (``gzso-app1 (id: 3)`` lines)."""
    names = (line.split()[0] for line in listing.splitlines() if line.strip())
    return [name for name in names if name.startswith(PREFIX + "-")]


def leftover_links(listing: str) -> list[str]:
    """Our links in ``ip -o link show`` output (``12: gzso-app1@if11: <...>`` lines), the bridge last."""
    found = []
    for line in listing.splitlines():
        match = re.match(r"\s*\d+:\s+([^:@\s]+)", line)
        if match and match.group(1).startswith(PREFIX + "-"):
            found.append(match.group(1))
    return sorted(set(found), key=lambda name: (name == BRIDGE, name))


def pg_hba() -> str:
    """Local socket for the administrator, the subnet by password; nothing else."""
    return ("local all all trust\n"
            f"host all gongzhi {SUBNET}.0/24 scram-sha-256\n")


def nginx_conf(directory: Path) -> str:
    upstreams = "\n".join(f"    server {HOSTS[name].address}:{APP_PORT} max_fails=1 fail_timeout=5s;"
                          for name in APP_HOSTS)
    d = directory
    return f"""# written by bench/scenarios/scaleout.py
daemon off;
master_process on;
user root root;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/logs/nginx-error.log warn;
events {{ worker_connections 2048; }}
http {{
  client_body_temp_path {d}/nginx/body;
  proxy_temp_path {d}/nginx/proxy;
  fastcgi_temp_path {d}/nginx/fastcgi;
  uwsgi_temp_path {d}/nginx/uwsgi;
  scgi_temp_path {d}/nginx/scgi;
  log_format scaleout '$msec $status $request_method $uri "$upstream_addr" "$upstream_status" $request_time';
  access_log {d}/logs/nginx-access.log scaleout;
  client_max_body_size 40m;
  upstream gongzhi {{
{upstreams}
  }}
  server {{
    listen {HOSTS['lb'].address}:443 ssl;
    ssl_certificate {d}/tls/cert.pem;
    ssl_certificate_key {d}/tls/key.pem;
    location / {{
      proxy_pass http://gongzhi;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto https;
      proxy_connect_timeout 2s;
      proxy_read_timeout 120s;
      # error/timeout: a request not yet sent (connection refused) goes to the other server; a POST
      # already sent is not repeated (nginx's default), so a write is never applied twice.
      proxy_next_upstream error timeout;
      add_header X-Upstream $upstream_addr always;
    }}
  }}
}}
"""


def host_env(*, directory: Path, secrets_: dict) -> dict[str, str]:
    """The environment every app and worker host runs with (production settings)."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "HOME", "TZ")}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "gongzhi.settings.production",
        "GONGZHI_SECRET_KEY": secrets_["secret_key"],
        "GONGZHI_DATA_KEY": secrets_["data_key"],
        "GONGZHI_DATABASE_URL": f"postgres://gongzhi:{secrets_['pg_password']}@{HOSTS['pg'].address}:{PG_PORT}/gongzhi",
        "GONGZHI_REDIS_URL": f"redis://:{secrets_['redis_password']}@{HOSTS['redis'].address}:{REDIS_PORT}/0",
        "GONGZHI_ALLOWED_HOSTS": HOSTS["lb"].address,
        "GONGZHI_SSL_REDIRECT": "0",  # nginx terminates TLS and says so in X-Forwarded-Proto
        "GONGZHI_REQUIRE_2FA": "0",
        "GONGZHI_FORCE_FIRST_PASSWORD_CHANGE": "0",
        "GONGZHI_VAR_DIR": str(directory / "var"),  # the shared volume
        "GONGZHI_JOB_STALE_MINUTES": str(STALE_MINUTES),
        "GONGZHI_WEB_WORKERS": str(WEB_WORKERS),
        # Virtual users report faster than people: the per-person rate limits are off for the run.
        **{name: "off" for name in intake.BENCH_RATE_LIMITS_OFF},
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",  # the hosts' logs as things happen (a killed host loses no buffered lines)
    }


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def failover_figures(events: list[dict], kill_at: float, killed_address: str) -> dict:
    """From the client's events (``t`` start, ``end``, ``ok``, ``upstream``): how the kill showed.

    ``failover_gap_seconds``: from the kill to the end of the last request that failed because of
    it (0 when none did); ``max_stall_seconds``: the longest time around the kill without any
    successful answer; ``served_by_killed_after``: answers the dead server gave after its death
    (must be 0); ``retried_by_nginx``: requests nginx passed on to the other server.
    """
    failures_after = [e["end"] for e in events if not e["ok"] and e["end"] >= kill_at]
    ok_ends = sorted(e["end"] for e in events if e["ok"] and kill_at - 5 <= e["end"] <= kill_at + 30)
    stall = 0.0
    previous = kill_at
    for end in ok_ends:
        if end >= kill_at:
            stall = max(stall, end - previous)
            previous = end
    return {
        "failover_gap_seconds": round(max(failures_after) - kill_at, 2) if failures_after else 0.0,
        "max_stall_seconds": round(stall, 2),
        "errors_after_kill": len(failures_after),
        "served_by_killed_after": sum(1 for e in events if e["ok"] and e["t"] > kill_at + 0.5
                                      and e.get("upstream", "").split(",")[-1].strip().startswith(killed_address + ":")),
        "retried_by_nginx": sum(1 for e in events if "," in e.get("upstream", "")),
    }


def per_server_figures(events: list[dict], *, start: float, kill_at: float, end: float) -> dict:
    """Answers per app server and the rates: both servers before the kill, the survivor after it."""
    figures: dict = {}
    before = [e for e in events if e["ok"] and start <= e["end"] < kill_at]
    after = [e for e in events if e["ok"] and kill_at <= e["end"] <= end]
    for name in APP_HOSTS:
        address = HOSTS[name].address + ":"
        served = [e for e in events if e["ok"] and e.get("upstream", "").split(",")[-1].strip().startswith(address)]
        figures[f"requests_{name}"] = len(served)
        figures[f"rps_{name}_before_kill"] = round(
            sum(1 for e in before if e.get("upstream", "").split(",")[-1].strip().startswith(address))
            / max(kill_at - start, 1e-9), 1)
    figures["rps_before_kill"] = round(len(before) / max(kill_at - start, 1e-9), 1)
    figures["rps_after_kill"] = round(len(after) / max(end - kill_at, 1e-9), 1)
    figures["rps_per_app_server"] = round(figures["rps_before_kill"] / len(APP_HOSTS), 1)
    return figures


# --- Running commands, as root, in hosts ------------------------------------------------------------

def sh(*args: str, check: bool = True, capture: bool = False) -> str:
    done = subprocess.run(list(args), check=False, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout if capture else ""


def namespace_pids(namespace: str) -> list[int]:
    out = sh("ip", "netns", "pids", namespace, check=False, capture=True)
    return [int(p) for p in out.split() if p.isdigit()]


def cpu_seconds(namespace: str) -> float:
    """CPU time used so far by a host's processes (user + system, with their reaped children's).

    The machine is shared (other work, the load generator, the other hosts), so wall-clock rates
    vary with everything else; CPU time per request does not, and is what the sizing is built on.
    """
    total = 0
    for pid in namespace_pids(namespace):
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += stat_cpu_ticks(Path(f"/proc/{pid}/stat").read_text())
    return total / os.sysconf("SC_CLK_TCK")


def stat_cpu_ticks(stat: str) -> int:
    """utime + stime + cutime + cstime from a ``/proc/PID/stat`` line (fields 14–17; the command
    name in parentheses may hold spaces)."""
    fields = stat.rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15])


def cpu_snapshot() -> dict[str, float]:
    return {name: cpu_seconds(host.namespace) for name, host in HOSTS.items()}


def cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: max(0.0, after[name] - before[name]) for name in before}


def kill_namespace(namespace: str) -> list[int]:
    """SIGKILL every process of a host (the machine dies); returns their pids."""
    pids = namespace_pids(namespace)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return pids


def cleanup_leftovers() -> dict:
    """Remove what an aborted run left: processes in our namespaces, the namespaces, links, temp dirs."""
    namespaces = leftover_namespaces(sh("ip", "netns", "list", check=False, capture=True))
    for namespace in namespaces:
        kill_namespace(namespace)
    deadline = time.monotonic() + 10
    while any(namespace_pids(n) for n in namespaces) and time.monotonic() < deadline:
        time.sleep(0.1)
    for namespace in namespaces:
        sh("ip", "netns", "del", namespace, check=False)
    links = leftover_links(sh("ip", "-o", "link", "show", check=False, capture=True))
    for link in links:
        sh("ip", "link", "del", link, check=False)
    directories = glob.glob(os.path.join(tempfile.gettempdir(), TMP_PREFIX + "*"))
    for directory in directories:
        shutil.rmtree(directory, ignore_errors=True)
    return {"namespaces": namespaces, "links": links, "directories": directories}


class Topology:
    """The hosts, their network, and the processes started in them; ``close()`` removes everything."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.processes: dict[str, list[subprocess.Popen]] = {}
        self.logs: list = []
        self.namespaces: list[str] = []
        self.bridge = False

    # network
    def up(self) -> None:
        sh("ip", "link", "add", BRIDGE, "type", "bridge")
        self.bridge = True
        sh("ip", "addr", "add", f"{SUBNET}.1/24", "dev", BRIDGE)
        sh("ip", "link", "set", BRIDGE, "up")
        for host in HOSTS.values():
            sh("ip", "netns", "add", host.namespace)
            self.namespaces.append(host.namespace)
            sh("ip", "link", "add", host.outer_link, "type", "veth", "peer", "name", host.inner_link)
            sh("ip", "link", "set", host.outer_link, "master", BRIDGE)
            sh("ip", "link", "set", host.outer_link, "up")
            sh("ip", "link", "set", host.inner_link, "netns", host.namespace)
            self.exec_(host, "ip", "addr", "add", f"{host.address}/24", "dev", host.inner_link)
            self.exec_(host, "ip", "link", "set", host.inner_link, "up")
            self.exec_(host, "ip", "link", "set", "lo", "up")

    def exec_(self, host: Host, *args: str) -> None:
        sh("ip", "netns", "exec", host.namespace, *args)

    def start(self, host: Host, name: str, args: list[str], *, env: dict | None = None, user: str | None = None,
              cwd: Path = ROOT) -> subprocess.Popen:
        """Start ``args`` in ``host`` under its own host name (UTS namespace), logging to logs/<name>.log."""
        command = ["ip", "netns", "exec", host.namespace, "unshare", "--uts", "sh", "-c",
                   'hostname "$0" && exec "$@"', host.hostname]
        if user:
            command += ["runuser", "-u", user, "--"]
        log = (self.directory / "logs" / f"{name}.log").open("ab")
        self.logs.append(log)
        process = subprocess.Popen(command + args, env=env or os.environ.copy(), cwd=cwd, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.setdefault(host.name, []).append(process)
        return process

    def kill_host(self, name: str) -> list[int]:
        return kill_namespace(HOSTS[name].namespace)

    def close(self) -> None:
        for name in self.processes:  # gracefully first: nginx, gunicorn, workers finish what they do
            for process in self.processes[name]:
                if process.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for processes in self.processes.values():
            for process in processes:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
        for namespace in self.namespaces:  # whatever is left in a host (PostgreSQL's children, job processes)
            kill_namespace(namespace)
        for processes in self.processes.values():
            for process in processes:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=5)
        for namespace in self.namespaces:
            sh("ip", "netns", "del", namespace, check=False)
        for host in HOSTS.values():
            sh("ip", "link", "del", host.outer_link, check=False)
        if self.bridge:
            sh("ip", "link", "del", BRIDGE, check=False)
        for log in self.logs:
            log.close()


# --- The hosts' services ------------------------------------------------------------------------------

def start_postgres(topology: Topology, password: str) -> None:
    directory = topology.directory / "pg"
    directory.mkdir()
    shutil.chown(directory, "postgres")
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: [int(x) for x in re.findall(r"\d+", p)])
    bin_dir = Path(binaries[-1]).parent
    (directory / "pw").write_text(password)
    shutil.chown(directory / "pw", "postgres")
    sh("runuser", "-u", "postgres", "--", str(bin_dir / "initdb"), "-D", str(directory / "data"), "-U", "gongzhi",
       f"--pwfile={directory / 'pw'}", "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
       "--locale=C.UTF-8")
    (directory / "pw").unlink()
    (directory / "data" / "pg_hba.conf").write_text(pg_hba())
    topology.start(HOSTS["pg"], "postgres", [
        str(bin_dir / "postgres"), "-D", str(directory / "data"), "-p", str(PG_PORT), "-k", str(directory),
        "-c", f"listen_addresses={HOSTS['pg'].address}", "-c", "max_connections=200",
        "-c", "shared_buffers=256MB"], user="postgres")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = subprocess.run(["ip", "netns", "exec", HOSTS["pg"].namespace, "runuser", "-u", "postgres", "--",
                               str(bin_dir / "psql"), "-h", str(directory), "-p", str(PG_PORT), "-U", "gongzhi",
                               "-d", "postgres", "-c", "CREATE DATABASE gongzhi"], capture_output=True, text=True)
        if done.returncode == 0:
            return
        time.sleep(0.5)
    raise RuntimeError("PostgreSQL did not start: " + (topology.directory / "logs" / "postgres.log").read_text()[-2000:])


def start_redis(topology: Topology, password: str) -> None:
    (topology.directory / "redis").mkdir()
    (topology.directory / "redis" / "redis.conf").write_text(
        f"bind {HOSTS['redis'].address}\nport {REDIS_PORT}\nrequirepass {password}\nsave \"\"\n"
        f"appendonly no\ndir {topology.directory / 'redis'}\nmaxmemory 256mb\nmaxmemory-policy allkeys-lru\n")
    topology.start(HOSTS["redis"], "redis", ["/usr/bin/redis-server", str(topology.directory / "redis" / "redis.conf")])


def write_tls(directory: Path) -> None:
    (directory / "tls").mkdir()
    sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=gongzhi-scaleout",
       "-keyout", str(directory / "tls" / "key.pem"), "-out", str(directory / "tls" / "cert.pem"))


def start_nginx(topology: Topology) -> None:
    d = topology.directory
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (d / "nginx" / sub).mkdir(parents=True, exist_ok=True)
    (d / "nginx.conf").write_text(nginx_conf(d))
    sh("ip", "netns", "exec", HOSTS["lb"].namespace, "/usr/sbin/nginx", "-t", "-q", "-c", str(d / "nginx.conf"))
    topology.start(HOSTS["lb"], "nginx", ["/usr/sbin/nginx", "-c", str(d / "nginx.conf")])


def _python() -> str:
    return sys.executable


def _gunicorn() -> list[str]:
    script = Path(sys.executable).parent / "gunicorn"
    return [str(script)] if script.exists() else [sys.executable, "-m", "gunicorn"]


def start_app(topology: Topology, name: str, env: dict) -> None:
    host = HOSTS[name]
    topology.start(host, name, [*_gunicorn(), "-c", "python:gongzhi.gunicorn_conf", "--bind",
                                f"{host.address}:{APP_PORT}", "gongzhi.wsgi:application"], env=env)


def start_worker(topology: Topology, name: str, env: dict) -> None:
    host = HOSTS[name]
    topology.start(host, f"{name}-reap", [_python(), "-m", "gongzhi", "reap_jobs"], env=env).wait(timeout=120)
    topology.start(host, name, [_python(), "-m", "gongzhi", "db_worker", "--queue-name", "*"], env=env)
    topology.start(host, f"{name}-clock", [_python(), "-m", "gongzhi", "clock", "--interval", str(CLOCK_INTERVAL)],
                   env=env)


# --- Steps run as Django programs (``python -m bench.scenarios.scaleout STEP DIR``) ---------------------

def step_prepare(directory: Path, residents: int) -> dict:
    """Migrate, build the demo district, add the bench accounts (random password), issue an Open311 key."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import reverse

    from gongzhi.accounts.models import RoleAssignment, User
    from gongzhi.accounts.roles import Role
    from gongzhi.areas.models import Area, Level
    from gongzhi.cases.open311 import public_categories
    from gongzhi.cases.open311_keys import issue_open311_key
    from gongzhi.demo import district

    call_command("migrate", verbosity=0, interactive=False)
    call_command("demo_setup", residents=residents, verbosity=0)
    password = secrets.token_urlsafe(12) + "aA1"
    community = Area.objects.get(code=f"{district.DISTRICT_CODE}001001")
    grids = list(Area.objects.filter(level=Level.GRID, path__startswith=community.path).order_by("code"))
    template = User.objects.get(username="district")
    template.set_password(password)
    hashed = template.password
    User.objects.filter(is_active=True).update(password=hashed)  # no account keeps the demo password
    accounts = {"residents": [], "staff": []}
    for n in range(1, 25):
        user = User.objects.create(username=f"so-res{n:02d}", real_name=f"压测居民{n}", password=hashed,
                                   home_area=grids[n % len(grids)])
        RoleAssignment.objects.create(user=user, role=Role.RESIDENT, area=community)
        accounts["residents"].append(user.username)
    for n in range(1, 9):
        user = User.objects.create(username=f"so-staff{n:02d}", real_name=f"压测社工{n}", password=hashed)
        RoleAssignment.objects.create(user=user, role=Role.COMMUNITY_STAFF, area=community)
        accounts["staff"].append(user.username)
    _row, key = issue_open311_key(actor=None, name="bench scaleout")
    boxes = []
    for area in Area.objects.filter(level=Level.GRID).order_by("code"):
        boxes.append(intake.grid_box(area))
    own = []
    for area in grids:
        own.append(intake.grid_box(area))
    (directory / "var" / "static").mkdir(parents=True, exist_ok=True)
    return {"password": password, "accounts": accounts, "key": key, "grids": boxes, "community_grids": own,
            "codes": list(public_categories().values_list("code", flat=True)),
            "urls": {"login": reverse("accounts:login"), "report": reverse("cases:report"),
                     "mine": reverse("cases:mine"), "queue": reverse("cases:queue"),
                     "persons": reverse("registry:person_list"), "export": reverse("registry:export"),
                     "open311": "/open311/v2/requests.json", "health": reverse("healthz")}}


class State:
    """What is still to do, read straight from PostgreSQL (polled often: no Django start-up per look)."""

    SQL = ("SELECT (SELECT COUNT(*) FROM cases_open311submission WHERE processed_at IS NULL),"
           " (SELECT COUNT(*) FROM cases_open311submission WHERE case_id IS NOT NULL),"
           " (SELECT COUNT(*) FROM jobs_job WHERE status IN ('queued', 'running')),"
           " (SELECT COUNT(*) FROM jobs_job WHERE status = 'queued'),"
           " (SELECT COALESCE(string_agg(worker_host, ','), '') FROM jobs_job WHERE status = 'running')")

    def __init__(self, url: str) -> None:
        self.url = url
        self.connection = None

    def __call__(self) -> dict:
        import psycopg

        if self.connection is None or self.connection.closed:
            self.connection = psycopg.connect(self.url, autocommit=True, connect_timeout=5)
        pending, filed, jobs_open, queued, running = self.connection.execute(self.SQL).fetchone()
        return {"pending": pending, "filed": filed, "jobs_open": jobs_open, "jobs_queued": queued,
                "running_on": sorted(filter(None, running.split(",")))}

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def step_check(directory: Path) -> dict:
    """Compare what the clients were told with what the database holds."""
    import django

    django.setup()
    from django.db.models import Count

    from gongzhi.audit.integrity import verify_chain
    from gongzhi.audit.models import AuditEntry
    from gongzhi.cases.models import Case, CaseEvent, Open311Submission
    from gongzhi.jobs.models import Job, JobStatus

    told = json.loads((directory / "told.json").read_text())
    figures = {"lost_writes": 0, "duplicate_effects": 0, "problems": []}

    def problem(text: str) -> None:
        if len(figures["problems"]) < 20:
            figures["problems"].append(text)

    # Residents' and staff's form reports: by their unique description.
    acknowledged = {r["description"]: r["case_id"] for r in told["reports"]}
    descriptions = list(acknowledged) + told["reports_in_doubt"]
    counts = dict(Case.objects.filter(description__in=descriptions).values_list("description")
                  .annotate(n=Count("id")).values_list("description", "n"))
    for description, case_id in acknowledged.items():
        if counts.get(description, 0) == 0:
            figures["lost_writes"] += 1
            problem(f"acknowledged report {case_id} missing")
        elif not Case.objects.filter(pk=case_id, description=description).exists():
            figures["lost_writes"] += 1
            problem(f"report answered as case {case_id} is stored under another id")
    figures["duplicate_effects"] += sum(n - 1 for n in counts.values() if n > 1)
    figures["reports_in_doubt_stored"] = sum(1 for d in told["reports_in_doubt"] if counts.get(d))
    # Open311: each accepted token is one submission filed as exactly one case, one report event, one audit entry.
    tokens = told["tokens"]
    subs = {s.token: s for s in Open311Submission.objects.filter(token__in=tokens)}
    cases = dict(Case.objects.filter(open311_token__in=tokens).values_list("open311_token").annotate(n=Count("id"))
                 .values_list("open311_token", "n"))
    for token in tokens:
        sub = subs.get(token)
        if sub is None or sub.case_id is None or cases.get(token, 0) == 0:
            figures["lost_writes"] += 1
            problem(f"token {token[:8]}: {'no submission' if sub is None else sub.error or 'not filed'}")
    figures["duplicate_effects"] += sum(n - 1 for n in cases.values() if n > 1)
    open311_cases = Case.objects.filter(open311_token__isnull=False)
    events = dict(CaseEvent.objects.filter(case__in=open311_cases, action="report").values_list("case")
                  .annotate(n=Count("id")).values_list("case", "n"))
    figures["duplicate_effects"] += sum(n - 1 for n in events.values() if n > 1)
    audit_open311 = AuditEntry.objects.filter(action="cases.open311_request").count()
    figures["duplicate_effects"] += max(0, audit_open311 - open311_cases.count())
    figures["open311_submissions"] = Open311Submission.objects.count()
    figures["open311_cases"] = open311_cases.count()
    figures["open311_in_doubt_stored"] = Open311Submission.objects.filter(
        description__in=told["open311_in_doubt"]).count()
    # Jobs: each export finished once; a failed one was the dead worker's, reaped as interrupted.
    jobs = list(Job.objects.filter(pk__in=told["jobs"]))
    killed_host = HOSTS[KILLED_WORKER].hostname
    figures["jobs"] = len(jobs)
    figures["jobs_succeeded"] = sum(1 for j in jobs if j.status == JobStatus.SUCCEEDED)
    reaped = [j for j in jobs if j.status == JobStatus.FAILED and (j.result or {}).get("interrupted")]
    figures["jobs_reaped"] = len(reaped)
    if reaped and told.get("kill_epoch"):  # how long the dead worker's job was shown as running
        figures["reaped_after_kill_seconds"] = round(max(j.finished_at.timestamp() for j in reaped)
                                                     - told["kill_epoch"], 1)
    for job in jobs:
        if job.status not in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            figures["lost_writes"] += 1
            problem(f"job {job.pk} left {job.status}")
        elif job.status == JobStatus.FAILED and not ((job.result or {}).get("interrupted")
                                                     and job.worker_host == killed_host):
            problem(f"job {job.pk} failed on {job.worker_host}: {job.message}")
        elif job.status == JobStatus.SUCCEEDED and not job.output_name:
            problem(f"job {job.pk} succeeded without its file")
    missing_jobs = set(told["jobs"]) - {j.pk for j in jobs}
    figures["lost_writes"] += len(missing_jobs)
    starts = dict(AuditEntry.objects.filter(action="registry.export_persons", success=True)
                  .values_list("object_id").annotate(n=Count("id")).values_list("object_id", "n"))
    figures["duplicate_effects"] += sum(n - 1 for n in starts.values() if n > 1)
    figures["workers_seen"] = sorted(set(Job.objects.exclude(worker_host="").values_list("worker_host", flat=True)))
    result = verify_chain()
    figures["audit_entries_checked"] = result.checked
    figures["audit_chain_ok"] = result.ok
    if not result.ok:
        problem(f"audit chain: {result.first_break}")
    return figures


# --- The load generator -----------------------------------------------------------------------------

DESCRIPTIONS = ["小区门口的路灯坏了好几天，晚上出行不便", "人行道上有垃圾堆放多日无人清运", "下水道堵塞，雨后路面积水很深",
                "共享单车乱停放，占满了盲道", "消防通道被私家车长期占用"]


class Driver:
    """Virtual users as threads, each with its own ``requests`` session (cookies), through nginx.

    ``events`` holds one dict per request: ``t``/``end`` (seconds since the driver's start),
    ``role``, ``kind``, ``status``, ``ok``, ``upstream`` (nginx's ``X-Upstream``). What the server
    acknowledged is kept in ``told`` for the check.
    """

    def __init__(self, base: str, prepared: dict, *, seed: int = 7) -> None:
        self.base, self.prepared = base, prepared
        self.urls = prepared["urls"]
        self.events: list[dict] = []
        self.told = {"reports": [], "reports_in_doubt": [], "tokens": [], "open311_in_doubt": [], "jobs": []}
        self.lost_sessions = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.started = time.monotonic()
        self.seed = seed
        self.sessions_per_user_servers: dict[str, set] = {}

    def now(self) -> float:
        return time.monotonic() - self.started

    def session(self):
        import requests
        import urllib3

        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        session = requests.Session()
        session.trust_env = False  # no proxy, no CA bundle from the environment: the topology's own TLS
        session.verify = False
        session.headers["Referer"] = self.base + "/"  # Django's CSRF check on HTTPS
        return session

    def request(self, session, role: str, kind: str, method: str, path: str, *, ok_status=(200,), user="", **kw):
        started = self.now()
        status, upstream, response = 0, "", None
        try:
            response = session.request(method, self.base + path, allow_redirects=False, timeout=60, verify=False, **kw)
            status, upstream = response.status_code, response.headers.get("X-Upstream", "")
        except Exception:  # noqa: BLE001 - a connection error is an error like any other
            status = 0
        lost = status in (301, 302) and response is not None and \
            response.headers.get("Location", "").startswith(self.urls["login"]) and kind != "login"
        ok = status in ok_status and not lost
        with self.lock:
            self.events.append({"t": started, "end": self.now(), "role": role, "kind": kind, "status": status,
                                "ok": ok, "upstream": upstream})
            if lost:
                self.lost_sessions += 1
            if user and upstream:
                self.sessions_per_user_servers.setdefault(user, set()).add(upstream.split(",")[-1].strip())
        return response if ok else None, status

    def login(self, username: str):
        session = self.session()
        for _attempt in range(5):
            self.request(session, "login", "login", "GET", self.urls["login"])
            token = session.cookies.get("csrftoken", "")
            response, _status = self.request(
                session, "login", "login", "POST", self.urls["login"], ok_status=(302,),
                data={"username": username, "password": self.prepared["password"], "csrfmiddlewaretoken": token})
            if response is not None and not response.headers.get("Location", "").startswith(self.urls["login"]):
                return session
            time.sleep(0.5)
        raise RuntimeError(f"scaleout: {username} could not sign in")

    def _csrf(self, session) -> str:
        return session.cookies.get("csrftoken", "")

    def _point(self, rng: random.Random, boxes: list) -> tuple[float, float]:
        west, south, east, north = rng.choice(boxes)
        return (west + (east - west) * (0.1 + 0.8 * rng.random()), south + (north - south) * (0.1 + 0.8 * rng.random()))

    def report(self, session, rng, role: str, user: str, n: int) -> None:
        lon, lat = self._point(rng, self.prepared["community_grids"])
        description = f"{rng.choice(DESCRIPTIONS)}（{user}-{n}-{secrets.token_hex(3)}）"
        response, status = self.request(
            session, role, "write", "POST", self.urls["report"], ok_status=(302,), user=user,
            data={"description": description, "lon": f"{lon:.6f}", "lat": f"{lat:.6f}", "priority": "normal",
                  "csrfmiddlewaretoken": self._csrf(session)})
        with self.lock:
            if response is not None:
                match = re.search(r"/(\d+)/$", response.headers.get("Location", ""))
                self.told["reports"].append({"description": description, "case_id": int(match.group(1)) if match else 0})
            elif status in (0, 502, 504):  # failed in flight: may or may not be stored, never twice
                self.told["reports_in_doubt"].append(description)

    def resident(self, username: str, index: int) -> None:
        rng = random.Random(self.seed * 1000 + index)
        session = self.login(username)
        n = 0
        while not self.stop.is_set():
            n += 1
            if rng.random() < 0.3:
                self.report(session, rng, "resident", username, n)
            else:
                self.request(session, "resident", "read", "GET", self.urls["mine"], user=username)
            self.stop.wait(rng.uniform(0.1, 0.4))

    def staff(self, username: str, index: int) -> None:
        rng = random.Random(self.seed * 2000 + index)
        session = self.login(username)
        n = 0
        while not self.stop.is_set():
            n += 1
            roll = rng.random()
            if roll < 0.45:
                self.request(session, "staff", "read", "GET", self.urls["queue"], user=username)
            elif roll < 0.9:
                self.request(session, "staff", "read", "GET", self.urls["persons"], user=username)
            elif roll < 0.99:
                self.report(session, rng, "staff", username, n)  # a hotline call taken down
            else:
                self.export(session, "staff", username)
            self.stop.wait(rng.uniform(0.1, 0.4))

    def export(self, session, role: str, user: str) -> int | None:
        self.request(session, role, "read", "GET", self.urls["export"], user=user)
        response, _status = self.request(session, role, "job", "POST", self.urls["export"], ok_status=(302,),
                                         user=user, data={"mode": "masked", "csrfmiddlewaretoken": self._csrf(session)})
        if response is None:
            return None
        match = re.search(r"/(\d+)/$", response.headers.get("Location", ""))
        if not match:
            return None
        with self.lock:
            self.told["jobs"].append(int(match.group(1)))
        return int(match.group(1))

    def open311_post(self, rng: random.Random, client: int, n: int, role: str = "open311") -> bool:
        lon, lat = self._point(rng, self.prepared["grids"])
        description = f"{rng.choice(DESCRIPTIONS)} [311-{client}-{n}-{secrets.token_hex(3)}]"
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = self.session()
        response, status = self.request(
            session, role, "open311", "POST", self.urls["open311"],
            data={"api_key": self.prepared["key"], "service_code": rng.choice(self.prepared["codes"]),
                  "lat": f"{lat:.6f}", "long": f"{lon:.6f}", "description": description})
        token = None
        if response is not None:
            with contextlib.suppress(ValueError, KeyError, IndexError, TypeError):
                token = response.json()[0]["token"]
        with self.lock:
            if token:
                self.told["tokens"].append(token)
            elif status in (0, 502, 504):
                self.told["open311_in_doubt"].append(description)
        return token is not None

    _local = threading.local()

    def open311_client(self, index: int) -> None:
        rng = random.Random(self.seed * 3000 + index)
        n = 0
        while not self.stop.is_set():
            n += 1
            self.open311_post(rng, index, n)
            self.stop.wait(rng.uniform(0.05, 0.2))

    def burst(self, count: int, threads: int = 8) -> float:
        """``count`` Open311 POSTs as fast as ``threads`` clients go; returns the seconds taken."""
        from concurrent.futures import ThreadPoolExecutor

        started = time.monotonic()

        def client(index: int) -> None:
            rng = random.Random(self.seed * 4000 + index)
            for n in range(index, count, threads):
                self.open311_post(rng, 900 + index, n, role="burst")

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(client, range(threads)))
        return time.monotonic() - started


# --- The scenario ---------------------------------------------------------------------------------------

def _django_step(step: str, directory: Path, env: dict, *extra: str, timeout: int = 900) -> dict:
    done = subprocess.run([_python(), "-m", "bench.scenarios.scaleout", step, str(directory), *extra], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"scaleout: step {step} failed:\n{done.stdout[-3000:]}{done.stderr[-5000:]}")
    return json.loads((directory / f"{step}.json").read_text())


def _wait_http(url: str, seconds: float = 120) -> None:
    """Until ``url`` answers 200 (asked by the name the site is served under, as nginx passes it on)."""
    import requests
    import urllib3

    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if requests.get(url, timeout=5, verify=False, headers={"Host": HOSTS["lb"].address}).status_code == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"scaleout: {url} did not answer")


def _wait_drained(state_of: State, seconds: float) -> tuple[dict, float]:
    started = time.monotonic()
    state = {}
    while time.monotonic() - started < seconds:
        state = state_of()
        if state["pending"] == 0 and state["jobs_open"] == 0:
            break
        time.sleep(3)
    return state, time.monotonic() - started


def run(*, quick: bool, seconds: float | None = None, residents: int | None = None) -> tuple[dict, dict]:
    if os.geteuid() != 0:
        raise SystemExit("scaleout needs root (network namespaces): sudo ./gz bench scaleout")
    if not link_names_ok():
        raise RuntimeError("scaleout: an interface name is longer than 15 characters")
    seconds = seconds or (40 if quick else 120)
    residents = residents or (1000 if quick else RESIDENTS)
    leftovers = cleanup_leftovers()
    directory = Path(tempfile.mkdtemp(prefix=TMP_PREFIX))
    directory.chmod(0o711)  # PostgreSQL (its own user) reaches its data directory below
    (directory / "logs").mkdir()
    (directory / "var").mkdir(mode=0o700)
    topology = Topology(directory)
    state_of: State | None = None
    secrets_ = {"secret_key": secrets.token_urlsafe(50), "pg_password": secrets.token_urlsafe(16),
                "redis_password": secrets.token_urlsafe(16),
                "data_key": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode()}
    env = host_env(directory=directory, secrets_=secrets_)
    figures: dict = {"residents": residents, "seconds": seconds, "web_workers_per_app_server": WEB_WORKERS,
                     "stale_minutes": STALE_MINUTES, "leftovers_removed": sum(len(v) for v in leftovers.values())}
    try:
        t0 = time.monotonic()
        topology.up()
        start_postgres(topology, secrets_["pg_password"])
        start_redis(topology, secrets_["redis_password"])
        prepared = _django_step("prepare", directory, env, str(residents))
        state_of = State(env["GONGZHI_DATABASE_URL"])
        figures["prepare_seconds"] = round(time.monotonic() - t0, 1)
        for name in APP_HOSTS:
            start_app(topology, name, env)
        for name in WORKER_HOSTS:
            start_worker(topology, name, env)
        write_tls(directory)
        start_nginx(topology)
        base = f"https://{HOSTS['lb'].address}"
        for name in APP_HOSTS:
            _wait_http(f"http://{HOSTS[name].address}:{APP_PORT}{prepared['urls']['health']}")
        _wait_http(base + prepared["urls"]["health"])

        driver = Driver(base, prepared)
        # (1) Backlog: a burst of POSTs, then how fast the two workers file them.
        burst = 60 if quick else 400
        figures["burst_posts"] = burst
        figures["burst_post_seconds"] = round(driver.burst(burst), 2)
        cpu_backlog = cpu_snapshot()
        filed_before = 0
        backlog_started = time.monotonic()
        state = {}
        while time.monotonic() - backlog_started < 300:
            state = state_of()
            if state["pending"] == 0:
                break
            time.sleep(1)
        backlog_seconds = time.monotonic() - backlog_started + figures["burst_post_seconds"] / 2
        figures["backlog_filed"] = state.get("filed", 0) - filed_before
        figures["filed_per_second_two_workers"] = round(figures["backlog_filed"] / backlog_seconds, 1)
        figures["filed_per_second_per_worker"] = round(figures["filed_per_second_two_workers"] / len(WORKER_HOSTS), 1)
        used = cpu_used(cpu_backlog, cpu_snapshot())
        if figures["backlog_filed"]:
            figures["cpu_ms_per_filing_worker"] = round(
                sum(used[n] for n in WORKER_HOSTS) * 1000 / figures["backlog_filed"], 1)
            figures["cpu_ms_per_filing_postgresql"] = round(used["pg"] * 1000 / figures["backlog_filed"], 1)

        # (2) Mixed load, with the kill at 40 %.
        events_before = len(driver.events)
        users = ([threading.Thread(target=driver.resident, args=(u, i), daemon=True)
                  for i, u in enumerate(prepared["accounts"]["residents"][: 8 if quick else 16])]
                 + [threading.Thread(target=driver.staff, args=(u, i), daemon=True)
                    for i, u in enumerate(prepared["accounts"]["staff"][: 3 if quick else 6])]
                 + [threading.Thread(target=driver.open311_client, args=(i,), daemon=True) for i in range(4)])
        load_start = driver.now()
        cpu_load = cpu_snapshot()
        for thread in users:
            thread.start()
        district = driver.login("district")
        time.sleep(max(0.0, load_start + seconds * 0.4 - driver.now()))
        # Exports as the district (every person) until one runs on the worker about to die: a new
        # one only when none is waiting, for KILL_WAIT seconds at most (then the kill goes ahead).
        kill_job = None
        waited_from = time.monotonic()
        while kill_job is None and time.monotonic() - waited_from < KILL_WAIT:
            state = state_of()
            if HOSTS[KILLED_WORKER].hostname in state["running_on"]:
                kill_job = True
                break
            if state["jobs_queued"] == 0:
                driver.export(district, "district", "district")
            time.sleep(0.2)
        figures["kill_waited_seconds"] = round(time.monotonic() - waited_from, 1)
        cpu_at_kill = cpu_snapshot()
        kill_at = driver.now()
        driver.told["kill_epoch"] = time.time()
        figures["killed_pids"] = len(topology.kill_host(KILLED_APP)) + len(topology.kill_host(KILLED_WORKER))
        figures["killed_during_a_job"] = kill_job is not None
        time.sleep(seconds * 0.6)  # the load goes on with one app server and one worker
        driver.stop.set()
        for thread in users:
            thread.join(timeout=90)
        load_end = driver.now()
        load_events = driver.events[events_before:]

        # (3) Drain: the surviving worker files what is left; the reaper fails the dead worker's job.
        state, drain = _wait_drained(state_of, STALE_MINUTES * 60 + 180)
        figures["drain_seconds"] = round(drain, 1)
        figures["left_after_drain"] = state
        if kill_job is not None:  # the user starts the interrupted export again
            again = driver.export(district, "district", "district")
            figures["restarted_export"] = again is not None
            state, _ = _wait_drained(state_of, 120)
        (directory / "told.json").write_text(json.dumps(driver.told))
        checked = _django_step("check", directory, env)
        figures.update({k: v for k, v in checked.items()})

        requests_ = [e for e in load_events if e["kind"] != "login"]
        figures["requests"] = len(driver.events)
        figures["load_requests"] = len(requests_)
        figures["errors"] = sum(1 for e in driver.events if not e["ok"])
        figures["errors_before_kill"] = sum(1 for e in load_events if not e["ok"] and e["end"] < kill_at)
        figures["lost_sessions"] = driver.lost_sessions
        figures["users_served_by_both_app_servers"] = sum(1 for s in driver.sessions_per_user_servers.values()
                                                          if len(s) >= 2)
        figures["writes_acknowledged"] = len(driver.told["reports"]) + len(driver.told["tokens"])
        figures["writes_in_doubt"] = len(driver.told["reports_in_doubt"]) + len(driver.told["open311_in_doubt"])
        figures.update(failover_figures(load_events, kill_at, HOSTS[KILLED_APP].address))
        figures.update(per_server_figures(load_events, start=load_start + 3, kill_at=kill_at, end=load_end))
        # CPU per answer on each app server, and PostgreSQL's, Redis's and nginx's per answer, from
        # the start of the load to the kill (the district's exports before the kill included).
        used = cpu_used(cpu_load, cpu_at_kill)
        answered = [e for e in load_events if e["ok"] and e["end"] < kill_at]
        for name in APP_HOSTS:
            mine = sum(1 for e in answered if e.get("upstream", "").split(",")[-1].strip()
                       .startswith(HOSTS[name].address + ":"))
            figures[f"cpu_ms_per_request_{name}"] = round(used[name] * 1000 / max(mine, 1), 1)
        for name in ("pg", "redis", "lb"):
            figures[f"cpu_ms_per_request_{name}"] = round(used[name] * 1000 / max(len(answered), 1), 2)
        figures["cpu_seconds_load_until_kill"] = {name: round(value, 1) for name, value in used.items()}
        latencies = [e["end"] - e["t"] for e in requests_ if e["ok"]]
        figures["p50_ms"] = round(percentile(latencies, 0.5) * 1000, 1)
        figures["p95_ms"] = round(percentile(latencies, 0.95) * 1000, 1)
        figures["p99_ms"] = round(percentile(latencies, 0.99) * 1000, 1)
        by_kind = {}
        for kind in ("read", "write", "open311", "job"):
            chosen = [e["end"] - e["t"] for e in requests_ if e["ok"] and e["kind"] == kind]
            by_kind[kind] = {"n": len(chosen), "p50_ms": round(percentile(chosen, 0.5) * 1000, 1),
                             "p95_ms": round(percentile(chosen, 0.95) * 1000, 1)}
        figures["by_kind"] = by_kind
        figures["kill_at_seconds"] = round(kill_at - load_start, 1)
    finally:
        if state_of is not None:
            state_of.close()
        topology.close()
        if os.environ.get("GZ_SCALEOUT_KEEP"):
            print(f"scaleout: kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    figures["cleaned_up"] = not (leftover_namespaces(sh("ip", "netns", "list", check=False, capture=True))
                                 or leftover_links(sh("ip", "-o", "link", "show", check=False, capture=True)))
    passed = (figures["lost_sessions"] == 0 and figures["lost_writes"] == 0 and figures["duplicate_effects"] == 0
              and figures["errors_before_kill"] == 0 and figures["served_by_killed_after"] == 0
              and figures["audit_chain_ok"] and not figures["problems"] and figures["cleaned_up"])
    figures["passed"] = passed
    ratios = {"vs_single_app_server": round(figures["rps_after_kill"] / figures["rps_before_kill"], 3)
              if figures.get("rps_before_kill") else 0.0}
    return ratios, figures


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] in ("prepare", "check"):
        directory = Path(argv[1])
        if argv[0] == "prepare":
            result = step_prepare(directory, int(argv[2]))
        else:
            result = step_check(directory)
        (directory / f"{argv[0]}.json").write_text(json.dumps(result, ensure_ascii=False))
        return 0
    if argv == ["cleanup"]:
        print(json.dumps(cleanup_leftovers()))
        return 0
    print("usage: python -m bench.scenarios.scaleout prepare|check DIR | cleanup (the run: ./gz bench scaleout)")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
