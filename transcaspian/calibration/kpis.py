"""The observed KPIs computed by the engines: which engine gives each one, and how.

Every KPI of the vocabulary (:data:`transcaspian.model.observed.KPIS`) is computed from an
engine's result tables, never by a second implementation of an engine's rules:

================== =========================================== ==========================================
KPI                capacity (static: LP routing, physics)      simulator (Monte Carlo means)
================== =========================================== ==========================================
corridor_t         ``summary.served_t``                        ``throughput.tonnes`` summed
flow_t             ``flows.served_t`` of the flow              ``throughput.tonnes`` of the flow
port_throughput_t  ``flow_routes.t`` x sea legs at the port    units carried at the port x t/unit
port_teu/wagons/   ``flow_routes.units`` x sea legs at the     ``vessel_voyages.{unit}_carried`` of
trucks             port                                        voyages from or to the port
port_vessel_calls  round trips the served load needs           ``port_performance.calls`` (all classes)
service_t          vessel elements' ``load_t``, both ways      units carried by the service x t/unit
vessel_crossings   2 x round trips needed / vessels            ``vessel_voyages.voyages`` / vessels
vessel_turnaround  ``vessel_cycle.port_h`` (a full call)       ``port_performance`` turnaround mean
vessel_berth_h     ``vessel_cycle.port_h`` (a full call)       ``port_performance`` at-berth mean
border_dwell_h     node dwell mean + fixed time                ``border_performance`` dwell mean
leg_days           sailing (one sea service), moving + delay   (static only: a schedule figure)
                   (one link), else the quote's best itinerary
transit_days       the quote's best itinerary (expected days)  ``transit_times.mean_h`` (unit-weighted)
================== =========================================== ==========================================

"Sea legs at the port" counts a unit once for each sea leg that starts or ends there
(loaded + discharged). Simulated tonnes of units other than tonnes use the demand-weighted
tonnes per unit of the scenario (:func:`transcaspian.analysis.capacity.unit_tonnes`).

Examples
--------
>>> from transcaspian.model import load_scenario
>>> s = load_scenario("baseline-2024")
>>> obs = pd.DataFrame([{"kpi": "corridor_t", "element": "titr", "year": 2024, "value": 4.5e6,
...                      "unit": "t", "tolerance_pct": 5.0}])
>>> row = model_kpis(s, obs, engine="capacity").iloc[0]
>>> row["engine"], bool(row["within"])
('capacity', True)
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from transcaspian.analysis import QuoteOptions, RoutePlanner, capacity, quote
from transcaspian.analysis.capacity import unit_tonnes
from transcaspian.model import Scenario
from transcaspian.model.errors import UserError
from transcaspian.model.executors import Workers
from transcaspian.model.observed import KPIS
from transcaspian.model.physics import crossing_h, vessel_cycle
from transcaspian.model.results import Result
from transcaspian.sim import SimOptions, simulate

__all__ = ["KPI_ENGINES", "MISS_REASONS", "TABLE_END", "TABLE_MARKER", "KpiUnavailable", "check_markdown",
           "explains_miss", "model_kpis", "needed_engines", "replace_marked", "row_engine"]

Engine = Literal["auto", "capacity", "sim"]

#: Engines able to compute each KPI, the one ``auto`` uses first: volumes come from the
#: capacity engine's routing of the annual demand, operating counts and times from the simulator.
KPI_ENGINES: dict[str, tuple[str, ...]] = {
    "corridor_t": ("capacity", "sim"),
    "flow_t": ("capacity", "sim"),
    "port_throughput_t": ("capacity", "sim"),
    "port_teu": ("capacity", "sim"),
    "port_wagons": ("capacity", "sim"),
    "port_trucks": ("capacity", "sim"),
    "service_t": ("capacity", "sim"),
    "port_vessel_calls": ("sim", "capacity"),
    "vessel_crossings": ("sim", "capacity"),
    "vessel_turnaround_h": ("sim", "capacity"),
    "vessel_berth_h": ("sim", "capacity"),
    "border_dwell_h": ("sim", "capacity"),
    "leg_days": ("capacity",),
    "transit_days": ("sim", "capacity"),
}
_PORT_UNITS = {"port_teu": "teu", "port_wagons": "wagon", "port_trucks": "truck"}


class KpiUnavailable(Exception):
    """The engine cannot compute this KPI for this element (the message says why)."""


def row_engine(kpi: str, engine: Engine) -> str:
    """The engine that computes ``kpi`` under the choice ``engine``.

    ``auto`` takes the KPI's first engine; ``capacity`` or ``sim`` are used where they can
    compute the KPI, else the KPI's own engine (``leg_days``, a schedule figure, is static).

    Examples
    --------
    >>> row_engine("vessel_crossings", "auto"), row_engine("vessel_crossings", "capacity")
    ('sim', 'capacity')
    >>> row_engine("leg_days", "sim")
    'capacity'
    """
    engines = KPI_ENGINES[kpi]
    return engine if engine in engines else engines[0]


def needed_engines(observed: pd.DataFrame, engine: Engine) -> set[str]:
    """The engines the rows of ``observed`` need under ``engine`` ({'capacity', 'sim'} subsets).

    Examples
    --------
    >>> rows = pd.DataFrame({"kpi": ["corridor_t", "transit_days"]})
    >>> sorted(needed_engines(rows, "auto")), sorted(needed_engines(rows, "capacity"))
    (['capacity', 'sim'], ['capacity'])
    """
    return {row_engine(k, engine) for k in observed["kpi"] if k in KPI_ENGINES}


# -- capacity-side KPIs ----------------------------------------------------------------------
@dataclass
class CapacityView:
    """KPI lookups over a capacity Result of ``scenario``."""

    scenario: Scenario
    result: Result

    @cached_property
    def port_volumes(self) -> dict[str, dict[str, float]]:
        """Units by handling unit and tonnes ('t') per port, counted at each sea-leg end."""
        out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        s = self.scenario
        flows = s.demand
        for r in self.result["flow_routes"].itertuples(index=False):
            unit = str(flows.loc[r.flow, "unit"])
            for leg in s.route_legs(r.route, unit):
                if leg.kind != "sea":
                    continue
                for port in (leg.from_node, leg.to_node):
                    out[port][unit] += float(r.units)
                    out[port]["t"] += float(r.t)
        return out

    @cached_property
    def vessel_loads(self) -> pd.DataFrame:
        """Utilisation rows of the vessel elements (load in round trips, load_t)."""
        u = self.result["utilisation"]
        return u[u["element_type"] == "vessel"]

    @cached_property
    def planner(self) -> RoutePlanner:
        return RoutePlanner(self.scenario, self.result)

    def quote_days(self, element: str) -> float:
        """Expected days of the quote's best itinerary from one node to another."""
        a, _, b = element.partition(">")
        opts = QuoteOptions.build(origin=a, destination=b, cargo=_cargo_between(self.scenario, a, b), k=1)
        try:
            q = quote(self.scenario, opts, planner=self.planner)["options"]
        except UserError as exc:
            raise KpiUnavailable(f"no quote from {a} to {b}: {exc.problems[0].message}") from None
        rows = q[q["kind"] == "corridor"]
        if rows.empty:
            raise KpiUnavailable(f"no corridor itinerary from {a} to {b}")
        return float(rows["transit_days"].iloc[0])

    def round_trips(self, vessel: str) -> float:
        """Round trips a year the served load needs of a vessel class (the busier direction)."""
        rows = self.vessel_loads[self.vessel_loads["element_id"] == vessel]
        return float(rows["load"].max()) if len(rows) else 0.0

    def compute(self, kpi: str, element: str) -> float:
        s = self.scenario
        if kpi == "corridor_t":
            return float(self.result["summary"]["served_t"].iloc[0])
        if kpi == "flow_t":
            f = self.result["flows"]
            return float(f.loc[f["flow"] == element, "served_t"].sum())
        if kpi == "port_throughput_t":
            return float(self.port_volumes.get(element, {}).get("t", 0.0))
        if kpi in _PORT_UNITS:
            return float(self.port_volumes.get(element, {}).get(_PORT_UNITS[kpi], 0.0))
        if kpi == "service_t":
            vl = self.vessel_loads
            ids = {v.id for v in s.doc.vessels if v.service == element}
            return float(vl.loc[vl["element_id"].isin(ids), "load_t"].sum())
        if kpi == "vessel_crossings":
            return 2.0 * self.round_trips(element) / s.get("vessels", element).count
        if kpi == "port_vessel_calls":
            return sum(self.round_trips(v.id) for v in _vessels_at(s, element))
        if kpi in ("vessel_turnaround_h", "vessel_berth_h"):   # no queue on paper: the call itself
            return self._turnaround(element)
        if kpi == "border_dwell_h":
            node = s.nodes.loc[element]
            dwell = node.get("dwell_h_mean")
            fixed = node.get("fixed_time_h")
            return float(0.0 if _missing(dwell) else dwell) + float(0.0 if _missing(fixed) else fixed)
        if kpi == "leg_days":
            direct = _leg_days(s, element)
            return direct if direct is not None else self.quote_days(element)
        if kpi == "transit_days":
            return self.quote_days(element)
        raise KpiUnavailable(f"the capacity engine does not compute {kpi}; use the simulator")

    def _turnaround(self, element: str) -> float:
        s = self.scenario
        port, _, vessel = element.partition("/")
        classes = [s.get("vessels", vessel)] if vessel else _vessels_at(s, port)
        if not classes:
            raise KpiUnavailable(f"no vessel class calls at {port}")
        hours = [vessel_cycle(s, v).port_h[port] for v in classes]
        weights = [self.round_trips(v.id) for v in classes]
        if sum(weights) <= 0:
            return float(np.mean(hours))
        return float(np.average(hours, weights=weights))


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _vessels_at(s: Scenario, port: str) -> list:
    services = {sv.id for sv in s.doc.services if port in (sv.from_node, sv.to_node)}
    return [v for v in s.doc.vessels if v.service in services]


