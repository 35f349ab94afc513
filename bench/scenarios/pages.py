"""pages: Largest Contentful Paint and Total Blocking Time of the key pages in headless Chromium.

Everything runs in a temporary directory; the demo database under var/ is never opened.

* Data: a fresh SQLite database, migrated, with the demo (``demo_setup``: the district, its
  accounts and what every app adds — residents, cases, votes, disclosures; 20,000 residents, 1,000
  with ``--quick``) and the static files collected, prepared by a ``python -m bench.scenarios.pages
  prepare DIR RESIDENTS`` subprocess with the server's environment (``intake.server_env``).
* Server: the production-style gunicorn of ``./gz serve`` (``intake.server``: sync workers, the
  embedded settings, whitenoise for the static files) on a free port of 127.0.0.1.
* Browser: Debian's Chromium (``/usr/bin/chromium``) through Playwright, headless, with
  ``--no-sandbox --disable-gpu --disable-background-networking --disable-component-update
  --disable-sync``, a 1366 × 768 window. Each account signs in once through the login form; every
  run opens the page in a new browser context with that session (so the HTTP cache is cold, as
  on a first visit) and waits for the network to be idle.
* Measures: two ``PerformanceObserver``s are installed before any script of the page runs
  (``add_init_script``, which the page's CSP ``script-src 'self'`` does not govern): LCP is the
  last ``largest-contentful-paint`` entry's time, TBT the sum over ``longtask`` entries of
  (duration − 50 ms); FCP and the page's own weight (bytes of every response, scripts, styles)
  are reported beside them. ``RUNS`` runs per page (3 with ``--quick``), median.
* Pages: the resident home, the report form, a case page (the first of the community queue), the staff
  queue, the grid map, the person list, a vote page and the public disclosure page, each as the
  account that uses it (anonymous for the disclosure page).
* Ratio: ``lcp_vs_target`` = 1000 ms / the worst page's median LCP (≥ 1: every page under 1 s).
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.scenarios import intake

TARGET_LCP_MS = 1000.0
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
VIEWPORT = {"width": 1366, "height": 768}
RUNS = 5
QUICK_RUNS = 3
RESIDENTS = 20_000
QUICK_RESIDENTS = 1_000

# name → (account or None for anonymous, path or a finder: (list path, link pattern))
PAGES: dict[str, tuple[str | None, str | tuple[str, str]]] = {
    "resident_home": ("resident", "/"),
    "report_form": ("resident", "/cases/report/"),
    "case_page": ("community", ("/cases/", r"^/cases/\d+/$")),
    "staff_queue": ("community", "/cases/"),
    "grid_map": ("grid", "/cases/map/"),
    "person_list": ("community", "/registry/"),
    "vote_page": ("resident", ("/deliberation/votes/", r"^/deliberation/votes/\d+/$")),
    "public_disclosure": (None, "/disclosure/"),
}

OBSERVE = """
window.__perf = {lcp: 0, tbt: 0, longtasks: 0};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__perf.lcp = entry.renderTime || entry.loadTime || entry.startTime;
}).observe({type: "largest-contentful-paint", buffered: true});
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    window.__perf.tbt += Math.max(0, entry.duration - 50);
    window.__perf.longtasks += 1;
  }
}).observe({type: "longtask", buffered: true});
"""

READ = """() => {
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  const nav = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource");
  const bytes = (kind) => resources.filter((r) => kind === null || r.initiatorType === kind)
                                   .reduce((sum, r) => sum + (r.encodedBodySize || 0), 0);
  return {lcp: window.__perf.lcp, tbt: window.__perf.tbt, longtasks: window.__perf.longtasks,
          fcp: paint ? paint.startTime : null, ttfb: nav ? nav.responseStart : null,
          html_bytes: nav ? nav.encodedBodySize : 0, script_bytes: bytes("script"), css_bytes: bytes("link"),
          total_bytes: (nav ? nav.encodedBodySize : 0) + bytes(null), requests: resources.length + 1};
}"""


def prepare(directory: Path, residents: int) -> dict:
    """In this process (the ``prepare`` subprocess): migrate, collect the static files, build the demo."""
    import django

    django.setup()
    from django.core.management import call_command

    (directory / "var" / "static").mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    call_command("demo_setup", residents=residents, verbosity=0)
    return {"residents": residents}


def _login_state(browser, base: str, username: str) -> dict:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", _demo_password())
    with page.expect_navigation():
        page.click("form button[type=submit]")
    if "/accounts/login" in page.url:
        raise RuntimeError(f"{username} could not sign in: {page.url}")
    state = context.storage_state()
    context.close()
    return state


def _demo_password() -> str:
    from gongzhi.demo.district import DEMO_PASSWORD

    return DEMO_PASSWORD


def _resolve(browser, base: str, state: dict | None, target) -> str:
    """A page's path: given, or the first link matching a pattern on a list page."""
    if isinstance(target, str):
        return target
    list_path, pattern = target
    context = browser.new_context(viewport=VIEWPORT, storage_state=state)
    page = context.new_page()
    page.goto(base + list_path)
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map((a) => a.getAttribute('href'))")
    context.close()
    found = next((href for href in hrefs if re.match(pattern, href or "")), None)
    if found is None:
        raise RuntimeError(f"no link matching {pattern} on {list_path}")
    return found


