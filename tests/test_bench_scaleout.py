"""The scale-out scenario's helpers, without root: the topology's plan, its configuration files,
the clean-up of an aborted run's leftovers, and the figures taken from the client's events.
The run itself (``./gz bench scaleout``: namespaces, PostgreSQL, Redis, nginx, minutes) is not
part of ``./gz test``."""

from pathlib import Path

from bench.__main__ import ON_REQUEST, SCENARIOS, default_scenarios
from bench.scenarios import scaleout


def test_scaleout_runs_only_when_named():
    assert "scaleout" in SCENARIOS and "scaleout" in ON_REQUEST
    assert "scaleout" not in default_scenarios() and "geo" in default_scenarios()


def test_every_host_has_its_own_address_namespace_and_short_link_names():
    hosts = list(scaleout.HOSTS.values())
    assert scaleout.link_names_ok()
    assert len({h.address for h in hosts}) == len({h.namespace for h in hosts}) == len(hosts)
    assert all(h.namespace.startswith(scaleout.PREFIX + "-") and h.address.startswith(scaleout.SUBNET + ".")
               for h in hosts)
    assert {"pg", "redis", "app1", "app2", "w1", "w2", "lb"} == set(scaleout.HOSTS)
    assert scaleout.KILLED_APP in scaleout.APP_HOSTS and scaleout.KILLED_WORKER in scaleout.WORKER_HOSTS


def test_leftovers_are_found_by_the_prefix_only():
    netns = "gzso-app1 (id: 3)\ngzso-pg (id: 1)\nother-ns (id: 0)\ngzsoft\n"
    assert scaleout.leftover_namespaces(netns) == ["gzso-app1", "gzso-pg"]
    links = ("1: lo: <LOOPBACK,UP> mtu 65536\n"
             "2: eth0: <BROADCAST> mtu 1500\n"
             "14: gzso-br: <BROADCAST,MULTICAST,UP> mtu 1500\n"
             "15: gzso-app1@if2: <BROADCAST,MULTICAST,UP> mtu 1500 master gzso-br\n"
             "16: gzsoother: <BROADCAST> mtu 1500\n")
    assert scaleout.leftover_links(links) == ["gzso-app1", "gzso-br"]  # the bridge after its ports


def test_cleanup_removes_namespaces_links_and_temp_dirs_of_an_aborted_run(monkeypatch, tmp_path):
    calls = []

    def fake_sh(*args, check=True, capture=False):
        calls.append(args)
        if args[:3] == ("ip", "netns", "list"):
            return "gzso-w1 (id: 4)\nsomeone-else\n"
        if args[:3] == ("ip", "-o", "link"):
            return "15: gzso-w1@if3: <UP>\n16: eth0: <UP>\n17: gzso-br: <UP>\n"
        return ""

    killed = []
    monkeypatch.setattr(scaleout, "sh", fake_sh)
    monkeypatch.setattr(scaleout, "kill_namespace", lambda ns: killed.append(ns) or [])
    monkeypatch.setattr(scaleout, "namespace_pids", lambda ns: [])
    monkeypatch.setattr(scaleout.tempfile, "gettempdir", lambda: str(tmp_path))
    (tmp_path / (scaleout.TMP_PREFIX + "abc") / "pg").mkdir(parents=True)
    (tmp_path / "gongzhi-pg.keep").mkdir()
    removed = scaleout.cleanup_leftovers()
    assert killed == ["gzso-w1"]
    assert ("ip", "netns", "del", "gzso-w1") in calls
    assert [c[3] for c in calls if c[:3] == ("ip", "link", "del")] == ["gzso-w1", "gzso-br"]
    assert not (tmp_path / (scaleout.TMP_PREFIX + "abc")).exists() and (tmp_path / "gongzhi-pg.keep").exists()
    assert removed["namespaces"] == ["gzso-w1"]


def test_configuration_of_the_hosts(tmp_path):
    conf = scaleout.nginx_conf(Path("/x"))
    for name in scaleout.APP_HOSTS:
        assert f"server {scaleout.HOSTS[name].address}:{scaleout.APP_PORT}" in conf
    assert f"listen {scaleout.HOSTS['lb'].address}:443 ssl" in conf and "X-Forwarded-Proto https" in conf
    assert "non_idempotent" not in conf  # a POST already sent is never sent to the other server too
    hba = scaleout.pg_hba()
    assert f"host all gongzhi {scaleout.SUBNET}.0/24 scram-sha-256" in hba and "0.0.0.0" not in hba
    env = scaleout.host_env(directory=tmp_path, secrets_={"secret_key": "s" * 50, "data_key": "k1:x",
                                                          "pg_password": "p", "redis_password": "r"})
    assert env["DJANGO_SETTINGS_MODULE"] == "gongzhi.settings.production"
    assert env["GONGZHI_REDIS_URL"] == f"redis://:r@{scaleout.HOSTS['redis'].address}:6379/0"
    assert env["GONGZHI_DATABASE_URL"].endswith(f"@{scaleout.HOSTS['pg'].address}:5432/gongzhi")
    assert env["GONGZHI_JOB_STALE_MINUTES"] == str(scaleout.STALE_MINUTES)


def _event(t, ok, upstream, end=None):
    return {"t": t, "end": t + 0.05 if end is None else end, "ok": ok, "upstream": upstream, "kind": "read"}


def test_failover_and_per_server_figures():
    a, b = scaleout.HOSTS["app1"].address, scaleout.HOSTS["app2"].address
    events = [_event(t / 10, True, f"{a if t % 2 else b}:8000") for t in range(100)]  # 10 s, both servers
    events += [_event(10.0, False, f"{b}:8000", end=10.4),  # a POST in flight on the killed server
               _event(10.1, True, f"{b}:8000, {a}:8000", end=10.9)]  # nginx passed it on
    events += [_event(11 + t / 10, True, f"{a}:8000") for t in range(50)]
    gap = scaleout.failover_figures(events, 10.0, b)
    assert gap["failover_gap_seconds"] == 0.4 and gap["errors_after_kill"] == 1
    assert gap["served_by_killed_after"] == 0 and gap["retried_by_nginx"] == 1
    assert gap["max_stall_seconds"] == 0.9  # from the kill to the first answer after it
    figures = scaleout.per_server_figures(events, start=0.0, kill_at=10.0, end=16.0)
    assert figures["requests_app1"] == 50 + 1 + 50 and figures["requests_app2"] == 50
    assert figures["rps_before_kill"] == 10.0 and figures["rps_per_app_server"] == 5.0
    assert figures["rps_app1_before_kill"] == figures["rps_app2_before_kill"] == 5.0
    assert figures["rps_after_kill"] == round(51 / 6, 1)
    assert scaleout.percentile([3, 1, 2], 0.5) == 2 and scaleout.percentile([], 0.9) == 0.0


def test_cpu_time_is_read_from_proc_stat():
    line = "1234 (gunicorn: worker [x]) S 1 2 3 4 5 6 7 8 9 10 111 22 3 4 20 0 1 0"
    assert scaleout.stat_cpu_ticks(line) == 111 + 22 + 3 + 4
    import os

    own = scaleout.stat_cpu_ticks(open(f"/proc/{os.getpid()}/stat").read())
    assert own >= 0
    assert scaleout.cpu_used({"pg": 1.0, "lb": 2.0}, {"pg": 3.5, "lb": 1.0}) == {"pg": 2.5, "lb": 0.0}
