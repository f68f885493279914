"""The report opened in headless Chromium: the map and every chart are drawn, offline.

Chromium is the Debian ``chromium`` package; ``make test`` installs it (target ``browser``).
The report is loaded from a ``file://`` URL with a probe script injected at the top of its
``<head>``. The probe records every Content-Security-Policy violation (the report's own CSP
blocks any load from outside the file, so a violation means something tried to load) and,
after the page has loaded, writes what plotly drew and the page's resource-timing entries
into the DOM, which Chromium dumps.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from report_helpers import chart_ids, mini_dict, write_baseline_report

from transcaspian.model import Scenario, load_scenario
from transcaspian.report.build import build_report

PROBE = """<script>
window.__violations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI);
});
window.addEventListener('load', function () {
  setTimeout(function () {
    var charts = {};
    document.querySelectorAll('.plotly-graph-div').forEach(function (gd) {
      var fills = Array.prototype.map.call(gd.querySelectorAll('path.js-fill'),
                                           function (p) { return (p.getAttribute('d') || '').length; });
      charts[gd.id] = {
        plotted: gd.classList.contains('js-plotly-plot'),
        svgs: gd.querySelectorAll('svg.main-svg').length,
        traces: (gd.data || []).length,
        points: gd.querySelectorAll('.scatterlayer .point, .barlayer .point').length,
        lines: gd.querySelectorAll('.scatterlayer path.js-line').length,
        fill_path_chars: fills,
        drawn_lines: Array.prototype.map.call(gd.querySelectorAll('.scatterlayer .trace'),
          function (g, i) {
            var line = g.querySelector('path.js-line');
            return [(gd.data[i] || {}).name, line ? (line.getAttribute('d') || '').length : 0];
          }),
        width: gd.getBoundingClientRect().width,
        height: gd.getBoundingClientRect().height
      };
    });
    var res = performance.getEntriesByType('resource').map(function (r) { return r.name; });
    var out = document.createElement('pre');
    out.id = 'probe-result';
    out.textContent = JSON.stringify({charts: charts, violations: window.__violations,
                                      resources: res, errors: window.__errors || []});
    document.body.appendChild(out);
  }, 1500);
});
window.__errors = [];
window.addEventListener('error', function (e) { window.__errors.push(String(e.message)); });
</script>"""


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("headless Chromium is needed: run `make browser` "
                    "(apt-get install -y --no-install-recommends chromium)")
    return path


def probe(report: Path, tmp_path: Path, script: str = PROBE, width: int = 1300) -> dict[str, Any]:
    """Open ``report`` (with the probe ``script`` injected) in headless Chromium ``width`` px
    wide; return the probe's JSON."""
    html = report.read_text(encoding="utf-8")
    head = html.index("<head>") + len("<head>")
    page = tmp_path / "probed.html"
    page.write_text(html[:head] + script + html[head:], encoding="utf-8")
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-default-apps", "--disable-extensions", f"--user-data-dir={tmp_path / 'profile'}",
           f"--window-size={width},900", "--virtual-time-budget=15000", "--dump-dom", page.as_uri()]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-2000:]
    m = re.search(r'<pre id="probe-result">(.*?)</pre>', run.stdout, re.S)
    assert m, f"probe did not report; Chromium stderr: {run.stderr[-1500:]}"
    text = m.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return json.loads(text)


def check_drawn(result: dict[str, Any], expected_ids: list[str]) -> None:
    charts = result["charts"]
    assert result["errors"] == []
    assert result["violations"] == [], "the page tried to load something from outside the file"
    assert [r for r in result["resources"] if not r.startswith(("data:", "blob:"))] == []
    assert sorted(charts) == sorted(expected_ids)
    for cid, c in charts.items():
        assert c["plotted"] and c["svgs"] >= 1 and c["traces"] >= 1, (cid, c)
        assert c["width"] > 300 and c["height"] > 150, (cid, c)


@pytest.fixture(scope="module")
def baseline_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, Path, str]:
    return write_baseline_report(tmp_path_factory.mktemp("browser"))


