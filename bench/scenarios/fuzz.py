"""fuzz: schemathesis over the whole API with many more examples than ``./gz test`` runs.

The suite's tests/api/test_schemathesis.py, run in a pytest subprocess on a throw-away SQLite test
database (``gongzhi.settings.test``) with its bounds raised through ``GZ_FUZZ_EXAMPLES`` (per
operation; every example is sent as the district, grid and resident accounts and without
credentials) and ``GZ_FUZZ_STATEFUL_EXAMPLES`` (link-following scenarios of up to 6 calls, per
account). The checks are the suite's: no 5xx, every status and every body as the OpenAPI document
declares, every error the JSON ``{"detail", "code"}``.

Figures: ``operations`` in the document, ``examples`` (generated requests per operation),
``responses`` checked, ``stateful_steps``, ``failures`` (failed tests; each names its operation).
Ratio: ``clean`` = 1 when nothing failed, else 0.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES, QUICK_EXAMPLES = 400, 50
STATEFUL_EXAMPLES, QUICK_STATEFUL_EXAMPLES = 100, 20


def run(*, quick: bool, examples: int | None = None, stateful: int | None = None) -> tuple[dict, dict]:
    examples = examples or (QUICK_EXAMPLES if quick else EXAMPLES)
    stateful = stateful or (QUICK_STATEFUL_EXAMPLES if quick else STATEFUL_EXAMPLES)
    with tempfile.TemporaryDirectory(prefix="gz-bench-fuzz-") as scratch:
        report, junit = Path(scratch) / "checked.json", Path(scratch) / "junit.xml"
        env = {k: v for k, v in os.environ.items() if k != "GONGZHI_DATABASE_URL"}
        env.update({"DJANGO_SETTINGS_MODULE": "gongzhi.settings.test", "GZ_FUZZ_EXAMPLES": str(examples),
                    "GZ_FUZZ_STATEFUL_EXAMPLES": str(stateful), "GZ_FUZZ_REPORT": str(report), "GZ_FUZZ_ROLE_SPREAD": "1",
                    "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])})
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                               f"--junitxml={junit}", "tests/api/test_schemathesis.py"],
                              cwd=ROOT, env=env, capture_output=True, text=True)
        checked = json.loads(report.read_text()) if report.exists() else {}
        summary = junit.read_text() if junit.exists() else ""
    tests = int(re.search(r'tests="(\d+)"', summary).group(1)) if summary else 0
    failures = sum(int(n) for n in re.findall(r'(?:failures|errors)="(\d+)"', summary[:600]))
    if done.returncode not in (0, 1) or not checked:
        raise RuntimeError(f"the fuzzing run did not complete (exit {done.returncode}): {done.stdout[-3000:]}")
    failed = re.findall(r"^FAILED (\S+)", done.stdout, re.MULTILINE)
    figures = {"operations": checked["operations"], "examples": examples, "stateful_examples": stateful,
               "tests": tests, "responses": checked["responses"], "stateful_steps": checked["stateful_steps"],
               "failures": failures, "failed": failed[:20]}
    return {"clean": 1 if failures == 0 else 0}, figures
