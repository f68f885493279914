"""Calibration speed: 3 fields of ``baseline-2024`` fitted against the simulator.

Run ``.venv/bin/python benchmarks/bench_calibrate.py`` (``--quick`` for a short smoke run,
``--json PATH`` to save the figures). The budget (issue 9) is 5 minutes on 2 cores.

Synthetic observations are made from ``baseline-2024`` with known values of three fields
(Aktau's and Alat's port time, the Kuryk ferries' speed); the fit starts from the
scenario's own values, against simulator KPIs (vessel turnaround at both ports, crossings
per ferry, door-to-door transit days) with 2 replications of one year per evaluation,
common random numbers (seed 1), at most 150 evaluations. Reported: wall time (including
loading the cached numba code), evaluations, loss before/after and the recovered values.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import pandas as pd

from transcaspian.calibration import CalibrateOptions, apply_values, calibrate, model_kpis, resolve_fields
from transcaspian.model import load_scenario
from transcaspian.model.observed import KPIS
from transcaspian.sim import SimOptions, simulate

FIELDS = ("nodes[aktau].port_time_h=2:24", "nodes[alat].port_time_h=2:24",
          "vessels[asco-ferry-kuryk].speed_kn=8:16")
TRUTH = (9.0, 4.0, 11.0)
ROWS = (("vessel_turnaround_h", "aktau"), ("vessel_turnaround_h", "alat"),
        ("vessel_crossings", "asco-ferry-kuryk"), ("transit_days", "astana>baku"),
        ("transit_days", "xian>baku"))
BUDGET_S = 300.0


def run(replications: int, evaluations: int) -> dict[str, object]:
    s = load_scenario("baseline-2024")
    t0 = time.perf_counter()
    simulate(s, SimOptions(years=0.05, replications=1, seed=1, workers=1))  # load the cached kernel
    t_load = time.perf_counter() - t0
    sim = SimOptions(years=1.0, replications=replications, seed=1, workers=min(2, replications))
    truth = apply_values(s, resolve_fields(s, FIELDS), TRUTH)
    obs = pd.DataFrame([{"kpi": k, "element": e, "year": 2024, "value": 1.0, "unit": KPIS[k].unit,
                         "tolerance_pct": 2.0, "note": "synthetic"} for k, e in ROWS])
    obs["value"] = model_kpis(truth, obs, engine="sim", sim_options=sim)["modelled"].to_numpy()
    opts = CalibrateOptions.build(observed=obs, fit=FIELDS, engine="sim", years=1.0,
                                  replications=replications, seed=1, workers=sim.workers,
                                  max_evaluations=evaluations)
    t0 = time.perf_counter()
    res = calibrate(s, opts)
    wall = time.perf_counter() - t0
    return {"cores": os.cpu_count(), "replications": replications, "evaluations": res.meta["evaluations"],
            "wall_s": wall, "load_s": t_load, "s_per_evaluation": wall / res.meta["evaluations"],
            "loss_before": res.meta["loss_before"], "loss_after": res.meta["loss_after"],
            "truth": dict(zip(res["fit"]["field"], TRUTH, strict=True)),
            "fitted": res.meta["fitted"], "within_budget": wall + t_load <= BUDGET_S}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1 replication, 8 evaluations")
    ap.add_argument("--json", type=Path, help="write the figures here")
    a = ap.parse_args()
    out = run(1, 8) if a.quick else run(2, 150)
    print("| figure | value |\n|---|---|")
    for key, value in out.items():
        shown = f"{value:.4g}" if isinstance(value, float) else value
        print(f"| {key} | {shown} |")
    if a.json:
        a.json.write_text(json.dumps(out, indent=2, default=str))
    return 0 if out["within_budget"] else 1


if __name__ == "__main__":
    sys.exit(main())
