"""The HTML report: contents traced to the engines, offline rule, CLI overwrite rules, sim input."""

from __future__ import annotations

import json
import os
import re
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
import report_helpers
from report_helpers import chart_ids, external_loads, mini_dict, table_rows, write_sim_folder
from typer.testing import CliRunner

from transcaspian import __version__
from transcaspian.analysis import capacity
from transcaspian.analysis.indicators import grouped_bottlenecks, map_element_utilisation
from transcaspian.analysis.labels import short_names
from transcaspian.analysis.references import fitting_references
from transcaspian.cli import register_all
from transcaspian.model import Scenario, load_scenario
from transcaspian.model.results import MARKER, Result
from transcaspian.report import build_report
from transcaspian.report.build import GENERATOR
from transcaspian.report.labels import via_text
from transcaspian.report.map import NO_DATA_COLOR, corridor_map, outlines, util_color
from transcaspian.report.sections.itineraries import main_corridors

app = register_all()
runner = CliRunner()
ASSETS = Path(__file__).parents[1] / "transcaspian" / "report" / "assets"


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def mini() -> Scenario:
    return Scenario.from_dict(mini_dict())


@pytest.fixture(scope="module")
def mini_html(mini: Scenario) -> str:
    return build_report(mini)


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario("baseline-2024")


@pytest.fixture(scope="module")
def baseline_html() -> str:
    return report_helpers.baseline_html()  # built once per session




# -- outlines --------------------------------------------------------------------------------------
def test_outlines_are_small_clipped_and_documented():
    path = ASSETS / "countries.geojson"
    assert path.stat().st_size < 300_000
    gj = outlines()
    codes = {f["properties"]["iso_a2"] for f in gj["features"]}
    assert {"CN", "KZ", "RU", "TM", "AZ", "GE", "AM", "TR", "IR", "RO", "BG", "UA"} <= codes
    lon0, lat0, lon1, lat1 = gj["bbox"]
    for f in gj["features"]:
        polys = ([f["geometry"]["coordinates"]] if f["geometry"]["type"] == "Polygon"
                 else f["geometry"]["coordinates"])
        for poly in polys:
            for ring in poly:
                assert ring[0] == ring[-1] and len(ring) >= 4
                for x, y in ring:
                    assert lon0 <= x <= lon1 and lat0 <= y <= lat1
                    assert round(x, 2) == x and round(y, 2) == y
    readme = (ASSETS / "README.md").read_text()
    assert "Natural Earth" in readme and "public domain" in readme and "world-atlas" in readme
    assert "2.0.2" in readme


# -- map ----------------------------------------------------------------------------------------------
def test_map_colours_elements_by_utilisation(mini):
    fig = corridor_map(mini, {"xian-dostyk": 0.25, "f1": 1.4})
    elements = set(mini.links.index) | set(mini.services.index)
    lines = {t.name: t.line.color for t in fig.data if t.name in elements}
    assert set(lines) == elements
    assert lines["xian-dostyk"] == util_color(0.25)
    assert lines["f1"] == util_color(1.0) == util_color(1.4)  # full and over-full are both red
    assert lines["alat-tbilisi"] == NO_DATA_COLOR
    assert util_color(0.0) != util_color(0.9)
    hover = next(t for t in fig.data if t.name == "elements").text
    assert any("xian-dostyk: 25% used" in h for h in hover)
    assert any("alat-tbilisi: no capacity figure" in h for h in hover)


def test_short_names_drop_generic_words_and_never_collide():
    nodes = pd.DataFrame({"name": ["Port of Baku (Alat)", "Baku (city freight stations)",
                                   "Aktau sea trade port", "Kuryk ferry complex", "Tbilisi junction"]},
                         index=["alat", "baku", "aktau", "kuryk", "tbilisi"])
    assert short_names(nodes) == {"alat": "Alat", "baku": "Baku", "aktau": "Aktau", "kuryk": "Kuryk",
                                  "tbilisi": "Tbilisi"}


def test_via_names_borders_and_sea_crossings(mini):
    from transcaspian.analysis import QuoteOptions, quote

    legs = quote(mini, QuoteOptions.build(origin="xian", destination="constanta", cargo="1 FEU"))["legs"]
    assert via_text(mini, legs[legs["option"] == "opt1"]) == (
        "Dostyk – Aktau → Alat by container feeder – Poti → Constanta by Black Sea feeder")


