"""UNESCAP time/cost-distance and CAREC CPMM tables (their figures: tests/test_report_figures.py)."""

from __future__ import annotations

import pytest
from test_quote import SEA_S1_H, corridor

from transcaspian.analysis import (
    TcdOptions,
    cpmm_borders,
    cpmm_sections,
    tcd_table,
    time_cost_distance,
)
from transcaspian.model.errors import UserError

R1 = ["o", "b", "p1", "p2", "d"]


def test_tcd_cumulative_and_vertical_segments():
    s = corridor()
    r = time_cost_distance(s, TcdOptions.build(nodes=R1, cargo="2 FEU"))
    t = r["tcd"]
    assert list(t["kind"]) == ["node", "move"] * 4 + ["node"]
    assert t["cum_distance_km"].iloc[-1] == 1600
    assert t["cum_time_h"].iloc[-1] == pytest.approx(10 + 5 + 10 + 12 + 28 + SEA_S1_H + 16 + 6)
    assert t["cum_cost_usd"].iloc[-1] == pytest.approx(4080)
    # vertical at the border (5 h) and the ports, flat distance there
    vert = t[t["vertical"]]
    assert list(vert["label"]) == ["b", "p1", "p2"]
    b = vert.iloc[0]
    assert b["cum_distance_start_km"] == b["cum_distance_km"] == 500
    assert b["cum_time_h"] - b["cum_time_start_h"] == pytest.approx(5)
    # each row starts where the previous ended
    assert (t["cum_time_start_h"].iloc[1:].to_numpy() == pytest.approx(t["cum_time_h"].iloc[:-1].to_numpy()))


def test_cpmm_borders_and_sections():
    s = corridor()
    r = time_cost_distance(s, TcdOptions.build(nodes=R1, cargo="2 FEU"))
    bor = r["borders"]
    assert list(bor["node"]) == ["b"]
    assert bor.iloc[0]["time_h"] == pytest.approx(5) and bor.iloc[0]["cost_usd"] == 0
    sec = r["sections"].set_index("from_node")
    assert list(sec.index) == ["o", "b", "p1", "p2"]
    assert list(sec["to_node"]) == ["b", "p1", "p2", "d"]
    assert sec.loc["o", "speed_without_delay_kmh"] == pytest.approx(50)
    assert sec.loc["b", "speed_without_delay_kmh"] == pytest.approx(40)
    assert sec.loc["p1", "modes"] == "sea"
    assert sec.loc["p1", "speed_without_delay_kmh"] == pytest.approx(400 / SEA_S1_H)
    assert sec.loc["p2", "cost_usd"] == pytest.approx(4 * 120)
    # sections plus border/port time add up to the whole trip
    total = r["legs"]["time_h"].sum()
    node_time = r["legs"].query("kind == 'node'")["time_h"].sum()
    assert sec["time_h"].sum() + node_time == pytest.approx(total)


def test_speed_with_delay_counts_intermediate_nodes():
    import pandas as pd

    cols = ["seq", "kind", "node", "from_node", "to_node", "mode", "node_kind", "distance_km", "moving_h",
            "dwell_h", "wait_h", "time_h", "cost_usd"]
    legs = pd.DataFrame([
        (0, "node", "x", "x", "x", "", "city", 0, 0, 0, 0, 0, 0),
        (1, "move", "", "x", "j", "rail", "", 300, 6, 1, 1, 8, 30),
        (2, "node", "j", "j", "j", "", "junction", 0, 0, 3, 1, 4, 5),
        (3, "move", "", "j", "y", "rail", "", 300, 6, 0, 0, 6, 30),
        (4, "node", "y", "y", "y", "", "city", 0, 0, 0, 0, 0, 0)], columns=cols)
    sec = cpmm_sections(legs)
    assert len(sec) == 1
    row = sec.iloc[0]
    assert row["speed_without_delay_kmh"] == pytest.approx(600 / 12)
    assert row["speed_with_delay_kmh"] == pytest.approx(600 / 18)
    assert row["cost_usd"] == 65
    assert cpmm_borders(legs).empty
    assert tcd_table(legs)["vertical"].tolist() == [False, False, True, False, False]


def test_tcd_errors():
    s = corridor()
    with pytest.raises(UserError, match="unknown node 'bb'") as e:
        time_cost_distance(s, TcdOptions.build(nodes=["o", "bb"], cargo="1 TEU"))
    assert e.value.problems[0].field == "nodes"
    with pytest.raises(UserError, match="no link or sea service joins o and d") as e:
        time_cost_distance(s, TcdOptions.build(nodes=["o", "d"], cargo="1 TEU"))
    assert e.value.problems[0].field == "nodes"
    with pytest.raises(UserError) as e:
        TcdOptions.build(nodes=["o"])
    assert e.value.problems[0].field == "nodes"
    with pytest.raises(UserError) as e:
        time_cost_distance(s, TcdOptions.build(nodes=["o", "b"], cargo="1 parsec"))
    assert e.value.problems[0].field == "cargo"

