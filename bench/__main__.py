"""Run benchmark scenarios; each prints a ratio against a baseline measured in the same run.

Writes ``bench/results/<scenario>.json`` with at least
``{"scenario", "quick", "ratios": {...}, "figures": {...}, "machine": {...}}``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SCENARIOS = {"fuzz": "bench.scenarios.fuzz", "geo": "bench.scenarios.geo", "import": "bench.scenarios.import_residents",
             "intake": "bench.scenarios.intake", "load": "bench.scenarios.load", "pages": "bench.scenarios.pages",
             "pages-at-scale": "bench.scenarios.pages_at_scale", "scaleout": "bench.scenarios.scaleout",
             "scope": "bench.scenarios.scope"}
# Run only when named: scaleout builds a multi-host topology in network namespaces (root, minutes).
ON_REQUEST = {"scaleout"}


def default_scenarios() -> list[str]:
    """What ``./gz bench`` runs without a scenario named."""
    return sorted(set(SCENARIOS) - ON_REQUEST)


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }


def run(name: str, quick: bool, results_dir: Path = RESULTS) -> dict:
    module = importlib.import_module(SCENARIOS[name])
    started = time.perf_counter()
    ratios, figures = module.run(quick=quick)
    figures["wall_seconds"] = round(time.perf_counter() - started, 2)
    result = {"scenario": name, "quick": quick, "ratios": ratios, "figures": figures, "machine": machine()}
    results_dir.mkdir(parents=True, exist_ok=True)
    # A scenario measured on either database names its PostgreSQL result apart (``<name>-postgresql``).
    file_name = module.result_name(figures) if hasattr(module, "result_name") else name
    (results_dir / f"{file_name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return result


def print_table(results: list[dict]) -> None:
    print(f"{'scenario':<10} {'quick':<6} {'ratio':<28} figures")
    for r in results:
        ratios = ", ".join(f"{k}={v}" for k, v in r["ratios"].items())
        # Nested figures (a scenario's per-step tables) are in the result file, not on the console.
        figures = ", ".join(f"{k}={v}" for k, v in r["figures"].items() if not isinstance(v, (dict, list)))
        print(f"{r['scenario']:<10} {str(r['quick']):<6} {ratios:<28} {figures}")


def main(argv: list[str] | None = None, results_dir: Path = RESULTS) -> int:
    parser = argparse.ArgumentParser(prog="./gz bench", description=__doc__)
    parser.add_argument("scenario", nargs="?", choices=sorted(SCENARIOS),
                        help="default: all scenarios but those run on request (%s)" % ", ".join(sorted(ON_REQUEST)))
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings.embedded")
    import django

    django.setup()
    names = [args.scenario] if args.scenario else default_scenarios()
    results = [run(name, args.quick, results_dir) for name in names]
    print_table(results)
    # A scenario with a pass/fail verdict (``failed(result)``: why, or None) makes the run fail.
    verdicts = [getattr(importlib.import_module(SCENARIOS[r["scenario"]]), "failed", lambda _r: None)(r)
                for r in results]
    for verdict in filter(None, verdicts):
        print(f"FAILED: {verdict}", file=sys.stderr)
    return 1 if any(verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())