def test_map_utilisation_from_capacity_result(mini):
    cap = capacity(mini)
    util = map_element_utilisation(mini, cap)
    u = cap["utilisation"]
    for lid in mini.links.index:
        assert util[lid] == pytest.approx(u.loc[u["element_id"] == lid, "utilisation"].max())
    # a service takes the busiest of its vessel classes and sailings limits
    v1 = u.loc[u["element_id"] == "v1", "utilisation"].max()
    assert util["f1"] == pytest.approx(v1)
    assert util["dostyk"] == pytest.approx(u.loc[u["element_id"] == "dostyk", "utilisation"].max())


# -- contents ----------------------------------------------------------------------------------------
def test_header_and_footer_carry_name_hash_version(mini, mini_html):
    html = mini_html
    assert f'<meta name="generator" content="{GENERATOR}">' in html
    assert f'<meta name="transcaspian-scenario-hash" content="{mini.hash}">' in html
    assert re.search(r'<dd id="meta-scenario">(.*?)</dd>', html).group(1) == mini.name
    assert re.search(r'<dd id="meta-hash" title="([0-9a-f]{64})">', html).group(1) == mini.hash
    assert re.search(r'<code id="footer-hash">(.*?)</code>', html).group(1) == mini.hash
    assert re.search(r'<dd id="meta-version">(.*?)</dd>', html).group(1) == __version__
    assert "<title>Mini corridor (test)" in html


def test_sources_table_lists_every_source(mini, mini_html):
    rows = table_rows(mini_html, "sources-table")
    src = mini.sources
    assert len(rows) == len(src)
    by_id = {r[0]: r for r in rows}
    for sid, s in src.iterrows():
        assert by_id[sid][1] == s["title"] and by_id[sid][2] == str(s["year"])
        assert by_id[sid][4] == s["url"]
    # s2 backs the two Georgian rail links (4 numbers each), the Black Sea service (2), its
    # vessel (6), two berths (2 each), three tariffs (1 each) and the Suez reference (5)
    assert by_id["s2"][3] == "28"


def test_sources_are_collapsed_links_with_a_count(mini, mini_html):
    sec = re.search(r'<section id="sources">(.*?)</section>', mini_html, re.S).group(1)
    assert '<details class="collapsible"><summary>2 sources (2 backing figures)' in sec
    for url in mini.sources["url"]:
        assert f'<a href="{url}" rel="noopener" target="_blank">{url}</a>' in sec
    from transcaspian.report.html import link

    assert str(link('https://x.org/"><script>')) == (
        '<a href="https://x.org/&#34;&gt;&lt;script&gt;" rel="noopener" target="_blank">'
        'https://x.org/&#34;&gt;&lt;script&gt;</a>')
    assert "<a" not in str(link("javascript:alert(1)"))


def test_bottleneck_table_holds_every_ranked_element(mini, mini_html):
    b = grouped_bottlenecks(mini, capacity(mini))
    rows = table_rows(mini_html, "bottlenecks-table")
    assert len(rows) == len(b)
    assert [r[0] for r in rows] == [str(k) for k in b["rank"]]
    assert [r[2] for r in rows] == list(b["element_id"])
    assert [r[5] for r in rows] == [f"{u * 100:.0f}%" for u in b["utilisation"]]
    assert [r[9] == "yes" for r in rows] == list(b["binding"].astype(bool))


def test_capacity_against_demand_by_commodity_and_direction(mini, mini_html):
    """Demand and served per group from the flows; the own maximum column is the LP's
    figure alone (commodity_maxima), at least the served tonnes."""
    from transcaspian.analysis.capacity import commodity_maxima

    cap = capacity(mini)
    flows = cap["flows"]
    rows = table_rows(mini_html, "capacity-demand-table")
    maxima = commodity_maxima(mini, cap).set_index(["commodity", "direction"])
    got = {(r[0], r[1]): r for r in rows}
    for (com, direction), g in flows.groupby(["commodity", "direction"]):
        r = got[(com, direction)]
        assert r[2] == f"{g['demand_t'].sum():,.0f}"
        assert r[3] == f"{g['served_t'].sum():,.0f}"
        own = maxima.loc[(com, direction), "max_t"]
        assert r[4] == f"{own:,.0f}" and own >= g["served_t"].sum() - 1e-6
    assert "chart-capacity-demand" in chart_ids(mini_html)


