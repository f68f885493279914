"""Map label placement: greedy declutter in pixel space, every seaport labelled, sea-service legend."""

from __future__ import annotations

import itertools
import math

import pytest

from transcaspian.model import load_scenario
from transcaspian.report.placement import overlaps, place_labels, slot_box, text_size


def test_text_size_and_slot_boxes_by_hand():
    assert text_size("Kuryk", 10) == (30.0, 12.0)  # 5 chars x 6 px, 1.2 x 10 px high
    # a 30 x 12 box 5 px to the right of (200, 100), vertically centred
    assert slot_box(200, 100, 30, 12, "middle right", 5) == (205, 94.0, 235, 106.0)
    assert slot_box(200, 100, 30, 12, "middle left", 5) == (165, 94.0, 195, 106.0)
    assert slot_box(200, 100, 30, 12, "top center", 5) == (185.0, 83, 215.0, 95)
    assert slot_box(200, 100, 30, 12, "bottom center", 5) == (185.0, 105, 215.0, 117)


def test_two_points_5px_apart_get_non_overlapping_boxes():
    marker = [(x - 4, 96, x + 4, 104) for x in (100, 105)]  # 8 px markers
    a, b = place_labels([(100, 100), (105, 100)], ["Baku", "Alat"], 10, obstacles=marker)
    assert a.box is not None and b.box is not None
    assert not overlaps(a.box, b.box)
    assert not any(overlaps(box, m) for box in (a.box, b.box) for m in marker)
    # Baku (first) takes its first free slot to the right, past Alat's marker: 5 px gap from
    # Baku's point gives x0 = 105, which touches Alat's marker (101..109), so it goes left
    # instead (100 - 5 - 24 = 71 .. 95); Alat then finds the right free (110 .. 134).
    assert a.position == "middle left" and a.box == (71, 94.0, 95, 106.0)
    assert b.position == "middle right" and b.box == (110, 94.0, 134, 106.0)


def test_crowded_labels_use_leaders_or_are_left_off_when_optional():
    pts = [(200.0, 200.0)] * 12
    texts = [f"Port {i}" for i in range(12)]
    req = [True] * 10 + [False] * 2
    out = place_labels(pts, texts, 10, required=req, bounds=(0, 0, 400, 400))
    boxes = [p.box for p in out if p.box is not None]
    assert all(not overlaps(p, q) for p, q in itertools.combinations(boxes, 2))
    assert all(p.box is not None for p in out[:10])  # every required label found a place
    assert {p.position for p in out[:10]} >= {"leader"}  # only 8 slots around one point
    assert all(p.box[0] >= 0 and p.box[2] <= 400 for p in out if p.box)


def test_empty_text_is_left_off_and_country_names_are_obstacles():
    country = (104, 90, 170, 110)  # "GEORGIA" right of the point, over its top and bottom
    out = place_labels([(100, 100), (0, 0)], ["Batumi", ""], 10, obstacles=[country])
    assert out[1].position == "" and out[1].box is None
    assert out[0].position == "middle left" and not overlaps(out[0].box, country)


@pytest.fixture(scope="module")
def baseline():
    return load_scenario("baseline-2024")


def test_every_seaport_is_labelled_on_both_maps(baseline):
    from transcaspian.report.map import caspian_extent, corridor_map, short_names

    shorts = short_names(baseline.nodes)
    ports = [shorts[str(i)] for i in baseline.nodes.index[baseline.nodes["kind"] == "seaport"]]
    assert {"Poti", "Kuryk", "Batumi", "Turkmenbashi"} <= set(ports)
    for extent in (None, caspian_extent(baseline)):
        fig = corridor_map(baseline, extent=extent)
        nodes = next(t for t in fig.data if t.name == "nodes")
        shown = {t for t in nodes.text if t} | {a.text for a in fig.layout.annotations}
        lon0, lat0, lon1, lat1 = extent or (-180, -90, 180, 90)
        inside = [shorts[str(i)] for i, r in baseline.nodes.iterrows() if r["kind"] == "seaport"
                  and lon0 <= r["lon"] <= lon1 and lat0 <= r["lat"] <= lat1]
        assert set(inside) <= shown, set(inside) - shown


def test_sea_service_kinds_have_legend_entries(baseline):
    from transcaspian.report.map import corridor_map

    fig = corridor_map(baseline)
    legend = [t for t in fig.data if t.showlegend]
    kinds = sorted({str(k).replace("_", " ") for k in baseline.services["kind"]})
    assert sorted(t.name for t in legend) == kinds
    # each kind looks different: a distinct (dash, symbol) pair
    looks = {(t.line.dash, t.marker.symbol) for t in legend}
    assert len(looks) == len(kinds)


def test_map_carries_its_paper_layout(baseline):
    """Each map holds, for the print script, its height at the page's width (the extent's
    aspect: 703 px wide leaves 593 px of plot for the corridor's 86.5 degrees of longitude) and
    a second label placement for that size that again names every seaport in view."""
    from transcaspian.report.map import MARGIN, corridor_map, map_extent, print_height, short_names

    lon0, lat0, lon1, lat1 = map_extent(baseline)
    ratio = 1 / math.cos(math.radians((lat0 + lat1) / 2))
    plot_h = 593 * (lat1 - lat0) * ratio / (lon1 - lon0)
    assert print_height(map_extent(baseline), 560) == round(MARGIN["t"] + MARGIN["b"] + 24 + plot_h)
    assert print_height(map_extent(baseline), 100) == 100          # never taller than on screen
    fig = corridor_map(baseline)
    meta = fig.layout.meta
    assert meta["print_height_px"] == print_height(map_extent(baseline), 560)
    p = meta["print_labels"]
    assert fig.data[p["trace"]].name == "nodes"
    assert len(p["text"]) == len(p["textposition"]) == len(baseline.nodes)
    shorts = short_names(baseline.nodes)
    ports = {shorts[str(i)] for i in baseline.nodes.index[baseline.nodes["kind"] == "seaport"]}
    assert ports <= {t for t in p["text"] if t} | {a["text"] for a in p["annotations"]}
    assert p["text"] != list(fig.data[p["trace"]].text)             # placed anew, not a copy
