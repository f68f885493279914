"""The report's "Corridor emissions" and "Method and caveats" sections against their engines."""

from __future__ import annotations

import re
from html import unescape

import pytest
import report_helpers
from report_helpers import table_rows

from transcaspian.analysis import capacity
from transcaspian.analysis.emissions import corridor_emissions, corridor_totals
from transcaspian.model import Scenario, load_scenario
from transcaspian.model.provenance import iter_figures, provenance_counts
from transcaspian.model.results import Result
from transcaspian.report.sections.emissions import emissions_section
from transcaspian.report.sections.method import NOT_MODELLED, method_section


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario("baseline-2024")


@pytest.fixture(scope="module")
def baseline_cap(baseline: Scenario) -> Result:
    return capacity(baseline)


def _n(cell: str) -> float:
    return float(cell.replace(",", ""))


# -- emissions -------------------------------------------------------------------------------------

def test_emissions_total_is_the_corridor_total_and_rows_sum_to_it(baseline, baseline_cap):
    rows = corridor_emissions(baseline, baseline_cap["flow_routes"])
    total = corridor_totals(rows)
    # Oracle values of baseline-2024 (served flows of the capacity LP, ISO 14083 WTW).
    assert total["co2e_wtw_t"] == pytest.approx(544_478, rel=1e-3)
    assert total["g_co2e_wtw_per_tkm"] == pytest.approx(36.3, abs=0.05)
    sec = emissions_section(baseline, baseline_cap)
    assert sec.title == "Corridor emissions"
    table = table_rows(str(sec.html), "emissions-table")
    body, last = table[:-1], table[-1]
    assert last[0] == "total"
    # columns: commodity, t/yr, t-km/yr, WTW t, TTW t, g/t-km
    assert _n(last[1]) == pytest.approx(total["t"], abs=0.5)
    assert _n(last[2]) == pytest.approx(total["tkm"], abs=0.5)
    assert _n(last[3]) == pytest.approx(total["co2e_wtw_t"], abs=0.5)
    assert _n(last[4]) == pytest.approx(total["co2e_ttw_t"], abs=0.5)
    assert _n(last[5]) == pytest.approx(total["g_co2e_wtw_per_tkm"], abs=0.05)
    # one row per served commodity, and the rows (as shown, rounded to 1 t) sum to the total
    assert len(body) == rows["commodity"].nunique()
    for col in (1, 2, 3, 4):
        assert sum(_n(r[col]) for r in body) == pytest.approx(_n(last[col]), abs=len(body))
    # each commodity's intensity is its own WTW / t-km
    by = rows.groupby("commodity")[["co2e_wtw_t", "tkm"]].sum()
    names = baseline.commodities["name"]
    for r in body:
        cid = next(c for c in by.index if str(names.get(c, c)) == r[0])
        assert _n(r[5]) == pytest.approx(by.at[cid, "co2e_wtw_t"] * 1e6 / by.at[cid, "tkm"], abs=0.05)
    text = unescape(re.sub(r"<[^>]+>", " ", str(sec.html)))
    assert "ISO 14083" in text and "served" in text and "not the demand" in text


def test_no_served_cargo_says_so(baseline, baseline_cap):
    empty = Result(tables={**baseline_cap.tables,
                           "flow_routes": baseline_cap["flow_routes"].iloc[0:0]}, meta=baseline_cap.meta)
    sec = emissions_section(baseline, empty)
    assert "No cargo is served" in str(sec.html) and "emissions-table" not in str(sec.html)


# -- the whole report ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def baseline_html() -> str:
    return report_helpers.baseline_html()  # built once per session


def _h2s(html: str) -> list[str]:
    return [unescape(re.sub(r"<[^>]+>", "", t)).strip()
            for t in re.findall(r"<h2[^>]*>(.*?)</h2>", html, re.S)]


def test_report_has_emissions_after_capacity(baseline_html):
    heads = _h2s(baseline_html)
    assert "Corridor emissions" in heads
    assert heads.index("Corridor emissions") == heads.index("Capacity against demand") + 1


def test_provenance_counts_are_the_data_sources_counts(baseline):
    c = provenance_counts(iter_figures(baseline.doc))
    assert (c.total, c.sourced, c.assumptions, c.missing) == (1188, 311, 877, 0)
    assert c.assumption_share == pytest.approx(877 / 1188)


# -- method and caveats ----------------------------------------------------------------------------

def _text(markup: object) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", str(markup))).split())


def test_method_states_the_provenance_counts_of_the_function(baseline, baseline_cap):
    c = provenance_counts(iter_figures(baseline.doc))
    sec = method_section(baseline, baseline_cap)
    assert sec.title == "Method and caveats"
    text = _text(sec.html)
    assert f"Of the scenario's {c.total:,} numeric inputs, {c.sourced:,} cite a source and " \
           f"{c.assumptions:,} ({c.assumptions / c.total * 100:.0f}%) are assumptions" in text
    assert "1,188 numeric inputs, 311 cite a source and 877 (74%)" in text  # the hand count
    rows = table_rows(str(sec.html), "provenance-table")
    assert sum(_n(r[1]) for r in rows) == c.total
    assert sum(_n(r[2]) for r in rows) == c.sourced
    assert sum(_n(r[3]) for r in rows) == c.assumptions
    for r in rows:
        assert r[4] == f"{_n(r[3]) / _n(r[1]) * 100:.0f}%"


def test_method_names_analytic_engines_and_what_is_not_modelled(baseline, baseline_cap):
    sec = method_section(baseline, baseline_cap)
    rows = table_rows(str(sec.html), "engines-table")
    how = {r[0]: r[1] for r in rows}
    lp = how["capacity, demand multiplier, served share, bottlenecks"]
    assert lp.startswith("analytic: linear programme") and "practical basis" in lp
    assert how["emissions (CO2e WTW/TTW)"].startswith("analytic")
    assert all(not v.startswith("simulated") for v in how.values())  # no simulation given
    text = _text(sec.html)
    assert "This report has no simulation" in text
    for caveat in NOT_MODELLED:
        assert " ".join(caveat.split()) in text


def test_method_with_a_simulation_gives_its_replications_and_seed(baseline, baseline_cap):
    sim = Result(meta={"replications": 37, "years": 1.0, "seed": 11, "warmup_days": 30.0}, tables={})
    rows = table_rows(str(method_section(baseline, baseline_cap, sim).html), "engines-table")
    how = {r[0]: r[1] for r in rows}
    assert how["transit-time distributions (P50/P90), waiting, ports, throughput"] == (
        "simulated: Monte Carlo, 37 replication(s) of 1.0 year(s) after a 30-day warm-up, seed 11")
    assert how["itineraries: days, tariffs, through tariffs"].startswith("simulated: expected days")
    assert "This report has no simulation" not in _text(method_section(baseline, baseline_cap, sim).html)


def test_report_ends_with_method_then_sources(baseline_html):
    heads = _h2s(baseline_html)
    assert heads[-2:] == ["Method and caveats", "Sources of the scenario"]
