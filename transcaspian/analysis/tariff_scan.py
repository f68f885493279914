"""The through tariff as a lever: cargo carried and each party's revenue and costs by tariff level.

For each level ``L`` of a through tariff (USD per unit of ``options.unit``; an FEU counts 2 TEU, a
level per tonne converts with the commodity's tonnes per unit):

- the corridor's response: when a market (:class:`~transcaspian.model.schema.Market`) has
  flows on the through tariff's route, its corridor price becomes ``L`` (days unchanged) and its
  flows scale by :func:`~transcaspian.analysis.demand.response`; other flows do not respond;
- tonnes carried = the route's served tonnes in the capacity engine's routing (flow_routes)
  x the response of their flow (1 without a market); units likewise;
- each party's revenue = its share x ``L`` x units; its cost = ``costs_usd_per_unit`` of the
  through tariff where declared, else (an assumption: an operating ratio) its share of the
  scenario's through rate x ``cost_ratio``, per unit x units; it covers its costs when its
  share x ``L`` >= its cost per unit.

The answer: the level carrying the most cargo while every party covers its costs (ties: the
one with more revenue), or why there is none.

Examples
--------
>>> from transcaspian.model import load_scenario
>>> res = tariff_scan(load_scenario("baseline-2024"),
...                   TariffScanOptions.build(route="tt-xian-constanta-teu", levels="2500:3000:250"))
>>> res["levels"]["level"].tolist()
[2500.0, 2750.0, 3000.0]
>>> res["levels"]["all_cover"].tolist()
[False, True, True]
"""

from __future__ import annotations

import math
from typing import Any, Literal

import pandas as pd
from pydantic import Field, field_validator

from transcaspian.analysis.capacity import capacity
from transcaspian.analysis.demand import (
    MarketResponse,
    calibrate_market,
    corridor_terms,
    market_flows,
    response,
)
from transcaspian.analysis.routes import RoutePlanner
from transcaspian.analysis.tariff import LEVEL_UNITS
from transcaspian.model.errors import Problem, UserError
from transcaspian.model.loading import suggest
from transcaspian.model.options import EngineOptions
from transcaspian.model.results import Result
from transcaspian.model.scenario import Scenario
from transcaspian.model.schema import ThroughTariff

#: Most levels one scan evaluates.
MAX_LEVELS = 1000
#: Default operating ratio: a party's cost = this x its share of the scenario's through rate.
DEFAULT_COST_RATIO = 0.85

LEVEL_COLUMNS = ["level", "unit", "usd_per_unit", "tariff_usd_per_t", "response", "tonnes", "units",
                 "revenue_usd", "all_cover", "short"]
PARTY_COLUMNS = ["level", "party", "share", "revenue_usd_per_unit", "revenue_usd", "cost_usd_per_unit",
                 "cost_basis", "cost_usd", "margin_usd", "covers"]
SUMMARY_COLUMNS = ["route", "through_tariff", "unit", "market", "scenario_level", "tonnes_today",
                   "chosen_level", "chosen_tonnes", "change_pct", "answer"]


def parse_levels(text: str) -> tuple[float, ...]:
    """Levels from ``START:STOP:STEP`` (STOP included) or ``A,B,C``.

    Examples
    --------
    >>> parse_levels("1500:2000:250"), parse_levels("2500, 3000")
    ((1500.0, 1750.0, 2000.0), (2500.0, 3000.0))
    """
    text = text.strip()
    try:
        if ":" in text:
            parts = [float(x) for x in text.split(":")]
            if len(parts) != 3:
                raise ValueError(f"expected START:STOP:STEP, got '{text}'")
            start, stop, step = parts
            if not step > 0 or stop < start:
                raise ValueError(f"'{text}': STEP must be > 0 and STOP >= START")
            n = math.floor((stop - start) / step + 1e-9)
            if n + 1 > MAX_LEVELS:
                raise ValueError(f"'{text}' gives {n + 1} levels; at most {MAX_LEVELS}")
            return tuple(start + i * step for i in range(n + 1))
        return tuple(float(x) for x in text.split(","))
    except ValueError as exc:
        if "could not convert" in str(exc):
            raise ValueError(f"cannot read levels '{text}': expected START:STOP:STEP (e.g. "
                             "1500:4000:250) or a comma-separated list") from None
        raise