def test_headline_states_multiplier_and_first_bottleneck(mini, mini_html):
    cap = capacity(mini)
    lam = float(cap["summary"]["demand_multiplier"].iloc[0])
    headline = re.search(r'<section id="summary">(.*?)</section>', mini_html, re.S).group(1)
    assert f"{lam:.2f}" in headline
    first = grouped_bottlenecks(mini, cap).iloc[0]["name"]
    assert f"before the first element binds: the {first} towards" in unescape(headline)


def test_itineraries_have_tcd_charts_and_reference_routes(baseline, baseline_html):
    ids = chart_ids(baseline_html)
    tcd = [i for i in ids if i.startswith("chart-tcd-")]
    assert len(tcd) >= 1
    rows = table_rows(baseline_html, "references-table")
    names = " ".join(r[0] for r in rows)
    main = main_corridors(baseline)[0]          # Xi'an -> Constanta: the China -> Europe references
    fitting = fitting_references(baseline, main.origin, main.destination)
    assert [r.id for r in fitting] == ["ref-northern-rail", "ref-sea-suez", "ref-sea-cape"]
    for ref in fitting:
        assert ref.name in names
    assert len(rows) == 1 + len(fitting)
    assert "chart-references" in ids


def test_baseline_report_traces_to_its_engines(baseline, baseline_html):
    html = baseline_html
    assert re.search(r'<dd id="meta-hash" title="([0-9a-f]{64})">', html).group(1) == baseline.hash
    sources = table_rows(html, "sources-table")
    assert sorted(r[0] for r in sources) == sorted(baseline.sources.index)
    cap = capacity(baseline)
    rows = table_rows(html, "bottlenecks-table")
    assert [r[2] for r in rows] == list(grouped_bottlenecks(baseline, cap)["element_id"])
    lam = float(cap["summary"]["demand_multiplier"].iloc[0])
    assert f"{lam:.2f}×" in html
    assert {"chart-map", "chart-map-caspian", "chart-utilisation", "chart-capacity-demand",
            "chart-references"} <= set(chart_ids(html))


def test_baseline_report_is_offline_and_reasonably_small(baseline_html):
    problems, anchors = external_loads(baseline_html)
    assert problems == []
    # the contents bar's in-page links, and the sources' citation links (http(s) only)
    assert all(a.startswith(("#", "https://", "http://")) for a in anchors)
    assert baseline_html.count("<script") - baseline_html.count("<script>") >= 0
    assert len(baseline_html.encode()) < 8_000_000
    # plotly.js is embedded exactly once
    assert baseline_html.count("Plotly.newPlot") >= len(chart_ids(baseline_html))
    assert baseline_html.count("plotly.js v") <= 2


def test_offline_rule_catches_loads(mini_html):
    for bad in ('<img src="https://example.org/a.png">', '<script src="x.js"></script>',
                '<link rel="stylesheet" href="https://cdn.example.org/s.css">',
                "<style>@import 'https://x/y.css';</style>",
                '<div style="background: url(https://x/y.png)"></div>',
                '<script>fetch("data.json")</script>'):
        problems, _ = external_loads(mini_html.replace("</main>", bad + "</main>"))
        assert problems, bad
    _, anchors = external_loads(mini_html.replace("</main>", '<a href="https://example.org">x</a></main>'))
    assert "https://example.org" in anchors  # a citation link is navigation, reported not refused


# -- simulation result ----------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_sim_result_adds_transit_distributions_and_waiting(mini, tmp_path, fmt):
    sim = write_sim_folder(mini, tmp_path / "sim", fmt=fmt)
    html = build_report(mini, sim_result_dir=tmp_path / "sim")
    ids = chart_ids(html)
    assert {"chart-sim-transit-range", "chart-sim-transit-hist", "chart-sim-waiting"} <= set(ids)
    rows = table_rows(html, "sim-transit-table")
    tt = sim["transit_times"]
    assert len(rows) == len(tt)
    assert [r[3] for r in rows] == [f"{u:,.0f}" for u in tt["units"]]
    assert [r[5] for r in rows] == [f"{h / 24:.1f}" for h in tt["p50_h"]]
    assert [r[6] for r in rows] == [f"{h / 24:.1f}" for h in tt["p90_h"]]
    wrows = table_rows(html, "sim-waiting-table")
    w = sim["waiting_by_node"].sort_values("tonne_hours_waited", ascending=False)
    assert [r[1] for r in wrows] == list(w["node"])
    assert [r[3] for r in wrows] == [f"{t:,.0f}" for t in w["tonne_hours_waited"]]
    assert [r[5] for r in wrows] == [f"{s * 100:.0f}%" for s in w["share_of_total"]]
    assert "seed 7" in html and "3 × 1 yr" in html
    assert external_loads(html)[0] == []


