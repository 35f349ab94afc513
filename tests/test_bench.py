"""`./gz bench` writes the result file of the fixed interface and the geo scenario agrees with its baseline."""

import json

from bench.__main__ import RESULTS, main


def test_geo_quick_writes_ratio_and_figures(capsys):
    assert main(["geo", "--quick"]) == 0
    result = json.loads((RESULTS / "geo.json").read_text())
    assert set(result) >= {"scenario", "quick", "ratios", "figures", "machine"}
    assert result["scenario"] == "geo" and result["quick"] is True
    assert result["ratios"]["vs_naive"] > 1
    assert result["figures"]["points"] == 50_000
    assert "vs_naive=" in capsys.readouterr().out
