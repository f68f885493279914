"""Shared by the report tests: a small corridor scenario, a fake simulation folder, the
baseline reports (each built once per test session), and the static check for external loads in
an HTML file."""

from __future__ import annotations

import functools
import json
import re
import tempfile
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from plotly.offline import get_plotlyjs

from transcaspian.model import Scenario
from transcaspian.model.results import Result

#: A seven-node corridor Xi'an -> Constanta with one Caspian and one Black Sea service.
MINI_YAML = """
name: mini-corridor
title: Mini corridor (test)
year: 2024
price_year: 2024
sources:
  - {id: s1, title: Test source one, url: "https://example.org/one", year: 2024}
  - {id: s2, title: Test source two, url: "https://example.org/two", year: 2023, note: a note}
commodities:
  - {id: container, name: Containers, unit: teu, category: container, tonnes_per_unit: 12, source: s1}
nodes:
  - {id: xian, name: "Xi'an", country: CN, lat: 34.27, lon: 108.94, kind: city, source: s1}
  - {id: dostyk, name: Dostyk, country: KZ, lat: 45.25, lon: 82.48, kind: gauge_change, dwell_h: 24,
     capacity_trains_per_day: 14, source: s1}
  - {id: aktau, name: Aktau, country: KZ, lat: 43.6, lon: 51.2, kind: seaport, max_draft_m: 4.5,
     port_time_h: 4, source: s1}
  - {id: alat, name: Alat, country: AZ, lat: 39.95, lon: 49.4, kind: seaport, max_draft_m: 4.5,
     port_time_h: 3, source: s1}
  - {id: tbilisi, name: Tbilisi, country: GE, lat: 41.7, lon: 44.8, kind: junction, source: s1}
  - {id: poti, name: Poti, country: GE, lat: 42.15, lon: 41.67, kind: seaport, max_draft_m: 8,
     port_time_h: 6, source: s1}
  - {id: constanta, name: Constanta, country: RO, lat: 44.17, lon: 28.65, kind: seaport, max_draft_m: 12,
     port_time_h: 6, source: s1}
berths:
  - {id: aktau-c, node: aktau, kind: container, count: 1, handling_per_h: {teu: 40}, source: s1}
  - {id: alat-c, node: alat, kind: container, count: 1, handling_per_h: {teu: 40}, source: s1}
  - {id: poti-c, node: poti, kind: container, count: 2, handling_per_h: {teu: 60}, source: s2}
  - {id: constanta-c, node: constanta, kind: container, count: 4, handling_per_h: {teu: 80}, source: s2}
links:
  - {id: xian-dostyk, from: xian, to: dostyk, mode: rail, distance_km: 3700, speed_kmh: 50, gauge_mm: 1435,
     trains_per_day: 20, source: s1}
  - {id: dostyk-aktau, from: dostyk, to: aktau, mode: rail, distance_km: 2700, speed_kmh: 45, gauge_mm: 1520,
     trains_per_day: 12, source: s1}
  - {id: alat-tbilisi, from: alat, to: tbilisi, mode: rail, distance_km: 560, speed_kmh: 40, gauge_mm: 1520,
     trains_per_day: 10, source: s2}
  - {id: tbilisi-poti, from: tbilisi, to: poti, mode: rail, distance_km: 360, speed_kmh: 40, gauge_mm: 1520,
     trains_per_day: 10, source: s2}
services:
  - {id: f1, name: Caspian feeder, kind: container_feeder, from: aktau, to: alat, distance_km: 450,
     policy: load_and_go, min_fill_share: 0.8, max_wait_h: 48, source: s1}
  - {id: bs1, name: Black Sea feeder, kind: black_sea_feeder, from: poti, to: constanta, distance_km: 1150,
     policy: scheduled, departures_per_week: 2, source: s2}
vessels:
  - {id: v1, name: V1, service: f1, count: 2, capacity: {teu: 300}, deadweight_t: 4500, speed_kn: 11,
     design_draft_m: 4.2, tonnes_per_cm: 12, source: s1}
  - {id: v2, name: V2, service: bs1, count: 1, capacity: {teu: 800}, deadweight_t: 12000, speed_kn: 14,
     design_draft_m: 7.5, tonnes_per_cm: 25, source: s2}
routes:
  - {id: r1, nodes: [xian, dostyk, aktau, alat, tbilisi, poti, constanta]}
  - {id: r2, nodes: [constanta, poti, tbilisi, alat, aktau, dostyk, xian]}
demand:
  - {id: d1, origin: xian, destination: constanta, commodity: container, direction: westbound,
     annual_units: 20000, units_per_train: 50, route_options: [{route: r1, share: 1}], source: s1}
  - {id: d2, origin: constanta, destination: xian, commodity: container, direction: eastbound,
     annual_units: 5000, units_per_train: 50, route_options: [{route: r2, share: 1}], source: s1}
tariffs:
  - {id: t-xd, element: xian-dostyk, unit: teu, usd_per_unit_km: 0.3, party: CR, source: s1}
  - {id: t-da, element: dostyk-aktau, unit: teu, usd_per_unit_km: 0.35, party: KTZ, source: s1}
  - {id: t-f1, element: f1, unit: teu, usd_per_unit: 600, party: ASCO, source: s1}
  - {id: t-at, element: alat-tbilisi, unit: teu, usd_per_unit_km: 0.5, party: ADY, source: s2}
  - {id: t-tp, element: tbilisi-poti, unit: teu, usd_per_unit_km: 0.5, party: GR, source: s2}
  - {id: t-bs, element: bs1, unit: teu, usd_per_unit: 400, party: Line, source: s2}
emission_factors:
  - {id: ef-rail, category: Rail electric, kind: transport, wtw_g_per_tkm: 20, ttw_g_per_tkm: 5, source: s1}
  - {id: ef-sea, category: Feeder, kind: transport, wtw_g_per_tkm: 30, ttw_g_per_tkm: 25, source: s1}
references:
  - {id: north, name: Northern route via Russia, kind: rail, via: "Kazakhstan, Russia, Belarus",
     origin: "Xi'an", destination: Duisburg, distance_km: 9800, transit_days_low: 14, transit_days_high: 18,
     cost_usd_per_feu_low: 6000, cost_usd_per_feu_high: 8000, emission_factor: ef-rail, source: s1}
  - {id: suez, name: Sea via Suez, kind: sea, via: Suez Canal, origin: Shanghai, destination: Constanta,
     distance_km: 16000, transit_days_low: 35, transit_days_high: 45, cost_usd_per_feu_low: 2500,
     cost_usd_per_feu_high: 4000, emission_factor: ef-sea, source: s2}
"""