def _leg_days(s: Scenario, element: str) -> float | None:
    """Sailing time of the services joining two ports, or moving + delay time of a land link
    joining two nodes; None when no single service or link joins them."""
    a, _, b = element.partition(">")
    times = [crossing_h(v, sv.distance_km) for sv in s.doc.services
             if {sv.from_node, sv.to_node} == {a, b}
             for v in s.doc.vessels if v.service == sv.id]
    if times:
        return float(np.mean(times)) / 24.0
    for lk in s.doc.links:
        if {lk.from_node, lk.to_node} == {a, b}:
            row = s.links.loc[lk.id]
            delay = row.get("delay_h_mean")
            moving = row["distance_km"] / row["speed_kmh"] if not _missing(row.get("speed_kmh")) else None
            if moving is None:
                moving = float(row.get("transit_h") or 0.0)
            return (moving + (0.0 if _missing(delay) else float(delay))) / 24.0
    return None


_CARGO_WORD = {"teu": "TEU", "wagon": "wagon", "truck": "truck", "tonne": "t"}


def _cargo_between(s: Scenario, a: str, b: str) -> str:
    """Quote cargo for a stretch: one unit of the largest demand flow whose route passes a then b."""
    best: tuple[float, str] | None = None
    for d in s.doc.demand:
        for opt in d.route_options:
            nodes = s.get("routes", opt.route).nodes
            if a in nodes and b in nodes and nodes.index(a) < nodes.index(b):
                unit = s.unit_of(d.commodity)
                tonnes = d.annual_units * s.get("commodities", d.commodity).tonnes_per_unit
                if best is None or tonnes > best[0]:
                    best = (tonnes, f"1 {_CARGO_WORD[unit]} {d.commodity}")
    return best[1] if best else "1 FEU"