def measure(browser, base: str, state: dict | None, path: str) -> dict:
    context = browser.new_context(viewport=VIEWPORT, storage_state=state)
    context.add_init_script(OBSERVE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    started = time.perf_counter()
    response = page.goto(base + path, wait_until="load")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # a late LCP candidate (an image, a map layer) has landed by now
    figures = page.evaluate(READ)
    figures["wall_ms"] = (time.perf_counter() - started) * 1000
    figures["status"] = response.status if response else None
    figures["errors"] = errors
    context.close()
    return figures


def run(*, quick: bool, runs: int | None = None, residents: int | None = None) -> tuple[dict, dict]:
    from playwright.sync_api import sync_playwright

    runs = runs or (QUICK_RUNS if quick else RUNS)
    residents = residents or (QUICK_RESIDENTS if quick else RESIDENTS)
    with tempfile.TemporaryDirectory(prefix="gz-bench-pages-") as scratch:
        directory = Path(scratch)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bench.scenarios.pages", "prepare", str(directory), str(residents)],
                       cwd=intake.ROOT, env=intake.server_env(directory), check=True)
        prepare_seconds = time.perf_counter() - started
        with intake.server(directory) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                states = {user: _login_state(browser, base, user)
                          for user in sorted({user for user, _target in PAGES.values() if user})}
                states[None] = None
                results: dict[str, dict] = {}
                for name, (user, target) in PAGES.items():
                    path = _resolve(browser, base, states[user], target)
                    measure(browser, base, states[user], path)  # the server's first answer for this page
                    samples = [measure(browser, base, states[user], path) for _ in range(runs)]
                    bad = [s for s in samples if s["status"] != 200 or s["errors"]]
                    if bad:
                        raise RuntimeError(f"{name} ({path}): {bad[0]['status']} {bad[0]['errors'][:3]}")
                    results[name] = {
                        "path": path,
                        "lcp_ms": round(statistics.median(s["lcp"] for s in samples)),
                        "tbt_ms": round(statistics.median(s["tbt"] for s in samples)),
                        "fcp_ms": round(statistics.median(s["fcp"] or 0 for s in samples)),
                        "ttfb_ms": round(statistics.median(s["ttfb"] or 0 for s in samples)),
                        "kb": round(statistics.median(s["total_bytes"] for s in samples) / 1024, 1),
                        "script_kb": round(statistics.median(s["script_bytes"] for s in samples) / 1024, 1),
                        "requests": statistics.median(s["requests"] for s in samples),
                    }
            finally:
                browser.close()
    worst = max(results.values(), key=lambda r: r["lcp_ms"])
    figures = {
        "runs_per_page": runs, "residents": residents, "prepare_seconds": round(prepare_seconds, 1),
        "worst_lcp_ms": worst["lcp_ms"], "worst_tbt_ms": max(r["tbt_ms"] for r in results.values()),
        "pages": results,
    }
    return {"lcp_vs_target": round(TARGET_LCP_MS / max(worst["lcp_ms"], 1), 2)}, figures


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "prepare":
        directory = Path(argv[1])
        (directory / "prepared.json").write_text(json.dumps(prepare(directory, int(argv[2]))))
        return 0
    print("usage: python -m bench.scenarios.pages prepare DIR RESIDENTS (the benchmark itself: ./gz bench pages)")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
