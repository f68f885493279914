"""The page at ``/`` driven in headless Chromium (Playwright) against the real server.

The server is ``transcaspian serve`` in a subprocess on a free port with SQLite in a temporary
folder, started and given its token by the two README commands of "Server and REST API" (with
``--db`` and the port substituted). Chromium is the Debian ``chromium`` package (nothing is
downloaded). Every figure the page shows is checked against the engine's own result.

Artefact: a screenshot of the whole page after every step, ``out/test-artifacts/web-page.png``
under the repository root (the folder is created if absent).
"""

from __future__ import annotations

import io
import json
import re
import shlex
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
from serve_process import ServeProcess, free_port

from transcaspian.analysis import QuoteOptions, capacity, quote
from transcaspian.analysis.compare import compare
from transcaspian.model import load_scenario
from transcaspian.web.store import Store

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "transcaspian"
SCREENSHOT = ROOT / "out" / "test-artifacts" / "web-page.png"
#: A short simulation (as tests/test_web_jobs.py and test_web_api.py run).
SIM = {"years": 0.05, "replications": 2, "warmup_days": 5.0, "seed": 7}
TIMEOUT_MS = 120_000


def readme_commands() -> list[list[str]]:
    """The ``transcaspian serve`` command lines of README's "Server and REST API" block."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Server and REST API"):]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "README's server section has no sh block"
    lines = [ln.split("#")[0].strip() for ln in block.group(1).splitlines()]
    return [shlex.split(ln) for ln in lines if ln.startswith(".venv/bin/transcaspian serve")]


def _readme_argv(argv: list[str], db: str, port: int) -> list[str]:
    """A README command run here: this environment's binary, the test's database and port."""
    out = [str(BIN), *argv[1:]]
    if "--port" in out:
        out[out.index("--port") + 1] = str(port)
    return [*out, "--db", db]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The README's server, its analyst token (made by the README's command) and its URL."""
    folder = tmp_path_factory.mktemp("page")
    db, port = Store.default_url(folder), free_port()
    create, serve = readme_commands()
    assert create[1:4] == ["serve", "token", "create"] and serve[1] == "serve"
    made = subprocess.run(_readme_argv(create, db, port), capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().split()[-1]
    proc = ServeProcess(_readme_argv(serve, db, port), port, folder / "server.log")
    yield {"url": f"http://127.0.0.1:{port}/", "token": token, "db": db, "create": " ".join(create)}
    proc.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    path = shutil.which("chromium")
    if path is None:
        pytest.fail("headless Chromium is needed: apt-get install -y --no-install-recommends chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def page(browser, server) -> Iterator[object]:
    """One tab signed in with the README's token; page errors and CSP violations collected."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    tab.errors = []
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    tab.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    tab.goto(server["url"])
    tab.fill("#token", server["token"])
    tab.click("#signin-button")
    tab.wait_for_selector("#app:not([hidden])")
    yield tab
    context.close()


def _shown(value: float, digits: int, scale: float = 1.0, sign: str = "") -> str:
    """How the page shows an engine's figure: the API's JSON carries 10 decimals; the browser
    (Intl.NumberFormat) rounds the shortest decimal of the scaled number half away from zero to
    ``digits`` and separates thousands with commas."""
    x = Decimal(repr(round(float(value), 10) * scale))
    return f"{x.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP):{sign},.{digits}f}"


def _get(server: dict[str, str], path: str) -> dict:
    """GET ``/api/v1{path}`` with the server's token, as JSON."""
    req = urllib.request.Request(server["url"] + "api/v1" + path,
                                 headers={"Authorization": f"Bearer {server['token']}"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())


def _cells(page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(f"{selector} tbody tr", "rows => rows.map(r => "
                                     "Array.from(r.cells, c => c.textContent))")


def _headers(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(f"{selector} thead th", "hs => hs.map(h => h.textContent)")


# -- sign in, the scenario ------------------------------------------------------------------------
def test_a_wrong_token_is_refused_with_the_servers_message(browser, server):
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(server["url"])
    tab.fill("#token", "tc_" + "x" * 43)
    tab.click("#signin-button")
    msg = tab.wait_for_selector("#signin-msg:not([hidden])")
    assert msg.text_content() == "That token was refused: unknown or revoked token"
    assert tab.is_hidden("#app")
    assert tab.evaluate("sessionStorage.getItem('transcaspian.token')") is None
    context.close()


def test_the_map_figures_and_bottlenecks_are_the_capacity_engines(page):
    page.wait_for_function("() => document.querySelectorAll('#bottleneck-table tbody tr').length > 0")
    want = capacity(load_scenario("baseline-2024"))
    summary = want["summary"].iloc[0]
    assert page.input_value("#scenario") == "baseline-2024"
    assert page.text_content("#figure-served-share") == _shown(summary["served_share"], 1, 100) + " %"
    assert page.text_content("#figure-served") == _shown(summary["served_t"], 2, 1e-6) + " Mt/yr"
    assert page.text_content("#figure-multiplier") == _shown(summary["demand_multiplier"], 3) + " x demand"
    rows = _cells(page, "#bottleneck-table")
    b = want["bottlenecks"]
    assert len(rows) == len(b)
    heads = _headers(page, "#bottleneck-table")
    assert "utilisation (%)" in heads and "gain per +1 % (t/yr)" in heads
    util = heads.index("utilisation (%)")
    assert [r[1] for r in rows] == b["element_id"].tolist()
    assert [r[util] for r in rows] == [_shown(u, 1, 100) for u in b["utilisation"]]
    # the map: plotly drew every trace of the report's figure into an svg
    page.wait_for_function("() => document.getElementById('map').data !== undefined")
    drawn = page.evaluate("(() => { const gd = document.getElementById('map'); return {"
                          "traces: gd.data.length, svgs: gd.querySelectorAll('svg.main-svg').length,"
                          " lines: gd.querySelectorAll('.scatterlayer .trace').length}; })()")
    from transcaspian.analysis.indicators import map_element_utilisation
    from transcaspian.report.map import corridor_map
    from transcaspian.report.sections.map import map_detail

    s = load_scenario("baseline-2024")
    fig = corridor_map(s, map_element_utilisation(s, want), map_detail(s, want))
    assert drawn["svgs"] >= 1 and drawn["traces"] == len(fig.data) == drawn["lines"]


def test_a_capacity_table_and_the_report_download_through_the_header_token(page):
    page.select_option("#cap-table", "bottlenecks")
    with page.expect_download() as info:
        page.click("#cap-csv")
    download = info.value
    assert download.suggested_filename == "baseline-2024-capacity-bottlenecks.csv"
    got = pd.read_csv(io.BytesIO(Path(download.path()).read_bytes()))
    want = capacity(load_scenario("baseline-2024"))["bottlenecks"]
    assert got["element_id"].tolist() == want["element_id"].tolist()
    assert got["utilisation"].tolist() == pytest.approx(want["utilisation"].tolist())
    with page.expect_download() as info:
        page.click("#report-download")
    report = info.value
    assert report.suggested_filename == "report-baseline-2024.html"
    html = Path(report.path()).read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html") and load_scenario("baseline-2024").hash in html


def test_a_quote_shows_the_engines_options_and_days(page):
    page.wait_for_function("() => document.getElementById('quote-origin').options.length > 0")
    page.select_option("#quote-origin", "xian")
    page.select_option("#quote-destination", "constanta")
    page.fill("#quote-cargo", "2 FEU")
    page.fill("#quote-k", "3")
    page.click("#quote-run")
    page.wait_for_selector("#quote-table")
    heads = _headers(page, "#quote-table")
    assert "transit_days (days)" in heads and "cost_usd (USD)" in heads
    want = quote(load_scenario("baseline-2024"), QuoteOptions.build(
        origin="xian", destination="constanta", cargo="2 FEU", k=3))["options"]
    rows = _cells(page, "#quote-table")
    assert len(rows) == len(want)
    days = heads.index("transit_days (days)")
    assert [r[days] for r in rows] == [_shown(d, 1) for d in want["transit_days"]]
    assert [r[heads.index("name")] for r in rows] == want["name"].tolist()


# -- a job, then the comparison with its P50 ------------------------------------------------------
def test_a_simulation_job_reaches_done_draws_its_chart_then_compare_uses_it(page, server):
    page.select_option("#job-kind", "simulate")
    page.fill("#sim-years", str(SIM["years"]))
    page.fill("#sim-replications", str(SIM["replications"]))
    page.fill("#sim-warmup", str(SIM["warmup_days"]))
    page.fill("#sim-seed", str(SIM["seed"]))
    page.click("#job-run")
    page.wait_for_selector("#job-status-line[data-status=done]", timeout=600_000)
    assert page.eval_on_selector("#job-progress", "p => p.value") == 1
    page.wait_for_function("() => document.getElementById('chart-transit') && "
                           "document.getElementById('chart-transit').data")
    chart = page.evaluate("(() => { const gd = document.getElementById('chart-transit'); return {"
                          "svgs: gd.querySelectorAll('svg.main-svg').length, names: gd.data.map(t => t.name),"
                          "p50: gd.data[0].y}; })()")
    # the job's stored result (equal to the simulator's: tests/test_web_jobs.py), read over HTTP
    job_id = page.get_attribute("#job-status-line", "data-job")
    res = _get(server, f"/jobs/{job_id}/result")
    assert res["meta"]["options"]["seed"] == SIM["seed"] and res["meta"]["replications"] == 2
    assert chart["svgs"] >= 1 and chart["names"] == ["P50", "P90"]
    p50_days = [None if r["p50_h"] is None else pytest.approx(r["p50_h"] / 24)
                for r in res["tables"]["transit_times"]]
    assert chart["p50"] == p50_days and any(p is not None for p in p50_days)
    tables = page.eval_on_selector_all("#job-tables details", "ds => ds.map(d => d.dataset.table)")
    assert sorted(tables) == sorted(res["tables"])
    heads = _headers(page, "#job-tables details[data-table=throughput] table")
    assert "tonnes (t/yr)" in heads and "served_share (%)" in heads

    page.select_option("#compare-a", "baseline-2024")
    page.select_option("#compare-b", "target-2030")
    page.click("#compare-run")
    page.wait_for_selector("#compare-summary")
    rows = _cells(page, "#compare-summary")
    heads = _headers(page, "#compare-summary")
    want = compare([load_scenario("baseline-2024"), load_scenario("target-2030")])["summary"]
    assert [r[0] for r in rows] == ["baseline-2024", "target-2030", "delta target-2030 - baseline-2024"]
    share = heads.index("served_share (%)")
    assert rows[0][share] == _shown(want["served_share"].iloc[0], 1, 100)
    assert rows[2][share] == _shown(want["delta_served_share"].iloc[1], 1, 100, "+")
    mult = heads.index("demand_multiplier (x demand)")
    assert rows[2][mult] == _shown(want["delta_demand_multiplier"].iloc[1], 3, 1, "+")
    od = _cells(page, "#compare-od")
    od_heads = _headers(page, "#compare-od")
    p50 = od_heads.index("p50_days (days)")
    basis = od_heads.index("basis")
    # the finished simulation of baseline-2024 gives P50 days on the pairs it carried lots on
    simulated = [r for r in od if r[basis] == "simulation (2 replications)"]
    assert simulated and {r[0] for r in simulated} == {"baseline-2024"}
    assert all(bool(r[p50]) == r[basis].startswith("simulation") for r in od)
    changes = {r[1] for r in _cells(page, "#compare-bottlenecks")}
    assert {"removed", "new"} <= changes
    assert page.errors == []
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000


def test_sign_out_forgets_the_token(page):
    page.click("#signout")
    assert page.is_visible("#signin") and page.is_hidden("#app")
    assert page.evaluate("sessionStorage.getItem('transcaspian.token')") is None


def test_a_viewers_job_is_refused_with_the_servers_message(browser, server):
    create = shlex.split(server["create"])
    create[create.index("--role") + 1] = "viewer"
    made = subprocess.run(_readme_argv(create, server["db"], 0), capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    context = browser.new_context()
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    tab.goto(server["url"])
    tab.fill("#token", made.stdout.strip().split()[-1])
    tab.click("#signin-button")
    tab.wait_for_selector("#app:not([hidden])")
    tab.fill("#sim-replications", "2")
    tab.click("#job-run")
    msg = tab.wait_for_selector("#job-msg:not([hidden])")
    assert msg.text_content() == ("The job was not started: a viewer token cannot do this: it needs the "
                                  "analyst role")
    context.close()