# -- simulator-side KPIs ----------------------------------------------------------------------
@dataclass
class SimView:
    """KPI lookups over a simulation Result of ``scenario``."""

    scenario: Scenario
    result: Result

    @cached_property
    def tonnes_per_unit(self) -> dict[str, float]:
        return {**unit_tonnes(self.scenario), "tonne": 1.0}

    @cached_property
    def carried(self) -> pd.DataFrame:
        """Voyage rows with units carried per handling unit (NaN as 0) and tonnes."""
        vv = self.result["vessel_voyages"].copy()
        cols = [c for c in vv.columns if c.endswith("_carried")]
        vv[cols] = vv[cols].fillna(0.0)
        vv["tonnes"] = sum(vv[c] * self.tonnes_per_unit.get(c[:-len("_carried")], 0.0) for c in cols)
        return vv

    def _table(self, name: str) -> pd.DataFrame:
        if name not in self.result.tables:
            raise KpiUnavailable(f"the simulator result has no '{name}' table (this version of "
                                 "the simulator does not record it)")
        return self.result[name]

    def compute(self, kpi: str, element: str) -> float:
        tp = self.result["throughput"]
        vv = self.carried
        at_port = (vv["from"] == element) | (vv["to"] == element)
        if kpi == "corridor_t":
            return float(tp["tonnes"].sum())
        if kpi == "flow_t":
            return float(tp.loc[tp["flow"] == element, "tonnes"].sum())
        if kpi == "port_throughput_t":
            return float(vv.loc[at_port, "tonnes"].sum())
        if kpi in _PORT_UNITS:
            col = f"{_PORT_UNITS[kpi]}_carried"
            return float(vv.loc[at_port, col].sum()) if col in vv else 0.0
        if kpi == "service_t":
            return float(vv.loc[vv["service"] == element, "tonnes"].sum())
        if kpi == "vessel_crossings":
            rows = vv[vv["vessel"] == element]
            return float(rows["voyages"].sum() / rows["vessels"].iloc[0]) if len(rows) else 0.0
        if kpi == "port_vessel_calls":
            if "port_performance" in self.result.tables:
                pp = self.result["port_performance"]
                return float(pp.loc[(pp["port"] == element) & (pp["vessel"] == "all"), "calls"].sum())
            return float(vv.loc[vv["to"] == element, "voyages"].sum())
        if kpi == "vessel_turnaround_h":
            return self._port_performance(element, "turnaround_h_mean")
        if kpi == "vessel_berth_h":
            return self._port_performance(element, "at_berth_h_mean")
        if kpi == "border_dwell_h":
            bp = self._table("border_performance")
            rows = bp[bp["node"] == element]
            if rows.empty:
                raise KpiUnavailable(f"the simulator records no dwell at {element} (only nodes with a "
                                     "train capacity are servers)")
            return float(rows["dwell_h_mean"].iloc[0])
        if kpi == "transit_days":
            o, _, d = element.partition(">")
            tt = self.result["transit_times"]
            rows = tt[(tt["origin"] == o) & (tt["destination"] == d)]
            if rows.empty or rows["units"].sum() <= 0:
                raise KpiUnavailable(f"no cargo from {o} to {d} was delivered in the simulation")
            return float(np.average(rows["mean_h"], weights=rows["units"])) / 24.0
        raise KpiUnavailable(f"the simulator does not compute {kpi}")

    def _port_performance(self, element: str, column: str) -> float:
        pp = self._table("port_performance")
        port, _, vessel = element.partition("/")
        rows = pp[(pp["port"] == port) & (pp["vessel"] == (vessel or "all"))]
        if rows.empty or float(rows["calls"].iloc[0]) <= 0:
            raise KpiUnavailable(f"no vessel call at {element} in the simulation")
        return float(rows[column].iloc[0])