def test_report_reads_a_real_simulation_folder(mini, tmp_path):
    from transcaspian.sim import simulate

    res = simulate(mini, {"years": 0.25, "replications": 2, "seed": 3, "workers": 1})
    res.write(tmp_path / "sim", "parquet")
    path = tmp_path / "mini.yaml"
    path.write_text(json.dumps(mini_dict()))
    out = tmp_path / "r.html"
    r = run("report", str(path), "--sim", str(tmp_path / "sim"), "-o", str(out))
    assert r.exit_code == 0, r.output
    html = out.read_text()
    rows = table_rows(html, "sim-transit-table")
    tt = res["transit_times"]
    assert [r[5] for r in rows] == [f"{h / 24:.1f}" for h in tt["p50_h"]]
    w = res["waiting_by_node"]
    wrows = table_rows(html, "sim-waiting-table")
    assert [r[1] for r in wrows] == list(w["node"])
    assert "seed 3" in html
    # tonne-hours are conserved: the rows' figures add up to the result's, and each node's
    # mean wait per tonne x its tonnes is its tonne-hours; the shares of that total add to 1
    shown = sum(float(r[3].replace(",", "")) for r in wrows)
    assert shown == pytest.approx(w["tonne_hours_waited"].sum(), abs=len(w))
    assert w["share_of_total"].sum() == pytest.approx(1.0)
    assert (w["wait_h_mean_per_unit"] * w["tonnes_queued"]).tolist() == pytest.approx(
        w["tonne_hours_waited"].tolist())
    from transcaspian.report.figures import waiting_figure

    bars = waiting_figure(w, mini.nodes).data[0]
    top = w[w["share_of_total"] >= 0.001].head(25).iloc[::-1]
    assert list(bars.x) == pytest.approx(list(top["tonne_hours_waited"] / 1e3))
    assert list(bars.text) == [f"{v / 1e3:,.0f} kt·h ({s:.0%})"
                            for v, s in zip(top["tonne_hours_waited"], top["share_of_total"], strict=True)]


def test_waiting_table_sums_no_handling_units(mini, tmp_path):
    """TEU, wagons and tonnes of oil do not add: every column of the waiting table is per tonne,
    in tonnes or a share of tonne-hours, and says so in its header."""
    write_sim_folder(mini, tmp_path / "sim")
    html = build_report(mini, sim_result_dir=tmp_path / "sim")
    table = re.search(r'<table class="data" id="sim-waiting-table">.*?</thead>', html, re.S).group(0)
    heads = [unescape(x) for x in re.findall(r"<th(?: [^>]*)?>(.*?)</th>", table)]
    assert heads == ["node", "id", "mean wait per tonne (h)", "tonne-hours waited (t·h/yr)",
                     "tonnes queued (t/yr)", "share of all tonne-hours (%)"]
    assert not any("unit" in x for x in heads)


def test_sim_result_of_another_scenario_is_refused(mini, tmp_path):
    write_sim_folder(mini, tmp_path / "sim", scenario_hash="0" * 64)
    path = tmp_path / "mini.yaml"
    path.write_text(json.dumps(mini_dict()))
    r = run("report", str(path), "--sim", str(tmp_path / "sim"), "-o", str(tmp_path / "r.html"))
    assert r.exit_code == 2
    assert "hash 000000000000" in r.output and mini.hash[:12] in r.output
    assert "Traceback" not in r.output
    assert not (tmp_path / "r.html").exists()