class TariffScanOptions(EngineOptions):
    """What to scan: a through tariff, the levels, their unit and the cost assumption.

    Examples
    --------
    >>> TariffScanOptions.build(route="r1", levels="1500:2000:250", unit="FEU").levels
    (1500.0, 1750.0, 2000.0)
    """

    route: str = Field(..., min_length=1, max_length=64,
                       description="Through-tariff id, or the id of the route a through tariff covers")
    levels: tuple[float, ...] = Field(..., min_length=1, max_length=MAX_LEVELS,
                                      description="Levels to evaluate (USD per unit): START:STOP:STEP "
                                      "(STOP included) or a list, each > 0")
    unit: Literal["feu", "teu", "wagon", "truck", "tonne"] = Field(
        "feu", description="Unit of the levels: FEU (= 2 TEU), TEU, wagon, truck or tonne")
    cost_ratio: float = Field(DEFAULT_COST_RATIO, gt=0, le=5, description="Assumption (operating ratio): "
                              "a party without a declared cost costs its share of the scenario's "
                              "through rate x this, per unit")
    market: str | None = Field(None, min_length=1, max_length=64, description="Market whose demand "
                               "responds (default: the market with the most tonnes on the route)")

    @field_validator("levels", mode="before")
    @classmethod
    def _levels(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = parse_levels(v)
        if isinstance(v, list | tuple):
            v = tuple(float(x) if isinstance(x, int | float) and not isinstance(x, bool) else x for x in v)
            if any(isinstance(x, float) and not x > 0 for x in v):
                raise ValueError("every level must be > 0")
        return v

    @field_validator("unit", mode="before")
    @classmethod
    def _unit(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = v.strip().lower()
            v = {"teus": "teu", "feus": "feu", "wagons": "wagon", "trucks": "truck", "t": "tonne",
                 "tonnes": "tonne", "ton": "tonne"}.get(v, v)
        return v


def resolve_through_tariff(scenario: Scenario, ref: str) -> ThroughTariff:
    """The through tariff with id ``ref``, or the one on route ``ref`` (UserError naming ``route``)."""
    tts = scenario.doc.through_tariffs
    hit = next((t for t in tts if t.id == ref), None) or next((t for t in tts if t.route == ref), None)
    if hit is None:
        names = [t.id for t in tts] + [t.route for t in tts]
        raise UserError([Problem(f"no through tariff '{ref}' (by id or route){suggest(ref, names)}"
                                 + ("" if tts else "; the scenario declares none"), field="route")],
                        "the tariff scan")
    return hit


def party_costs(tt: ThroughTariff, cost_ratio: float) -> dict[str, tuple[float, str]]:
    """Each party's cost per unit (USD) and its basis: ``declared`` or ``cost ratio``.

    Examples
    --------
    >>> tt = ThroughTariff(id="t", route="r", unit="teu", usd_per_unit=1000.0,
    ...                    shares={"a": 0.6, "b": 0.4}, costs_usd_per_unit={"a": 500.0}, assumption="x")
    >>> party_costs(tt, 0.85)
    {'a': (500.0, 'declared'), 'b': (340.0, 'cost ratio')}
    """
    declared = tt.costs_usd_per_unit or {}
    return {p: (declared[p], "declared") if p in declared
            else (s * tt.usd_per_unit * cost_ratio, "cost ratio") for p, s in tt.shares.items()}


def choose_level(levels: pd.DataFrame) -> pd.Series | None:
    """The row carrying the most tonnes with ``all_cover`` (ties: more revenue), or None.

    Examples
    --------
    >>> df = pd.DataFrame({"level": [1, 2, 3], "tonnes": [30.0, 20.0, 10.0],
    ...                    "revenue_usd": [30.0, 40.0, 30.0], "all_cover": [False, True, True]})
    >>> int(choose_level(df)["level"])
    2
    """
    ok = levels[levels["all_cover"]]
    if ok.empty:
        return None
    return ok.sort_values(["tonnes", "revenue_usd"], ascending=False, kind="stable").iloc[0]


def _per_handling_unit(unit: str, tt_unit: str, tonnes_per_unit: float) -> float:
    """Factor from a level per ``unit`` (feu, teu, ...) to one per the through tariff's unit."""
    handling, per = LEVEL_UNITS[unit]
    if handling == tt_unit:
        return 1.0 / per
    if handling == "tonne":
        return tonnes_per_unit
    raise UserError([Problem(f"levels per {unit} do not convert to the through tariff's unit "
                             f"({tt_unit})", field="unit")], "the tariff scan")


def _scan(tt: ThroughTariff, options: TariffScanOptions, factor: float, tpu: float,
          served_t: dict[str, float], served_units: dict[str, float], m: MarketResponse | None, days: float,
          costs: dict[str, tuple[float, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per level (tonnes, units, revenue, who is short) and per level and party."""
    responding = set(m.flows) if m is not None else set()
    level_rows, party_rows = [], []
    for level in options.levels:
        per_unit = level * factor
        tariff_t = per_unit / tpu
        resp = response(m, tariff_t, days) if m is not None else 1.0
        tonnes = sum(t * (resp if f in responding else 1.0) for f, t in served_t.items())
        units = sum(u * (resp if f in responding else 1.0) for f, u in served_units.items())
        short = []
        for p, share in sorted(tt.shares.items()):
            cost_pu, basis = costs[p]
            rev_pu = share * per_unit
            covers = rev_pu >= cost_pu - 1e-9
            if not covers:
                short.append(p)
            party_rows.append({"level": level, "party": p, "share": share, "revenue_usd_per_unit": rev_pu,
                               "revenue_usd": rev_pu * units, "cost_usd_per_unit": cost_pu,
                               "cost_basis": basis, "cost_usd": cost_pu * units,
                               "margin_usd": (rev_pu - cost_pu) * units, "covers": covers})
        level_rows.append({"level": level, "unit": options.unit, "usd_per_unit": per_unit,
                           "tariff_usd_per_t": tariff_t, "response": resp, "tonnes": tonnes, "units": units,
                           "revenue_usd": per_unit * units, "all_cover": not short,
                           "short": ", ".join(short)})
    return pd.DataFrame(level_rows, columns=LEVEL_COLUMNS), pd.DataFrame(party_rows, columns=PARTY_COLUMNS)


def _answer(chosen: Any, parties: pd.DataFrame, costs: dict[str, tuple[float, str]], tt: ThroughTariff,
            factor: float, shown: str, today_t: float, responds: bool) -> tuple[str, float]:
    """The answer line and the change in tonnes (%) at the chosen level."""
    if chosen is not None:
        change = (chosen["tonnes"] / today_t - 1.0) * 100.0 if today_t > 0 else math.nan
        answer = (f"the level carrying the most cargo while every party covers its costs: "
                  f"{chosen['level']:,.0f} USD/{shown}, {chosen['tonnes']:,.0f} t/yr "
                  f"({change:+.1f} % on today's)")
        if not responds:
            answer += "; no market on the route, so demand does not respond to the level"
        return answer, change
    worst = parties.groupby("party")["covers"].any()
    never = sorted(worst[~worst].index)
    need = max(costs[p][0] / s for p, s in tt.shares.items() if s > 0) / factor
    return (f"no level covers every party's costs: {', '.join(never) or 'some party'} "
            f"{'is' if len(never) == 1 else 'are'} short at every level scanned; every party covers "
            f"its costs from {need:,.0f} USD/{shown}"), math.nan


def tariff_scan(scenario: Scenario, options: TariffScanOptions, *,
                planner: RoutePlanner | None = None) -> Result:
    """Cargo carried and each party's revenue and cost coverage at each through-tariff level.

    Returns
    -------
    Result with tables ``levels`` (:data:`LEVEL_COLUMNS`), ``parties`` (:data:`PARTY_COLUMNS`)
    and ``summary`` (one row, :data:`SUMMARY_COLUMNS`); ``meta["answer"]`` is the answer line.
    See the module docstring and :data:`~transcaspian.analysis.tables.TARIFF`.

    Raises
    ------
    UserError
        Naming ``route`` (no such through tariff), ``unit`` (levels that do not convert) or
        ``market`` (unknown, or it cannot be calibrated).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> res = tariff_scan(load_scenario("baseline-2024"),
    ...                   TariffScanOptions.build(route="tt-xian-constanta-teu", levels=[2500, 2750]))
    >>> float(res["summary"]["chosen_level"].iloc[0])
    2750.0
    """
    tt = resolve_through_tariff(scenario, options.route)
    markets = {m.id: m for m in scenario.doc.markets}
    if options.market is not None and options.market not in markets:
        raise UserError([Problem(f"unknown market '{options.market}'{suggest(options.market, list(markets))}",
                                 field="market")], "the tariff scan")
    planner = planner or RoutePlanner(scenario, capacity(scenario))
    fr = planner.capacity_result["flow_routes"]
    on_route = fr[fr["route"] == tt.route]
    served_t = on_route.groupby("flow")["t"].sum().to_dict()
    served_units = on_route.groupby("flow")["units"].sum().to_dict()
    flows = {d.id: d for d in scenario.doc.demand}
    coms = {c.id: c for c in scenario.doc.commodities}
    if options.market is not None:
        market = options.market
    else:
        weight = {m: sum(served_t.get(d.id, 0.0) for d in market_flows(scenario, m)) for m in markets}
        market = max((m for m in weight if weight[m] > 0), key=lambda m: weight[m], default=None)
    heaviest = max(served_t, key=lambda f: served_t[f], default=None)
    if heaviest is not None:
        tpu = coms[flows[heaviest].commodity].tonnes_per_unit
    else:
        same = [c for c in scenario.doc.commodities if c.unit == tt.unit]
        tpu = same[0].tonnes_per_unit if same else 1.0
    factor = _per_handling_unit(options.unit, tt.unit, tpu)
    m = today = None
    if market is not None:
        today = corridor_terms(scenario, market, planner=planner)
        m = calibrate_market(scenario, market, today)
    costs = party_costs(tt, options.cost_ratio)
    levels, parties = _scan(tt, options, factor, tpu, served_t, served_units, m,
                            today.days if today is not None else 0.0, costs)
    today_t = float(sum(served_t.values()))
    shown = options.unit.upper() if options.unit in ("feu", "teu") else options.unit
    chosen = choose_level(levels)
    answer, change = _answer(chosen, parties, costs, tt, factor, shown, today_t, m is not None)
    summary = pd.DataFrame([{
        "route": tt.route, "through_tariff": tt.id, "unit": options.unit, "market": market or "",
        "scenario_level": tt.usd_per_unit / factor, "tonnes_today": today_t,
        "chosen_level": float(chosen["level"]) if chosen is not None else math.nan,
        "chosen_tonnes": float(chosen["tonnes"]) if chosen is not None else math.nan,
        "change_pct": change, "answer": answer}], columns=SUMMARY_COLUMNS)
    meta = scenario.metadata(engine="tariff", options=options.record(), through_tariff=tt.id,
                             market=market, answer=answer,
                             days=today.days if today is not None else None)
    return Result(meta, {"levels": levels, "parties": parties, "summary": summary})