# -- the table -------------------------------------------------------------------------------
class _Views:
    """The engines' results, run on first need."""

    def __init__(self, scenario: Scenario, sim_options: SimOptions | None, capacity_result: Result | None,
                 sim_result: Result | None, executor: Executor | Workers | None = None) -> None:
        self.scenario, self.sim_options, self.executor = scenario, sim_options, executor
        self.results = {"capacity": capacity_result, "sim": sim_result}
        self.views: dict[str, Callable[[str, str], float]] = {}

    def view(self, name: str) -> Callable[[str, str], float]:
        if name not in self.views:
            res = self.results[name]
            if name == "capacity":
                self.views[name] = CapacityView(self.scenario, res or capacity(self.scenario)).compute
            else:
                res = res or simulate(self.scenario,
                                      self.sim_options or SimOptions(replications=1, workers=1),
                                      executor=self.executor)
                self.views[name] = SimView(self.scenario, res).compute
        return self.views[name]

    def compute(self, kpi: str, element: str, engine: str, fallback: bool) -> tuple[float, str, str]:
        """(value, engine used, why NaN); with ``fallback`` the KPI's other engine steps in."""
        try:
            return self.view(engine)(kpi, element), engine, ""
        except (KpiUnavailable, KeyError) as exc:
            why = str(exc.args[0]) if exc.args else str(exc)
        for other in KPI_ENGINES[kpi] if fallback else ():
            if other == engine:
                continue
            try:
                return self.view(other)(kpi, element), other, f"{engine}: {why}"
            except (KpiUnavailable, KeyError):
                continue
        return math.nan, engine, why