def test_sim_folder_problems_are_reported(mini, tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(json.dumps(mini_dict()))
    out = str(tmp_path / "r.html")
    r = run("report", str(path), "--sim", str(tmp_path / "nowhere"), "-o", out)
    assert r.exit_code == 2 and "no such folder" in r.output
    sim = write_sim_folder(mini, tmp_path / "sim")
    # a table written without a declared column, and a required table missing
    Result(sim.meta, {"transit_times": sim["transit_times"].drop(columns=["p95_h"])}).write(tmp_path / "sim")
    r = run("report", str(path), "--sim", str(tmp_path / "sim"), "-o", out)
    assert r.exit_code == 2
    assert "missing table 'waiting_by_node'" in r.output and "lacks column(s) p95_h" in r.output
    # a file changed after the result was written: the folder is no longer a result
    write_sim_folder(mini, tmp_path / "sim")
    df = pd.read_csv(tmp_path / "sim" / "transit_times.csv").drop(columns=["p95_h"])
    df.to_csv(tmp_path / "sim" / "transit_times.csv", index=False)
    r = run("report", str(path), "--sim", str(tmp_path / "sim"), "-o", out)
    assert r.exit_code == 2 and "transit_times.csv missing or changed" in r.output
    (tmp_path / "sim" / MARKER).unlink()
    r = run("report", str(path), "--sim", str(tmp_path / "sim"), "-o", out)
    assert r.exit_code == 2 and f"no {MARKER}" in r.output
    assert not Path(out).exists()


# -- CLI ---------------------------------------------------------------------------------------------------
def test_cli_writes_report_and_overwrite_rules(mini, tmp_path):
    scen = tmp_path / "mini.yaml"
    scen.write_text(json.dumps(mini_dict()))
    out = tmp_path / "out" / "report.html"
    r = run("report", str(scen), "-o", str(out))
    assert r.exit_code == 0, r.output
    assert "report written" in r.output and "report.html" in r.output
    first = out.read_text()
    assert mini.hash in first
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # like any file the user writes, not 0600
    # a previous report is replaced without --force
    r = run("report", str(scen), "-o", str(out))
    assert r.exit_code == 0
    # a file that is not one of our reports is kept unless --force
    other = tmp_path / "notes.html"
    other.write_text("<!DOCTYPE html><p>my notes</p>")
    r = run("report", str(scen), "-o", str(other))
    assert r.exit_code == 2 and "not a transcaspian report" in r.output and "--force" in r.output
    assert other.read_text() == "<!DOCTYPE html><p>my notes</p>"
    r = run("report", str(scen), "-o", str(other), "--force")
    assert r.exit_code == 0 and mini.hash in other.read_text()
    # not an .html name, or a folder: refused even with --force
    data = tmp_path / "data.csv"
    data.write_text("a,b\n")
    r = run("report", str(scen), "-o", str(data), "--force")
    assert r.exit_code == 2 and "does not end in .html" in r.output and data.read_text() == "a,b\n"
    (tmp_path / "dir.html").mkdir()
    r = run("report", str(scen), "-o", str(tmp_path / "dir.html"), "--force")
    assert r.exit_code == 2 and "is a folder" in r.output
    # nothing half-written is left behind
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".tmp-")]


def test_cli_bad_scenario_exits_2_without_traceback(tmp_path):
    r = run("report", "no-such-scenario", "-o", str(tmp_path / "r.html"))
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert not (tmp_path / "r.html").exists()


def test_help():
    r = run("report", "--help")
    assert r.exit_code == 0 and "--sim" in r.output and "--force" in r.output


def test_summary_states_the_applied_projects_and_their_capex():
    from transcaspian.analysis.indicators import applied_projects

    s = load_scenario("target-2030")
    p = applied_projects(s)
    by_id = {x.id: x for x in s.doc.projects}
    assert list(p["project"]) == list(s.doc.applied_projects)
    assert p["capex_musd"].sum() == pytest.approx(sum(by_id[i].capex_musd for i in s.doc.applied_projects))
    html = build_report(s)
    headline = unescape(re.search(r'<section id="summary">(.*?)</section>', html, re.S).group(1))
    total = p["capex_musd"].sum() / 1000
    assert f"applies 15 projects with a capital cost of {total:,.1f} bn USD" in headline
    assert "Divrigi" in headline and "paid by Turkiye" in headline


def test_gain_text_never_rounds_a_positive_gain_to_zero():
    from transcaspian.report.sections.bottlenecks import gain_text

    assert gain_text(0.00004, 0.0) == "multiplier +4e-05"
    assert gain_text(0.005611, 3582.9) == "multiplier +0.0056, +3,583 t/yr served"
    assert gain_text(0.0, 0.0) == "–"
