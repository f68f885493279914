"""The executive summary and the bottleneck rows a person names (issue 11): one row per sea
service and direction, elements by name and never by id, the corridor's CO2e, what to do next."""

from __future__ import annotations

import re
from html import unescape

import pytest

from transcaspian.analysis import capacity
from transcaspian.analysis.compare import compare
from transcaspian.analysis.emissions import corridor_emissions, corridor_totals
from transcaspian.analysis.indicators import grouped_bottlenecks
from transcaspian.analysis.labels import element_label
from transcaspian.model import Scenario, load_scenario
from transcaspian.report.sections.itineraries import run_quotes
from transcaspian.report.sections.summary import headline_section

COMPONENTS = ("nodes", "links", "services", "vessels", "berths", "projects", "routes", "demand",
              "tariffs", "emission_factors", "weather", "references", "sources")


@pytest.fixture(scope="module")
def baseline() -> tuple[Scenario, object]:
    s = load_scenario("baseline-2024")
    return s, capacity(s)


def summary_text(s: Scenario, cap=None) -> str:
    cap = cap if cap is not None else capacity(s)
    sec = headline_section(s, cap, run_quotes(s, cap, n=1, k=1), None)
    return sec.title + "\n" + unescape(re.sub(r"<[^>]+>", " ", str(sec.html)))


def component_ids(s: Scenario) -> set[str]:
    ids = {str(i) for name in COMPONENTS for i in getattr(s, name).index}
    return ids | {p.id for p in s.doc.payers}


def ids_in(text: str, ids: set[str]) -> list[str]:
    """Ids that stand in ``text`` as words (hyphens and letters around them break a match)."""
    return sorted(i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text))


def test_grouped_table_has_one_row_per_service_and_direction(baseline):
    s, cap = baseline
    b, g = cap["bottlenecks"], grouped_bottlenecks(s, cap)
    v = b[b["element_type"] == "vessel"]
    service = s.vessels["service"]
    wanted = {(service[e], d) for e, d in zip(v["element_id"], v["direction"], strict=True)}
    rows = g[g["element_type"] == "sea_service"]
    got = list(zip(rows["element_id"], rows["direction"], strict=True))
    assert len(got) == len(set(got)) and set(got) == wanted
    assert "vessel" not in set(g["element_type"])
    # every other row of the engine is kept as it is, and the rank runs 1..n in the engine's order
    assert len(g) == len(b) - len(v) + len(wanted)
    assert list(g["rank"]) == list(range(1, len(g) + 1))
    assert g.iloc[0]["members"].split(", ")[0] == b.iloc[0]["element_id"]


def test_kuryk_services_list_their_classes(baseline):
    s, cap = baseline
    g = grouped_bottlenecks(s, cap)
    kuryk = s.services[s.services["from"] == "kuryk"].index
    assert set(kuryk) == {"ferry-kuryk-alat", "roro-kuryk-alat", "ropax-kuryk-alat"}
    for sid in kuryk:
        vessels = set(s.vessels.index[s.vessels["service"] == sid])
        for _, r in g[g["element_id"] == sid].iterrows():
            assert set(r["members"].split(", ")) == vessels
    ferry = g[(g["element_id"] == "ferry-kuryk-alat") & (g["direction"] == "forward")].iloc[0]
    assert ferry["name"] == "Kuryk–Alat rail ferry (ASCO)"
    # 3 ships of the 50-wagon class and 2 of the Dagestan class sail Kuryk - Alat (the scenario)
    assert ferry["classes"] == "3 × rail ferries (50-wagon class); 2 × Dagestan-class ferry"


def test_group_sums_headroom_and_gains_and_binds_if_any_member_binds(baseline):
    s, cap = baseline
    b, g = cap["bottlenecks"], grouped_bottlenecks(s, cap)
    u = cap["utilisation"]
    for sid, direction in (("ferry-kuryk-alat", "reverse"), ("ferry-aktau-alat", "forward")):
        row = g[(g["element_id"] == sid) & (g["direction"] == direction)].iloc[0]
        members = row["members"].split(", ")
        m = b[b["element_id"].isin(members) & (b["direction"] == direction)]
        assert len(m) == 2
        # headroom by hand: each class's capacity less its load (voyages/yr), summed
        um = u[u["element_id"].isin(members) & (u["direction"] == direction)]
        assert row["headroom"] == pytest.approx(float((um["capacity"] - um["load"]).sum()))
        assert row["headroom"] == pytest.approx(float(m["headroom"].sum()))
        assert row["gain_served_t_per_1pct"] == pytest.approx(float(m["gain_served_t_per_1pct"].sum()))
        assert row["gain_multiplier_per_1pct"] == pytest.approx(float(m["gain_multiplier_per_1pct"].sum()))
        assert row["utilisation"] == pytest.approx(float(m["utilisation"].max()))
        assert bool(row["binding"]) == bool(m["binding"].any())
    # the Kuryk ferry binds towards Alat and not back (its classes are full one way only)
    k = g[g["element_id"] == "ferry-kuryk-alat"].set_index("direction")["binding"]
    assert bool(k["forward"]) and not bool(k["reverse"])


@pytest.mark.parametrize("name", ["baseline-2024", "target-2030"])
def test_executive_summary_names_elements_states_co2e_and_next_steps(name):
    s = load_scenario(name)
    cap = capacity(s)
    text = summary_text(s, cap)
    assert ids_in(text, component_ids(s)) == []
    totals = corridor_totals(corridor_emissions(s, cap["flow_routes"]))
    assert f"{totals['co2e_wtw_t']:,.0f} t CO2e a year well-to-wake" in text
    assert f"{totals['g_co2e_wtw_per_tkm']:.1f} g CO2e per tonne-km" in text
    assert text.startswith("Executive summary") and "What to do next" in text
    g = grouped_bottlenecks(s, cap)
    first = g[g["binding"]].iloc[0]
    assert f"Add capacity to the {first['name']} towards" in text
    served = float(cap["summary"]["served_share"].iloc[0])
    assert served < 1 and f"transcaspian plan {name} --target-mt" in text
    assert "Run a simulation" in text  # no simulation given


def test_no_id_check_would_catch_an_id():
    """The word check of the test above finds an id standing alone, not inside a name."""
    assert ids_in("used at the kuryk-road berths", {"kuryk-road", "kuryk"}) == ["kuryk-road"]
    assert ids_in("Kuryk ro-ro berths", {"kuryk-road", "kuryk"}) == []


def test_overlay_with_its_base_demand_says_so_and_never_matches(baseline):
    base, _ = baseline
    s = Scenario.from_dict({"extends": "baseline-2024", "name": "storm",
                            "patch": {"vessels": [{"id": "asco-ferry-aktau", "count": 2}]}})
    assert s.demand.equals(base.demand) and s.doc.description == base.doc.description
    assert "matches" in base.doc.description  # the base's own text, about the base
    text = summary_text(s)
    assert "matches" not in text
    assert "(the demand of baseline-2024, unchanged by this what-if)" in text
    assert "A what-if on baseline-2024" in text


def test_compare_names_its_bottlenecks_by_the_one_label_rule():
    base, target = load_scenario("baseline-2024"), load_scenario("target-2030")
    b = compare([base, target])["bottlenecks"]
    in_target = set(capacity(target)["bottlenecks"]["element_id"])
    assert len(b)
    for r in b.itertuples():  # named as in the scenario compared, or in the base if gone there
        owner = target if r.element_id in in_target else base
        assert r.name == element_label(owner, r.element_id, r.element_type)
        assert r.name != r.element_id
