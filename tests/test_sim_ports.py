"""Port and border performance (issue 9 item 5) against queueing oracles.

- A berth fed by Poisson vessel arrivals with a fixed stay is M/D/1: the mean wait at anchor
  is Pollaczek-Khinchine's rho D / (2 (1 - rho)), the berth occupancy lambda D, the calls a
  year lambda x 8,760 and the number of voyages.
- A border with one channel, exponential dwell and Poisson trains is M/M/1: the mean dwell
  is 1 / (mu - lambda); by Little's law the time-average queue is lambda x the mean wait.
- Calls, turnaround and dwell against the SimPy reference: tests/test_sim_reference.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from reference.builders import exponential_quantiles, line_scenario, sea_scenario

from transcaspian.sim import KernelModel, compile_scenario, rep_seed, simulate
from transcaspian.sim.stats import t975

YEAR_H = 8760.0
WARMUP_H = 1000.0


def _ci(xs: list[float]) -> tuple[float, float]:
    x = np.asarray(xs, float)
    return float(x.mean()), t975(x.size - 1) * float(x.std(ddof=1)) / math.sqrt(x.size)


def _md1_port(lam: float, stay_h: float):
    """Single TEUs by Poisson trains; each sails at once on one of many 1-TEU vessels (so
    departures from ``pa`` are Poisson), and stays ``stay_h`` at the one berth of ``pb``."""
    sc = sea_scenario(annual_units=lam * YEAR_H, units_per_train=1.0, vessels=200, capacity=1.0,
                      min_fill=1.0, max_wait_h=1.0e5, handling_per_h=1.0, onward=False,
                      max_draft_m=10.0, paths=1.0e6)
    cm = compile_scenario(sc)
    vc = cm.vessels[0]
    vc.port_time_h = (0.0, stay_h)
    vc.rate = ({0: 1.0e12}, {0: 1.0e12})   # handling takes no time: the stay is the port time
    return cm


def test_md1_berth_wait_occupancy_and_calls() -> None:
    lam, stay = 0.5, 1.2            # vessels/h, h at the berth: rho = 0.6
    rho = lam * stay
    wq = rho * stay / (2 * (1 - rho))
    cm = _md1_port(lam, stay)
    model = KernelModel(cm)
    pb = 1                          # end 1 of the class is port pb
    waits, turns, calls, occ, voy = [], [], [], [], []
    for r in range(8):
        rep = model.run(WARMUP_H + YEAR_H, rep_seed(21, r), warmup_h=WARMUP_H)
        p = rep.ports
        waits.append(p.anchor_h[0, pb] / p.done[0, pb])
        turns.append(p.turn_h[0, pb] / p.done[0, pb])
        calls.append(p.calls[0, pb])
        voy.append(rep.voyages[0, 0])
        occ.append(rep.berth_busy_h[1] / rep.window_h)
        assert p.berth_h[0, pb] / p.done[0, pb] == pytest.approx(stay, rel=1e-6)
    w, ci = _ci(waits)
    assert abs(w - wq) <= ci + 0.03 * wq, (w, ci, wq)
    t, ci_t = _ci(turns)
    assert abs(t - (wq + stay)) <= ci_t + 0.03 * wq
    c, ci_c = _ci(calls)
    assert abs(c - lam * YEAR_H) <= ci_c + 0.01 * lam * YEAR_H
    assert abs(np.mean(voy) - c) <= 0.005 * c                  # calls a year = voyages
    o, ci_o = _ci(occ)
    assert abs(o - rho) <= ci_o + 0.01, (o, rho)


def test_mm1_border_dwell_and_littles_law() -> None:
    lam, mean = 0.6, 1.0            # trains/h, mean dwell (h): rho = 0.6
    sc = line_scenario(lam, border={"capacity_trains_per_day": 24.0 / mean,
                                    "dwell_h": exponential_quantiles(mean)})
    cm = compile_scenario(sc)
    b = next(i for i, s in enumerate(cm.servers) if s.kind == "border")
    model = KernelModel(cm)
    dwell, qlen, lw = [], [], []
    for r in range(12):
        rep = model.run(WARMUP_H + YEAR_H, rep_seed(8, r), warmup_h=WARMUP_H)
        p = rep.ports
        dwell.append(p.dwell_h[b] / p.trains[b])
        qlen.append(p.wait_h[b] / rep.window_h)                   # time-average trains waiting
        lw.append(p.trains[b] / rep.window_h * p.wait_h[b] / p.trains[b])
        assert p.queue_max[b] >= 5
    d, ci = _ci(dwell)
    assert abs(d - 1 / (1 / mean - lam)) <= ci + 0.03 * 2.5, d
    q, ci_q = _ci(qlen)
    lq = (lam * mean) ** 2 / (1 - lam * mean)                     # M/M/1: Lq = rho^2 / (1 - rho)
    assert abs(q - lq) <= ci_q + 0.04 * lq, (q, lq)
    np.testing.assert_allclose(qlen, lw, rtol=1e-9)              # L = lambda W on the same run


def test_tables_in_simulate(tiny_dict) -> None:
    """Both tables come out of ``simulate`` with a row per port end and per node server."""
    from transcaspian.model import Scenario

    res = simulate(Scenario.from_dict(tiny_dict), {"years": 0.5, "replications": 3, "workers": 1})
    pp = res["port_performance"]
    vv = res["vessel_voyages"]
    per_class = pp[pp["vessel"] != "all"]
    assert len(per_class) == len(vv)
    # calls at a port a year ~ voyages leaving it (a call ends in a departure)
    np.testing.assert_allclose(per_class["calls"].to_numpy(), vv["voyages"].to_numpy(), atol=2.5)
    assert (per_class["turnaround_h_p90"] >= per_class["turnaround_h_mean"] * 0.5).all()
    assert (per_class["turnaround_h_mean"] >= per_class["at_berth_h_mean"]).all()
    assert set(res["border_performance"].columns) >= {"node", "dwell_h_mean", "dwell_h_p90", "queue_max"}


def test_report_section_shows_the_tables(tmp_path) -> None:
    """A report built with a simulation folder has the port and border tables, row for row."""
    from report_helpers import mini_dict
    from test_report import table_rows

    from transcaspian.model import Scenario
    from transcaspian.report.build import build_report

    mini = Scenario.from_dict(mini_dict())
    res = simulate(mini, {"years": 0.25, "replications": 2, "seed": 3, "workers": 1})
    res.write(tmp_path / "sim", "parquet")
    html = build_report(mini, sim_result_dir=tmp_path / "sim")
    rows = table_rows(html, "sim-ports-table")
    pp = res["port_performance"]
    assert len(rows) == len(pp) > 0
    assert {r[1] for r in rows} == set(pp["vessel"])
    first = pp[pp["vessel"] == "all"].sort_values("port").iloc[0]
    assert rows[0][3] == f"{first['calls']:,.0f}" and rows[0][4] == f"{first['turnaround_h_mean']:,.1f}"
    bp = res["border_performance"]
    assert len(table_rows(html, "sim-borders-table")) == len(bp)
    assert 'id="sim-ports"' in html
