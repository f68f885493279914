"""The report's sweep section draws the sensitivity the sweep computed, in rank order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from transcaspian.model import load_scenario
from transcaspian.model.errors import UserError
from transcaspian.report.sections.sweep import check_sweep_scenario, sweep_section, tornado_figure
from transcaspian.sweep import SweepResult, ranking, sensitivity
from transcaspian.sweep.spec import Parameter


@pytest.fixture(scope="module")
def result() -> SweepResult:
    params = [Parameter(name=n, field=f, range=(0.5, 1.5), assumption="t")
              for n, f in (("demand", "demand.multiplier"), ("level", "sea_level.change_m"))]
    rng = np.random.default_rng(0)
    pts = pd.DataFrame({"point": range(40), "demand": rng.uniform(0.5, 1.5, 40),
                        "level": rng.uniform(0.5, 1.5, 40)})
    pts["served_share"] = 1.0 - 0.4 * pts["demand"] + 0.01 * pts["level"] ** 2
    sens = sensitivity("latin_hypercube", pts, params, ["served_share"])
    s = load_scenario("baseline-2024")
    meta = {"name": "t", "seed": 1, "points": 40, "failed_points": 0,
            "scenario": {"name": s.name, "hash": s.hash},
            "design": {"method": "latin_hypercube", "sensitivity": "spearman"},
            "parameters": [{"name": p.name, "address": p.field, "unit": u, "bounds": list(p.bounds)}
                           for p, u in zip(params, ["x", "m"], strict=True)],
            "kpis": [{"column": "served_share", "unit": "share", "meaning": "served"}]}
    return SweepResult(meta, pts, sens)


def test_tornado_bars_are_the_indices_in_rank_order(result) -> None:
    rank = ranking(result.sensitivity, "served_share")
    fig = tornado_figure(rank, "spearman", "served_share", "share")
    bars = fig.data[0]
    assert list(bars.y) == ["level", "demand"]               # most influential at the top (last)
    assert bars.x[-1] < -0.99                                # served share falls with demand
    assert bars.x[0] == pytest.approx(rank.set_index("parameter").loc["level", "spearman"])


def test_section_holds_charts_and_ranking(result) -> None:
    sec = sweep_section(result)
    html = str(sec.html)
    assert sec.id == "sweep"
    assert 'id="chart-sweep-tornado-0"' in html and 'id="chart-sweep-response-0"' in html
    table = html[html.index('id="sweep-ranking-0"'):]
    assert table.index("demand.multiplier") < table.index("sea_level.change_m")


def test_a_sweep_of_another_scenario_is_refused(result) -> None:
    with pytest.raises(UserError, match="is a sweep of baseline-2024"):
        check_sweep_scenario(result, load_scenario("target-2030"))
    check_sweep_scenario(result, load_scenario("baseline-2024"))
