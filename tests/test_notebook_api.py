"""The Python face a notebook user meets: Result's repr and KeyError, legs as a table, defaults."""

from __future__ import annotations

import pandas as pd
import pytest

from transcaspian.model import Scenario
from transcaspian.model.results import Result
from transcaspian.sim import SimOptions
from transcaspian.sim.options import DEFAULT_REPLICATIONS


def _result() -> Result:
    return Result({"scenario": "tiny", "scenario_hash": "c" * 64, "version": "9.9", "engine": "capacity",
                   "options": {"basis": "practical"}},
                  {"summary": pd.DataFrame({"served_t": [1.0]}),
                   "elements": pd.DataFrame({"x": range(1234), "y": 0.0})})


def test_repr_lists_shapes_and_metadata_never_contents() -> None:
    text = repr(_result())
    assert "scenario 'tiny'" in text and "hash cccccccccccc" in text and "version 9.9" in text
    assert "basis=practical" in text
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines()[3:5]}
    assert rows == {"summary": ["1", "x", "1"], "elements": ["1,234", "x", "2"]}
    assert "1233" not in text            # no row of the table is printed
    assert max(len(line) for line in text.splitlines()) <= 100
    html = _result()._repr_html_()
    assert "<table>" in html and "1,234 rows x 2 columns" in html and "<code>elements</code>" in html


def test_missing_table_names_the_tables() -> None:
    res = _result()
    with pytest.raises(KeyError) as err:
        res["nope"]
    assert "no table 'nope'; tables: summary, elements" in str(err.value)
    with pytest.raises(KeyError, match="did you mean 'summary'"):
        res["sumary"]
    assert list(res) == ["summary", "elements"] and "summary" in res and "nope" not in res


def test_legs_is_a_table_and_route_legs_the_objects(tiny_dict) -> None:
    s = Scenario.from_dict(tiny_dict)
    legs = s.legs("r1", "teu")
    assert list(legs.index) == [1, 2]
    assert legs[["from", "to", "kind", "link", "services"]].values.tolist() == [
        ["a", "pa", "link", legs.loc[1, "link"], ""], ["pa", "pb", "sea", "", "f1"]]
    assert legs.loc[1, "distance_km"] == 300.0
    assert legs["cumulative_km"].iloc[-1] == pytest.approx(legs["distance_km"].sum())
    objects = s.route_legs("r1", "teu")
    assert [lg.distance_km for lg in objects] == legs["distance_km"].tolist()
    with pytest.raises(ValueError, match="cannot carry wagon"):
        s.legs("r1", "wagon")


def test_python_default_replications_match_the_cli() -> None:
    from transcaspian.cli._simcache import DEFAULT_REPLICATIONS as cache_default
    from transcaspian.cli.simulate import DEFAULT_REPLICATIONS as cli_default

    assert SimOptions().replications == DEFAULT_REPLICATIONS == cli_default == cache_default == 100