def mini_dict() -> dict[str, Any]:
    """A fresh copy of the mini corridor as a dict."""
    return yaml.safe_load(MINI_YAML)


def write_sim_folder(scenario: Scenario, folder: Path, fmt: str = "csv",
                     scenario_hash: str | None = None) -> Result:
    """Write a simulation result folder like ``transcaspian simulate -o`` for ``scenario``.

    Transit times are made up but distinct per flow (P50 = 10 days + 1 day per flow index)
    so tests can look for them.
    """
    d = scenario.demand.reset_index()
    tt = pd.DataFrame({
        "origin": d["origin"], "destination": d["destination"], "commodity": d["commodity"],
        "direction": d["direction"], "lots": [100.0 + i for i in range(len(d))],
        "units": d["annual_units"] * 0.9, "tonnes": d["annual_t"] * 0.9,
        "p50_h": [240.0 + 24 * i for i in range(len(d))],
        "p90_h": [300.0 + 24 * i for i in range(len(d))],
        "p95_h": [330.0 + 24 * i for i in range(len(d))],
        "mean_h": [250.0 + 24 * i for i in range(len(d))],
        "mean_h_ci95": [3.0] * len(d)})
    nodes = list(scenario.nodes.index[:4])
    hours = [500.0 * (k + 1) for k in range(len(nodes))]
    wait = pd.DataFrame({"node": nodes, "kind": list(scenario.nodes["kind"].iloc[:4]),
                         "wait_h_mean_per_unit": [h / 100 for h in hours],
                         "tonne_hours_waited": [10 * h for h in hours],
                         "tonne_hours_ci95": [10.0] * len(nodes), "tonnes_queued": [1e3] * len(nodes),
                         "share_of_total": [h / sum(hours) for h in hours]})
    hist_rows = []
    for o, dest in zip(d["origin"], d["destination"], strict=True):
        for k, count in enumerate([5, 20, 40, 25, 10]):  # the last bin is open-ended, as simulate's
            hist_rows.append({"origin": o, "destination": dest, "bin_lo_h": 216.0 + 24 * k,
                              "bin_hi_h": 240.0 + 24 * k if k < 4 else float("inf"), "count": float(count)})
    thr = pd.DataFrame({"flow": d["id"], "origin": d["origin"], "destination": d["destination"],
                        "direction": d["direction"], "commodity": d["commodity"], "unit": d["unit"],
                        "demand_units": d["annual_units"], "demand_tonnes": d["annual_t"],
                        "released_units": d["annual_units"] * 0.95, "units": d["annual_units"] * 0.9,
                        "units_ci95": 1.0, "tonnes": d["annual_t"] * 0.9, "served_share": 0.9,
                        "wip_units_end": 3.0})
    meta = {**scenario.metadata(), "seed": 7, "years": 1, "replications": 3}
    if scenario_hash is not None:
        meta["scenario_hash"] = scenario_hash
    result = Result(meta, {"transit_times": tt, "waiting_by_node": wait, "throughput": thr,
                           "transit_histogram": pd.DataFrame(hist_rows)})
    result.write(folder, fmt=fmt)
    return result


# -- the offline rule ---------------------------------------------------------------------------
#: Attributes that make the browser fetch something when the page loads.
LOAD_ATTRS = {"src", "srcset", "data", "poster", "background", "action", "formaction", "manifest",
              "xlink:href", "ping"}