#: Columns of :func:`model_kpis` (declared in :data:`transcaspian.calibration.tables.CHECK`).
CHECK_COLUMNS = ("kpi", "element", "year", "unit", "observed", "modelled", "error_pct",
                 "tolerance_pct", "within", "engine", "note", "model_note")


def model_kpis(scenario: Scenario, observed: pd.DataFrame, *, engine: Engine = "auto",
               sim_options: SimOptions | None = None, capacity_result: Result | None = None,
               sim_result: Result | None = None,
               executor: Executor | Workers | None = None) -> pd.DataFrame:
    """Observed figures beside the model's: modelled value, error and whether it is within tolerance.

    Parameters
    ----------
    observed
        Rows of the observed-KPI vocabulary (:func:`transcaspian.model.observed.load_observed`).
    engine
        ``auto`` (each KPI's own engine, :data:`KPI_ENGINES`; where it gives no figure, the
        KPI's other engine, and ``model_note`` says why), ``capacity`` or ``sim``.
    sim_options
        How to simulate when ``sim_result`` is not given (default: 1 year, 1 replication).
    capacity_result, sim_result
        Results already computed on ``scenario`` (each engine runs only if a row needs it
        and its result is not given).
    executor
        Where the simulator's replications run (:func:`transcaspian.sim.simulate`).

    Returns
    -------
    pandas.DataFrame
        ``kpi, element, year, unit, observed, modelled, error_pct`` (100 x (modelled -
        observed) / observed), ``tolerance_pct, within`` (``|error_pct| <= tolerance_pct``),
        ``engine, note`` (the observed row's) and ``model_note`` (why a figure is NaN).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> obs = pd.DataFrame([{"kpi": "leg_days", "element": "aktau>alat", "year": 2024, "value": 1.0,
    ...                      "unit": "days", "tolerance_pct": 50.0}])
    >>> round(float(model_kpis(s, obs)["modelled"].iloc[0]), 2) > 0
    True
    """
    views = _Views(scenario, sim_options, capacity_result, sim_result, executor)
    rows = []
    for r in observed.to_dict("records"):
        kpi, element = str(r["kpi"]), str(r["element"])
        used, value, why = row_engine(kpi, engine) if kpi in KPI_ENGINES else "", math.nan, ""
        if kpi not in KPI_ENGINES:
            why = f"unknown KPI {kpi}"
        else:
            value, used, why = views.compute(kpi, element, used, fallback=engine == "auto")
        obs = float(r["value"])
        err = 100.0 * (value - obs) / obs if obs != 0 and math.isfinite(value) else math.nan
        tol = float(r["tolerance_pct"])
        rows.append({"kpi": kpi, "element": element, "year": int(r.get("year", scenario.year)),
                     "unit": str(r.get("unit", KPIS[kpi].unit if kpi in KPIS else "")), "observed": obs,
                     "modelled": value, "error_pct": err, "tolerance_pct": tol,
                     "within": bool(math.isfinite(err) and abs(err) <= tol), "engine": used,
                     "note": str(r.get("note", "") or ""), "model_note": why})
    return pd.DataFrame(rows, columns=list(CHECK_COLUMNS)).astype(
        {"year": "int64", "observed": "float64", "modelled": "float64", "error_pct": "float64",
         "tolerance_pct": "float64", "within": "bool"})