def test_baseline_report_draws_map_and_every_chart(baseline_report, tmp_path):
    s, path, html = baseline_report
    ids = chart_ids(html)
    assert {"chart-map", "chart-capacity-demand", "chart-sim-transit-range", "chart-sim-waiting"} <= set(ids)
    assert any(i.startswith("chart-tcd-") for i in ids)
    result = probe(path, tmp_path)
    check_drawn(result, ids)
    m = result["charts"]["chart-map"]
    # two filled outline traces (corridor and other countries), each with thousands of vertices
    assert len(m["fill_path_chars"]) >= 2 and min(m["fill_path_chars"]) > 5000
    # every link and sea service is drawn as its own line
    drawn = {name: chars for name, chars in m["drawn_lines"]}
    for eid in [*s.links.index, *s.services.index]:
        assert drawn.get(eid, 0) > 10, eid
    assert "chart-map-caspian" in result["charts"]


def test_mini_report_draws_offline(tmp_path):
    s = Scenario.from_dict(mini_dict())
    path = tmp_path / "mini.html"
    html = build_report(s)
    path.write_text(html, encoding="utf-8")
    result = probe(path, tmp_path)
    check_drawn(result, chart_ids(html))
    drawn = {name: chars for name, chars in result["charts"]["chart-map"]["drawn_lines"]}
    assert all(drawn.get(eid, 0) > 10 for eid in [*s.links.index, *s.services.index])


def test_plan_section_draws_every_chart(tmp_path):
    from plan_fixture import write_plan_fixture

    s = Scenario.from_dict(mini_dict())
    html = build_report(s, plan_result_dir=write_plan_fixture(tmp_path / "plan", s))
    path = tmp_path / "plan.html"
    path.write_text(html, encoding="utf-8")
    ids = chart_ids(html)
    plan_ids = ["chart-plan-gantt", "chart-plan-years", "chart-plan-capex", "chart-plan-npv",
                "chart-plan-elements"]
    assert set(plan_ids) <= set(ids)
    result = probe(path, tmp_path)
    check_drawn(result, ids)
    assert result["charts"]["chart-plan-gantt"]["points"] >= 5  # a bar per project at least
    lines = dict(result["charts"]["chart-plan-elements"]["drawn_lines"])
    assert len(lines) == 3 and all(chars > 10 for chars in lines.values())


LABEL_PROBE = """<script>
window.addEventListener('load', function () {
  setTimeout(function () {
    var maps = {};
    ['chart-map', 'chart-map-caspian'].forEach(function (id) {
      var gd = document.getElementById(id);
      if (!gd) { return; }
      maps[id] = Array.prototype.map.call(
        gd.querySelectorAll('.scatterlayer .textpoint text, .annotation-text-g text'), function (t) {
          var r = t.getBoundingClientRect();
          return [t.textContent, r.left, r.top, r.right, r.bottom];
        }).filter(function (b) { return b[0] && b[3] > b[1]; });
    });
    var out = document.createElement('pre');
    out.id = 'probe-result';
    out.textContent = JSON.stringify({maps: maps, width: window.innerWidth});
    document.body.appendChild(out);
  }, 1500);
});
</script>"""


def test_map_labels_do_not_overlap_at_1400px_and_name_every_seaport(tmp_path):
    from transcaspian.report.map import short_names

    s = load_scenario("baseline-2024")
    path = tmp_path / "report.html"
    path.write_text(build_report(s), encoding="utf-8")
    result = probe(path, tmp_path, LABEL_PROBE, width=1400)
    assert result["width"] == 1400
    shorts = short_names(s.nodes)
    ports = {shorts[str(i)] for i in s.nodes.index[s.nodes["kind"] == "seaport"]}
    assert set(result["maps"]) == {"chart-map", "chart-map-caspian"}
    for chart, boxes in result["maps"].items():
        texts = [b[0] for b in boxes]
        assert len(texts) == len(set(texts)), (chart, texts)
        for (ta, *a), (tb, *b) in itertools.combinations(boxes, 2):
            # text boxes may touch (0.5 px of font side bearing) but never overlap
            apart = a[2] - 0.5 <= b[0] or b[2] - 0.5 <= a[0] or a[3] - 0.5 <= b[1] or b[3] - 0.5 <= a[1]
            assert apart, (chart, ta, a, tb, b)
        if chart == "chart-map":
            assert ports <= set(texts), ports - set(texts)
    # the Caspian close-up names the ports of every crossing
    assert {"Aktau", "Kuryk", "Turkmenbashi", "Alat"} <= {b[0] for b in result["maps"]["chart-map-caspian"]}


