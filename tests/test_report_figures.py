"""The report's figures (one module, one palette) and HTML escaping of scenario text."""

from __future__ import annotations

import json
import re

import plotly.graph_objects as go
import pytest
from report_helpers import external_loads, mini_dict
from test_quote import corridor

from transcaspian.analysis import QuoteOptions, TcdOptions, capacity, quote, time_cost_distance
from transcaspian.model import Scenario
from transcaspian.report import build_report, figures

R1 = ["o", "b", "p1", "p2", "d"]
BAD = '<script>alert(1)</script>"onload='


def test_figure_builders_draw_engine_tables():
    s = corridor()
    r = time_cost_distance(s, TcdOptions.build(nodes=R1, cargo="2 FEU"))
    fig = figures.tcd_figure(s, r["tcd"], "o → d")
    assert isinstance(fig, go.Figure)
    xs = [x for t in fig.data for x in t.x]
    assert max(xs) == 1600  # cumulative distance of the itinerary
    cap = capacity(s)
    b = cap["bottlenecks"]
    assert list(figures.bottleneck_figure(b).data[0].y) == list(b["gain_multiplier_per_1pct"].head(10))
    q = quote(s, QuoteOptions.build(origin="o", destination="d", cargo="2 FEU", k=2))
    fig = figures.quote_comparison_figure(q["options"])
    assert len(fig.data) == 3 and list(fig.data[0].y) == list(q["options"]["transit_days"])
    speeds = figures.cpmm_speed_figure(r["sections"]).data[1].y
    assert list(speeds) == list(r["sections"]["speed_with_delay_kmh"])
    assert list(figures.border_time_figure(r["borders"]).data[0].y) == list(r["borders"]["dwell_h"])
    colours = {c for f in (figures.cpmm_speed_figure(r["sections"]), figures.border_time_figure(r["borders"]))
               for t in f.data for c in [t.marker.color]}
    assert colours <= set(figures.PALETTE.values())


def _markup_scenario() -> Scenario:
    d = mini_dict()
    d["title"] = BAD + "title"
    d["description"] = BAD + "description"
    d["tonnage_definition"] = BAD + "tonnage"
    for comp in ("nodes", "links", "services", "vessels", "commodities", "references"):
        for i, c in enumerate(d.get(comp, [])):
            c["name"] = f"{BAD}{comp}{i}"
    for r in d["references"]:
        r["via"], r["origin"], r["destination"] = BAD + "via", BAD + "from", BAD + "to"
    for sref in d["sources"]:
        sref["title"], sref["note"], sref["url"] = BAD + "source", BAD + "note", "https://x.org/" + BAD
    return Scenario.from_dict(d)


def _decoded(html: str) -> str:
    """The page with plotly's JSON string escapes undone, so markup hidden in figure data shows."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html).replace('\\"', '"')


@pytest.fixture(scope="module")
def markup_html() -> str:
    return build_report(_markup_scenario())


def test_scenario_names_with_markup_are_escaped_everywhere(markup_html):
    html = markup_html
    decoded = _decoded(html)
    for page in (html, decoded):
        assert "<script>alert" not in page  # short labels drop the "(1)"
        assert '"onload=' not in page
    # the names are shown, escaped: in HTML tables and text, and in figure labels
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;onload=nodes0" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;onload=nodes0" in decoded  # plotly labels
    for what in ("title", "description", "tonnage", "source", "note", "links0", "services0",
                 "commodities0", "references0", "via"):
        assert f"onload={what}" in html, what
    problems, anchors = external_loads(html)
    # in-page anchors and the sources' citation links (navigation, never a script URL)
    assert problems == [] and all(a.startswith(("#", "https://", "http://")) for a in anchors)
    scripts = re.findall(r"<script[^>]*>", html)
    assert set(scripts) <= {"<script>", '<script type="text/javascript">'}  # no script from the data


def test_escaped_figure_text_round_trips_through_plotly_json(markup_html):
    blobs = re.findall(r'Plotly\.newPlot\(\s*"chart-map",\s*(\[.*?\]),\s*\{', markup_html, re.S)
    assert blobs
    traces = json.loads(blobs[0])
    texts = [t for tr in traces for t in (tr.get("text") or []) if isinstance(t, str)]
    assert any("&lt;script&gt;" in t for t in texts)
    assert not any("<script" in t for t in texts)


def test_indicators_of_a_capacity_result():
    from transcaspian.analysis.indicators import map_utilisation, multiplier

    s = corridor()
    cap = capacity(s)
    assert multiplier(cap) == float(cap["summary"]["demand_multiplier"].iloc[0])
    u = map_utilisation(s, cap)
    assert len(u) == len(cap["utilisation"])
    services = dict(zip(s.vessels.index, s.vessels["service"], strict=True))
    vessels = u[u["element_type"] == "vessel"]
    assert list(vessels["map_element"]) == [services[v] for v in vessels["element_id"]]
    berths = u[u["element_type"] == "berth"]
    assert list(berths["map_element"]) == list(berths["from_node"])