#: Words by which an observed row's note says why the model cannot meet the figure.
MISS_REASONS = ("cannot", "can only", "upper bound", "lower bound", "rather than a target")


def explains_miss(note: str) -> bool:
    """True when an observed row's note says why the model cannot meet the figure.

    The convention of the observed files: such a note says the figure "cannot be met" /
    "cannot reach", that the model "can only" be higher or lower, or that the figure is an
    upper or lower bound "rather than a target".

    Examples
    --------
    >>> explains_miss("all trades, so the model cannot reach this figure"), explains_miss("9 days")
    (True, False)
    """
    text = note.lower()
    return any(word in text for word in MISS_REASONS)


#: Where the generated observed-versus-modelled table goes in docs/calibration.md, and its end.
TABLE_MARKER = "<!-- observed-vs-modelled table -->"
TABLE_END = "<!-- end of the observed-vs-modelled table -->"


def check_markdown(check: pd.DataFrame, caption: str = "") -> str:
    """The observed-versus-modelled table as Markdown; a row outside its tolerance shows why.

    Examples
    --------
    >>> t = pd.DataFrame({"kpi": ["port_teu"], "element": ["poti"], "year": [2024], "unit": ["TEU"],
    ...                   "observed": [545297.0], "modelled": [27500.0], "error_pct": [-95.0],
    ...                   "tolerance_pct": [50.0], "within": [False], "engine": ["capacity"],
    ...                   "note": ["cannot be met"], "model_note": [""]})
    >>> print(check_markdown(t).splitlines()[2])
    | port_teu | poti | 2024 | 545,297 TEU | 27,500 TEU | -95.0 | 50 | no | capacity | cannot be met |
    """
    def num(v: float, unit: str) -> str:
        if pd.isna(v):
            return "—"
        return f"{v:,.0f} {unit}" if abs(v) >= 100 else f"{v:,.2f} {unit}"

    lines = [caption, ""] if caption else []
    lines += ["| KPI | element | year | observed | modelled | error % | tolerance % | within | engine | "
              "why not met |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in check.itertuples(index=False):
        err = "—" if pd.isna(r.error_pct) else f"{r.error_pct:+.1f}"
        why = "" if r.within else (r.model_note if pd.isna(r.modelled) else r.note)
        if not r.within and not explains_miss(r.note):
            why = f"**not met, not explained** ({why})" if why else "**not met, not explained**"
        lines.append(f"| {r.kpi} | {r.element} | {r.year} | {num(r.observed, r.unit)} | "
                     f"{num(r.modelled, r.unit)} | {err} | {r.tolerance_pct:g} | "
                     f"{'yes' if r.within else 'no'} | {r.engine} | {why.replace('|', '/')} |")
    return "\n".join(lines)


def replace_marked(text: str, table: str) -> str:
    """``text`` with ``table`` placed after :data:`TABLE_MARKER` (replacing an earlier one).

    Examples
    --------
    >>> doc = f"# Doc\\n{TABLE_MARKER}\\nold\\n{TABLE_END}\\nafter\\n"
    >>> replace_marked(doc, "| new |").splitlines()[2:]
    ['| new |', '<!-- end of the observed-vs-modelled table -->', '', 'after']
    """
    if TABLE_MARKER not in text:
        raise ValueError(f"the marker {TABLE_MARKER} is not in the text")
    head, _, rest = text.partition(TABLE_MARKER)
    tail = rest.partition(TABLE_END)[2] if TABLE_END in rest else rest.lstrip("\n")
    rest = tail.lstrip("\n")
    return f"{head}{TABLE_MARKER}\n{table}\n{TABLE_END}\n" + (f"\n{rest}" if rest else "")
