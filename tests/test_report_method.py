"""The report's "Corridor emissions" and "Method and caveats" sections against their engines."""

from __future__ import annotations

import re
from html import unescape

import pytest

from transcaspian.analysis import capacity
from transcaspian.analysis.emissions import corridor_emissions, corridor_totals
from transcaspian.model import Scenario, load_scenario
from transcaspian.model.provenance import iter_figures, provenance_counts
from transcaspian.model.results import Result
from transcaspian.report.build import build_report
from transcaspian.report.sections.emissions import emissions_section


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario("baseline-2024")


@pytest.fixture(scope="module")
def baseline_cap(baseline: Scenario) -> Result:
    return capacity(baseline)


def _table_rows(html: str, table_id: str) -> list[list[str]]:
    """Cell texts of every body row of the table with ``table_id``."""
    m = re.search(rf'<table class="data" id="{table_id}">(.*?)</table>', html, re.S)
    assert m, f"no table {table_id}"
    body = m.group(1).split("<tbody>", 1)[1]
    return [[unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
            for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


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
    table = _table_rows(str(sec.html), "emissions-table")
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
def baseline_html(baseline: Scenario) -> str:
    return build_report(baseline)


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
