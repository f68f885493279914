"""Every table an engine returns matches its declaration; docs/results.md is current."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from transcaspian.analysis import QuoteOptions, TcdOptions, capacity, quote, time_cost_distance
from transcaspian.analysis.tables import CAPACITY, QUOTE, TCD
from transcaspian.cli.results import all_schemas
from transcaspian.model import load_scenario
from transcaspian.model.results import Column, ResultSchema, TableSchema, results_markdown
from transcaspian.sim import SimOptions, simulate
from transcaspian.sim.tables import SIMULATION

DOCS = Path(__file__).resolve().parents[1] / "docs"
BUILTINS = ["baseline-2024", "target-2030"]


@pytest.fixture(scope="module", params=BUILTINS)
def scenario(request):
    return load_scenario(request.param)


def test_capacity_tables_match_their_declaration(scenario):
    res = capacity(scenario)
    assert CAPACITY.problems(res) == []
    assert set(res.tables) == {t.name for t in CAPACITY.tables}


def test_quote_and_tcd_tables_match_their_declaration(scenario):
    sim = simulate(scenario, SimOptions(years=0.1, replications=2, seed=2, workers=1))
    q = quote(scenario, QuoteOptions.build(origin="xian", destination="constanta", cargo="1 FEU", k=2,
                                                  through_tariff="2500/FEU"),
              simulation=sim)
    assert QUOTE.problems(q) == []
    assert set(q.tables) == {t.name for t in QUOTE.tables}  # "simulated", "through_parties" too
    legs = q["legs"]
    stops = legs[(legs["option"] == "opt1") & (legs["kind"] == "node")]["node"].tolist()
    tcd = time_cost_distance(scenario, TcdOptions.build(nodes=stops, cargo="1 FEU"))
    assert TCD.problems(tcd) == []
    assert set(tcd.tables) == {t.name for t in TCD.tables}


def test_simulation_tables_match_their_declaration(scenario):
    res = simulate(scenario, SimOptions(years=0.1, replications=2, seed=1, workers=1, track=True))
    assert SIMULATION.problems(res) == []
    assert set(res.tables) == {t.name for t in SIMULATION.tables}
    carried = [c for c in res["vessel_voyages"].columns if c.endswith("_carried")]
    assert carried and all(SIMULATION.table("vessel_voyages").column(c) is not None for c in carried)


def test_a_departure_from_the_declaration_is_named():
    t = TableSchema("t", "test", (Column("a_km", "float64", "km", "a"), Column("{unit}_n", "int64", "", "n")))
    ok = pd.DataFrame({"a_km": [1.0], "teu_n": [2]})
    assert t.problems(ok) == []
    assert t.problems(pd.DataFrame({"a_km": ["x"], "b": [1]})) == [
        "table 't' column a_km: dtype str, declared float64", "table 't' has undeclared column b"]
    assert t.problems(pd.DataFrame({"teu_n": [1]})) == ["table 't' lacks column a_km"]
    assert t.problems(pd.DataFrame(columns=["a_km"])) == []  # no rows: pandas cannot tell the dtype
    with pytest.raises(ValueError, match="dtype 'float'"):
        Column("x", "float", "", "")
    schema = ResultSchema("e", "engine", (t,))
    from transcaspian.model.results import Result

    assert schema.problems(Result({}, {"u": ok})) == ["missing table 't'", "undeclared table 'u'"]


def test_results_reference_is_current():
    text = results_markdown(all_schemas()) + "\n"
    assert (DOCS / "results.md").read_text() == text, "regenerate: make docs"
    for schema in all_schemas():
        for t in schema.tables:
            assert f"### `{t.name}`" in text
            assert all(c.meaning for c in t.columns), t.name
