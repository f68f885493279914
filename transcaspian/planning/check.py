"""Checking a plan: the exact capacity engine year by year, and the simulator for chosen years."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from transcaspian.analysis import capacity
from transcaspian.model import Scenario
from transcaspian.model.results import Result
from transcaspian.sim import SimOptions, simulate

#: Relative shortfall the exact check tolerates (LP tolerance and rounding).
CHECK_TOL = 0.005


@dataclass(frozen=True)
class YearCheck:
    """The exact capacity engine on one year's configuration."""

    year: int
    demand_t: float
    required_t: float
    served_t: float
    multiplier: float
    utilisation: float
    binding: str
    shadow_t_per_1pct: float
    met: bool
    result: Result

    @property
    def capacity_t(self) -> float:
        """What the year can carry at its demand mix (t/yr): the demand times the largest uniform
        multiplier when all of it fits, else the tonnes served."""
        return self.demand_t * min(self.multiplier, 1e3) if self.multiplier >= 1.0 else self.served_t


def check_year(scenario: Scenario, year: int, required_t: float) -> YearCheck:
    """Capacity, served tonnes and the binding element of ``scenario`` (one plan year)."""
    res = capacity(scenario)
    s = res["summary"].iloc[0]
    util = res["utilisation"]
    top = util.sort_values("utilisation", ascending=False).head(1)
    b = res["bottlenecks"]
    binding = str(top["element_id"].iloc[0]) if len(top) else ""
    shadow = b.loc[b["element_id"] == binding, "gain_served_t_per_1pct"]
    served = float(s["served_t"])
    return YearCheck(year, float(s["demand_t"]), required_t, served, float(s["demand_multiplier"]),
                     float(top["utilisation"].iloc[0]) if len(top) else 0.0, binding,
                     float(shadow.max()) if len(shadow) else 0.0,
                     served >= required_t * (1 - CHECK_TOL), res)


@dataclass(frozen=True)
class SimCheck:
    """Monte Carlo check of one year: served share and days on the origin-destination."""

    year: int
    replications: int
    served_share: float
    od: str
    p50_days: float
    p90_days: float
    met: bool
    waits_at: str = ""


def simulate_year(scenario: Scenario, year: int, replications: int, years: float, seed: int,
                  od: str | None, max_days: float | None, threshold: float) -> SimCheck:
    """Simulate ``scenario`` and judge it against the served threshold and the time target."""
    res = simulate(scenario, SimOptions(years=years, replications=replications, seed=seed))
    tp = res["throughput"]
    served = float(tp["tonnes"].sum() / tp["demand_tonnes"].sum()) if tp["demand_tonnes"].sum() else 1.0
    origin, dest = od.split(":") if od else largest_od(scenario)
    tt = res["transit_times"]
    rows = tt[(tt["origin"] == origin) & (tt["destination"] == dest)]
    p50 = _weighted(rows, "p50_h") / 24
    p90 = _weighted(rows, "p90_h") / 24
    ok = served >= threshold and (max_days is None or (np.isfinite(p90) and p90 <= max_days))
    return SimCheck(year, replications, served, f"{origin}:{dest}", p50, p90, ok, where_it_waits(res))


def where_it_waits(res: Result) -> str:
    """The port whose vessels wait longest at anchor (vessel-hours), else the node where cargo
    waits most (tonne-hours): where the simulated corridor is held back."""
    pp = res["port_performance"]
    if len(pp):
        hours = (pp["anchor_wait_h_mean"] * pp["calls"]).groupby(pp["port"]).sum()
        if hours.max() > 0:
            return str(hours.idxmax())
    waits = res["waiting_by_node"]
    return str(waits.sort_values("tonne_hours_waited", ascending=False)["node"].iloc[0]) if len(waits) else ""


def largest_od(scenario: Scenario) -> tuple[str, str]:
    """Origin and destination of the largest flow (tonnes) in a market (the cargo that chooses
    the corridor), else of the scenario's largest flow."""
    def tonnes(d) -> float:
        return d.annual_units * scenario.get("commodities", d.commodity).tonnes_per_unit

    in_markets = {f for m in scenario.doc.markets for f in m.flows}
    flows = [d for d in scenario.doc.demand if d.id in in_markets] or list(scenario.doc.demand)
    d = max(flows, key=tonnes)
    return d.origin, d.destination


def _weighted(rows: pd.DataFrame, col: str) -> float:
    if rows.empty or rows["units"].sum() <= 0:
        return float("nan")
    return float(np.average(rows[col], weights=rows["units"]))
