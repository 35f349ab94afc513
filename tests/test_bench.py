"""`./gz bench` writes the result file of the fixed interface and the geo scenario agrees with its baseline."""

import json

from bench.__main__ import main


def test_geo_quick_writes_ratio_and_figures(capsys, tmp_path):
    assert main(["geo", "--quick"], results_dir=tmp_path) == 0
    result = json.loads((tmp_path / "geo.json").read_text())
    assert set(result) >= {"scenario", "quick", "ratios", "figures", "machine"}
    assert result["scenario"] == "geo" and result["quick"] is True
    assert result["ratios"]["vs_naive"] > 1
    assert result["figures"]["points"] == 50_000
    assert "vs_naive=" in capsys.readouterr().out
