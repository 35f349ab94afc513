"""`./gz bench` writes the result file of the fixed interface and the geo scenario agrees with its baseline."""

import json

import pytest

from bench.__main__ import main


def test_geo_quick_writes_ratio_and_figures(capsys, tmp_path):
    assert main(["geo", "--quick"], results_dir=tmp_path) == 0
    result = json.loads((tmp_path / "geo.json").read_text())
    assert set(result) >= {"scenario", "quick", "ratios", "figures", "machine"}
    assert result["scenario"] == "geo" and result["quick"] is True
    assert result["ratios"]["vs_naive"] > 1
    assert result["figures"]["points"] == 50_000
    assert "vs_naive=" in capsys.readouterr().out


def _needs_sqlite():
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the benchmarks run on the embedded SQLite settings (a scratch SQLite file)")


def test_import_scenario_measures_ours_against_import_export_and_raw_inserts(django_db_blocker):
    from bench.scenarios import import_residents

    _needs_sqlite()
    with django_db_blocker.unblock():
        ratios, figures = import_residents.run(quick=True, rows=200)
    assert set(ratios) == {"vs_import_export", "vs_raw"} and all(value > 0 for value in ratios.values())
    assert figures["rows"] == 200 and figures["ours_seconds"] > 0


def test_scope_scenario_compares_the_person_list_with_hand_written_sql(django_db_blocker):
    from bench.scenarios import scope

    _needs_sqlite()
    with django_db_blocker.unblock():
        ratios, figures = scope.run(quick=True, people=1_200)
    assert ratios["vs_sql"] > 0 and figures["people"] == 1_200 and figures["timings"] >= 24


def test_new_scenarios_are_registered():
    from bench.__main__ import SCENARIOS

    assert {"import", "intake", "scope"} <= set(SCENARIOS)


def test_intake_scenario_posts_open311_requests_against_hello_world(django_db_blocker):
    from bench.scenarios import intake

    _needs_sqlite()
    with django_db_blocker.unblock():
        ratios, figures = intake.run(quick=True, seconds=1, warmup=1, rounds=1)
    assert ratios["vs_hello_world"] > 0 and figures["errors"] == 0
    # Every POST answered 200 was kept, and the worker's filing of the oldest ones made one case each.
    assert figures["submissions"] == figures["posts_answered_200"] > 0
    assert figures["filed_sample"] == min(intake.FILED, figures["submissions"])


def test_the_hello_world_baseline_exists_only_for_the_benchmark(client):
    from gongzhi.core import bench_views

    assert client.get("/" + bench_views.PATH).status_code == 404