PRINT_PROBE = """<script>
window.addEventListener('load', function () {
  setTimeout(function () {
    function boxes(gd) {
      return Array.prototype.map.call(
        gd.querySelectorAll('.scatterlayer .textpoint text, .annotation-text-g text'), function (t) {
          var r = t.getBoundingClientRect();
          return [t.textContent, r.left, r.top, r.right, r.bottom];
        }).filter(function (b) { return b[0] && b[3] > b[1]; });
    }
    function height(id) { return document.getElementById(id).getBoundingClientRect().height; }
    var ids = ['chart-map', 'chart-map-caspian'], out = {screen: {}, paper: {}, back: {}, maps: {}};
    ids.forEach(function (id) { out.screen[id] = height(id); });
    window.dispatchEvent(new Event('beforeprint'));
    setTimeout(function () {
      ids.forEach(function (id) {
        var gd = document.getElementById(id);
        out.paper[id] = height(id); out.maps[id] = boxes(gd);
        out[id + '_meta'] = gd.layout.meta.print_height_px;
      });
      window.dispatchEvent(new Event('afterprint'));
      setTimeout(function () {
        ids.forEach(function (id) { out.back[id] = height(id); });
        var pre = document.createElement('pre');
        pre.id = 'probe-result';
        pre.textContent = JSON.stringify(out);
        document.body.appendChild(pre);
      }, 500);
    }, 500);
  }, 1500);
});
</script>"""


def test_map_labels_are_placed_again_for_paper(tmp_path):
    """In a window as wide as the A4 page, ``beforeprint`` redraws each map at its print height
    (the extent's height at the page's width) with labels placed for that size: no place name
    overlaps another or a country name, and every seaport of the corridor map is named;
    ``afterprint`` restores the screen size."""
    from transcaspian.report.map import caspian_extent, map_extent, print_height, short_names
    from transcaspian.report.page import PAGE

    s = load_scenario("baseline-2024")
    path = tmp_path / "report.html"
    path.write_text(build_report(s), encoding="utf-8")
    result = probe(path, tmp_path, PRINT_PROBE, width=PAGE.print_width_px)
    expected = {"chart-map": print_height(map_extent(s), 560),
                "chart-map-caspian": print_height(caspian_extent(s), 520)}
    assert expected["chart-map"] < 560                     # paper no longer keeps the screen height
    for chart, tall in expected.items():
        assert result[f"{chart}_meta"] == tall
        assert result["paper"][chart] == pytest.approx(tall, abs=1)
        assert result["back"][chart] == pytest.approx(result["screen"][chart], abs=1)
        boxes = result["maps"][chart]
        for (ta, *a), (tb, *b) in itertools.combinations(boxes, 2):
            if ta.isupper() and tb.isupper():
                continue   # two faint country names (fixed, not placed) may touch on a small map
            apart = a[2] - 0.5 <= b[0] or b[2] - 0.5 <= a[0] or a[3] - 0.5 <= b[1] or b[3] - 0.5 <= a[1]
            assert apart, (chart, ta, a, tb, b)
    shorts = short_names(s.nodes)
    ports = {shorts[str(i)] for i in s.nodes.index[s.nodes["kind"] == "seaport"]}
    assert ports <= {b[0] for b in result["maps"]["chart-map"]}