URL_RE = re.compile(r"(?i)\b(?:https?|ftp|wss?):|^//")
CSS_LOAD_RE = re.compile(r"(?i)@import|url\(\s*['\"]?(?!data:|#)")


class _LoadFinder(HTMLParser):
    def __init__(self, plotly_js: str) -> None:
        super().__init__(convert_charrefs=True)
        self.plotly_js = plotly_js
        self.problems: list[str] = []
        self.anchors: list[str] = []
        self.scripts = 0
        self._in: str | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        for k, v in a.items():
            if k in LOAD_ATTRS and v and not v.startswith(("data:", "#", "blob:")):
                self.problems.append(f"<{tag} {k}={v!r}> loads a resource")
            if k == "style" and CSS_LOAD_RE.search(v):
                self.problems.append(f"<{tag} style> loads via CSS: {v[:80]!r}")
        if tag == "link" and a.get("href") and not a["href"].startswith(("data:", "#")):
            self.problems.append(f"<link href={a['href']!r}> loads a resource")
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh> navigates")
        if tag == "a" and a.get("href"):
            self.anchors.append(a["href"])
        if tag in ("script", "style"):
            self._in, self._buf = tag, []

    def handle_data(self, data: str) -> None:
        if self._in:
            self._buf.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != self._in:
            return
        body = "".join(self._buf)
        if tag == "style" and CSS_LOAD_RE.search(body):
            self.problems.append(f"<style> loads via CSS: {CSS_LOAD_RE.search(body).group(0)!r}")
        if tag == "script":
            self.scripts += 1
            if body.strip() != self.plotly_js.strip():  # our own scripts: no URLs, no fetching
                for pat in ("fetch(", "XMLHttpRequest", "import(", "WebSocket", "EventSource",
                            "sendBeacon"):
                    if pat in body:
                        self.problems.append(f"inline script uses {pat}")
                m = URL_RE.search(body)
                if m:
                    self.problems.append(f"inline script holds a URL near {body[m.start():m.start() + 60]!r}")
        self._in = None


def external_loads(html: str) -> tuple[list[str], list[str]]:
    """Problems (anything that would load from outside the file) and the ``<a href>`` targets.

    The rule: the page must not *load* anything: no ``src``/``srcset``/``data``/``poster``
    attributes other than ``data:``/``blob:``/fragment URLs, no ``<link href>`` (stylesheets,
    icons, preloads), no CSS ``@import`` or ``url(...)`` except ``data:``, no meta refresh,
    and no network API (``fetch``, XHR, dynamic ``import``, WebSocket) or URL in our own
    inline scripts. plotly.js, embedded verbatim, is exempt from the URL scan: it carries
    URLs of base maps and fonts that it only uses for map types the report never draws (the
    browser test proves nothing is requested). Citation hyperlinks (``<a href>``) are
    navigation, not loads, and would be allowed; they are returned for the caller to check.
    """
    finder = _LoadFinder(get_plotlyjs())
    finder.feed(html)
    finder.close()
    return finder.problems, finder.anchors


def chart_ids(html: str) -> list[str]:
    """Ids of the plotly chart divs in a report."""
    return re.findall(r'<div id="(chart-[\w-]+)" class="plotly-graph-div"', html)


def dump(obj: Any) -> str:
    """Compact JSON (for failure messages)."""
    return json.dumps(obj, default=str)[:2000]


def table_rows(html: str, table_id: str) -> list[list[str]]:
    """Cell texts of every body row of the table with ``table_id``."""
    m = re.search(rf'<table class="data" id="{table_id}">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert m, f"no table {table_id}"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", m.group(1), re.S)
    return [[unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
            for r in rows]


@functools.lru_cache(maxsize=1)
def baseline_html() -> str:
    """baseline-2024's report without a simulation (built once per test session)."""
    from transcaspian.model import load_scenario
    from transcaspian.report.build import build_report

    return build_report(load_scenario("baseline-2024"))


@functools.lru_cache(maxsize=1)
def _baseline_sim_report() -> tuple[Scenario, str]:
    """baseline-2024 and its report on :func:`write_sim_folder`'s simulation (built once)."""
    from transcaspian.model import load_scenario
    from transcaspian.report.build import build_report

    s = load_scenario("baseline-2024")
    with tempfile.TemporaryDirectory(prefix="baseline-report-") as tmp:
        write_sim_folder(s, Path(tmp) / "sim")
        return s, build_report(s, sim_result_dir=Path(tmp) / "sim")


def write_baseline_report(folder: Path) -> tuple[Scenario, Path, str]:
    """baseline-2024's report with a small simulation (``folder/sim``), written to
    ``folder/report.html``; the report is built once per test session."""
    s, html = _baseline_sim_report()
    write_sim_folder(s, folder / "sim")
    path = folder / "report.html"
    path.write_text(html, encoding="utf-8")
    return s, path, html
