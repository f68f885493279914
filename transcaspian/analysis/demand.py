"""Demand that responds: a market's corridor volume as a function of the corridor's tariff and time.

This module is the one place where cargo reacts to the corridor's price and transit time. A
:class:`~transcaspian.model.schema.Market` groups demand flows that choose between the
corridor and reference routes (northern rail, deep sea) by a multinomial logit of
generalised cost per tonne (:mod:`transcaspian.analysis.route_choice`)::

    GC = tariff (USD/t) + days x value of time (USD/t/day)

- corridor terms (:func:`corridor_terms`): for the market's largest flow (by tonnes), the best
  itinerary by time for one unit of its commodity, priced as the quote engine prices it
  (the scenario's through tariff where one covers that itinerary, else the sum of leg
  tariffs; or a given through-tariff level), per tonne; the days are the quote's expected
  days (over the flow's routes at its shares);
- an alternative (a reference route): the mid of its published cost per FEU / (2 x the
  commodity's tonnes per TEU), the mid of its published days;
- value of time: the commodity's ``value_usd_per_t`` x the market's ``interest_rate`` / 365
  (:func:`~transcaspian.analysis.cba.value_of_time_usd_per_t_day`);
- the logit's scale ``theta`` gives the market's ``cost_elasticity`` at the corridor's
  calibration share and cost (:func:`~transcaspian.analysis.route_choice.theta_from_elasticity`);
  the constants reproduce ``corridor_share`` exactly, the alternatives sharing the rest in
  proportion to ``exp(-theta GC)``;
- :func:`response` is the multiplier on the calibration volume (the market's flows, t/yr)
  at other corridor terms; the market's total is held fixed (only the split moves).

Examples
--------
>>> from transcaspian.model import Scenario, load_scenario
>>> d = load_scenario("baseline-2024").doc.to_dict()
>>> for c in d["commodities"]:
...     if c["id"] == "container":
...         c["value_usd_per_t"] = 20000.0
>>> d["markets"] = [{"id": "m", "name": "China - Europe", "flows": ["d-xian-constanta-teu"],
...                  "alternatives": ["ref-sea-suez"], "corridor_share": 0.1,
...                  "cost_elasticity": -1.5, "interest_rate": 0.08, "assumption": "example"}]
>>> m = calibrate_market(Scenario.from_dict(d), "m")
>>> response(m, m.terms.tariff_usd_per_t, m.terms.days)
1.0
>>> response(m, 0.9 * m.terms.tariff_usd_per_t, m.terms.days) > 1.0
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from transcaspian.analysis.capacity import capacity
from transcaspian.analysis.cba import value_of_time_usd_per_t_day
from transcaspian.analysis.route_choice import Logit, response_factor, theta_from_elasticity
from transcaspian.analysis.routes import RoutePlanner, demand_route_rows, expected_days
from transcaspian.model.errors import Problem, UserError
from transcaspian.model.loading import suggest
from transcaspian.model.scenario import Scenario
from transcaspian.model.schema import DemandFlow, Market

#: The logit's name for the corridor among a market's alternatives (reference route ids).
CORRIDOR = "corridor"
#: TEU per FEU (reference routes publish rates per FEU).
TEU_PER_FEU = 2.0


@dataclass(frozen=True)
class CorridorTerms:
    """What the corridor offers a market's cargo: price per tonne and expected days.

    Attributes
    ----------
    tariff_usd_per_t : float
        Corridor price, USD per tonne.
    days : float
        Expected door-to-door days.
    od : tuple of str
        (origin, destination) of the market's largest flow.
    commodity, unit : str
        The flow's commodity and handling unit.
    tonnes_per_unit : float
        t per unit of the commodity.
    tariff_usd_per_unit : float
        Corridor price per unit (``tariff_usd_per_t x tonnes_per_unit``).
    route : str
        Scenario route id of the best itinerary ('' if it follows none).
    basis : str
        ``through tariff`` (the scenario's), ``given level`` or ``leg sum``.
    """

    tariff_usd_per_t: float
    days: float
    od: tuple[str, str]
    commodity: str = ""
    unit: str = ""
    tonnes_per_unit: float = 1.0
    tariff_usd_per_unit: float = math.nan
    route: str = ""
    basis: str = ""


@dataclass(frozen=True)
class MarketResponse:
    """A market's logit, calibrated on the scenario year.

    Attributes
    ----------
    market : str
        Market id.
    flows : tuple of str
        Its demand flow ids.
    logit : Logit
        The calibrated logit over ``corridor`` (:data:`CORRIDOR`) and the alternatives.
    gc_calibration : dict of str to float
        Generalised cost at calibration by alternative, USD/t.
    vot_usd_per_t_day : float
        Value of time, USD per tonne per day.
    terms : CorridorTerms
        The corridor's terms at calibration.
    volume_t : float
        The market's corridor volume at calibration (its flows, t/yr).
    shares : dict of str to float
        Calibration shares by alternative (the corridor's is ``corridor_share``).
    """

    market: str
    flows: tuple[str, ...]
    logit: Logit
    gc_calibration: dict[str, float]
    vot_usd_per_t_day: float
    terms: CorridorTerms
    volume_t: float
    shares: dict[str, float]

    @property
    def theta_per_usd(self) -> float:
        """The logit's cost coefficient, 1/(USD per t)."""
        return self.logit.theta_per_usd


def _market(scenario: Scenario, market_id: str) -> Market:
    markets = {m.id: m for m in scenario.doc.markets}
    if market_id not in markets:
        raise UserError([Problem(f"unknown market '{market_id}'{suggest(market_id, list(markets))}"
                                 + ("" if markets else " (the scenario declares no markets)"),
                                 field="market")], "the demand response")
    return markets[market_id]


def market_flows(scenario: Scenario, market_id: str) -> list[DemandFlow]:
    """The market's demand flows, in the order declared."""
    flows = {d.id: d for d in scenario.doc.demand}
    return [flows[f] for f in _market(scenario, market_id).flows if f in flows]


def flow_tonnes(scenario: Scenario, flow: DemandFlow) -> float:
    """Annual tonnes of a demand flow (units x the commodity's tonnes per unit)."""
    com = {c.id: c for c in scenario.doc.commodities}[flow.commodity]
    return flow.annual_units * com.tonnes_per_unit


def markets_covering(scenario: Scenario, origin: str, destination: str, commodity: str) -> list[str]:
    """Ids of the markets with a flow of ``commodity`` from ``origin`` to ``destination``."""
    out = []
    for m in scenario.doc.markets:
        if any((d.origin, d.destination, d.commodity) == (origin, destination, commodity)
               for d in market_flows(scenario, m.id)):
            out.append(m.id)
    return out


def corridor_terms(scenario: Scenario, market_id: str, through_tariff_usd_per_unit: float | None = None,
                   *, planner: RoutePlanner | None = None) -> CorridorTerms:
    """The corridor's price (USD/t) and expected days for a market's largest flow (by tonnes).

    The price: ``through_tariff_usd_per_unit`` when given (a through-tariff level to test, USD
    per unit of the flow's commodity), else what the flow pays today, its route options at
    their shares, each at the scenario's through tariff on that route if there is one or the
    sum of its leg tariffs (the best itinerary by time, as ``quote(..., k=1, by="time")`` ranks
    them, when no option has a share); / tonnes per unit. The days are the quote's expected
    days (the flow's routes at their shares).

    Parameters
    ----------
    planner
        A :class:`~transcaspian.analysis.routes.RoutePlanner` to reuse (default: one on
        :func:`~transcaspian.analysis.capacity.capacity` of the scenario).

    Raises
    ------
    UserError
        Naming ``market`` (unknown, or none of its flows in the scenario's demand).
    """
    m = _market(scenario, market_id)
    flows = market_flows(scenario, market_id)
    if not flows:
        raise UserError([Problem(f"market '{m.id}' has none of its flows in the scenario's demand",
                                 field="market")], "the demand response")
    flow = max(flows, key=lambda d: flow_tonnes(scenario, d))
    com = {c.id: c for c in scenario.doc.commodities}[flow.commodity]
    planner = planner or RoutePlanner(scenario, capacity(scenario))
    its = planner.itineraries(flow.origin, flow.destination, com.unit)
    if not its:
        raise UserError([Problem(f"no itinerary carries {com.unit} from {flow.origin} to "
                                 f"{flow.destination} (market '{m.id}')", field="market")],
                        "the demand response")

    def price(t: dict) -> float:
        through = t["through_usd_per_unit"]
        return through if through is not None else t["cost_usd_per_unit"]

    def key(it):  # the quote's ranking by time: time, price, CO2e, nodes
        t = planner.totals(it, com.unit)
        return (t["transit_h"], price(t), t["co2e_wtw_kg_per_t"], " ".join(it.nodes))

    best = min(its, key=key)
    t = planner.totals(best, com.unit)
    by_route = {it.route_id: it for it in its if it.route_id}
    shares = [(o.route, o.share or 0.0) for o in flow.route_options if o.route in by_route]
    if through_tariff_usd_per_unit is not None:
        per_unit, basis = float(through_tariff_usd_per_unit), "given level"
    elif sum(w for _, w in shares) > 0:   # what the flow pays today: its routes at their shares
        priced = [(price(planner.totals(by_route[r], com.unit)), w) for r, w in shares]
        per_unit = sum(p * w for p, w in priced) / sum(w for _, w in priced)
        basis = "route shares (through tariff where one applies, else leg sum)"
    else:
        per_unit = price(t)
        basis = "through tariff" if t["through_usd_per_unit"] is not None else "leg sum"
    routes = pd.DataFrame(demand_route_rows(planner, flow.origin, flow.destination, flow.commodity),
                          columns=["flow", "route", "share", "transit_h", "transit_days", "saturated"])
    first = pd.DataFrame([{"option": "opt1", "kind": "corridor", "transit_days": t["transit_h"] / 24.0,
                           "saturated": t["saturated"]}])
    days, _, _ = expected_days(routes, first)
    return CorridorTerms(tariff_usd_per_t=per_unit / com.tonnes_per_unit, days=days,
                         od=(flow.origin, flow.destination), commodity=com.id, unit=com.unit,
                         tonnes_per_unit=com.tonnes_per_unit, tariff_usd_per_unit=per_unit,
                         route=best.route_id or "", basis=basis)


def calibrate_market(scenario: Scenario, market_id: str, terms: CorridorTerms | None = None, *,
                     planner: RoutePlanner | None = None) -> MarketResponse:
    """The market's logit calibrated on the scenario year (see the module docstring).

    Parameters
    ----------
    terms
        The corridor's calibration terms (default: :func:`corridor_terms` of the scenario).

    Raises
    ------
    UserError
        Naming ``market`` (unknown market, commodity without ``value_usd_per_t`` or not
        handled in TEU, unknown alternative) when the market cannot be calibrated.
    """
    m = _market(scenario, market_id)
    terms = terms or corridor_terms(scenario, market_id, planner=planner)
    com = {c.id: c for c in scenario.doc.commodities}[terms.commodity]
    problems = []
    if com.value_usd_per_t is None:
        problems.append(Problem(f"commodity '{com.id}' of market '{m.id}' needs value_usd_per_t "
                                "(the value of time)", field="market"))
    if com.unit != "teu":
        problems.append(Problem(f"market '{m.id}': the reference routes publish rates per FEU; "
                                f"commodity '{com.id}' is handled in {com.unit}", field="market"))
    refs = {r.id: r for r in scenario.doc.references}
    missing = [a for a in m.alternatives if a not in refs]
    if missing:
        problems.append(Problem(f"market '{m.id}': unknown reference routes {missing}", field="market"))
    if CORRIDOR in m.alternatives:
        problems.append(Problem(f"market '{m.id}': an alternative may not be called '{CORRIDOR}'",
                                field="market"))
    if problems:
        raise UserError(problems, "the demand response")
    vot = value_of_time_usd_per_t_day(com.value_usd_per_t, m.interest_rate)
    gc = {CORRIDOR: terms.tariff_usd_per_t + terms.days * vot}
    for a in m.alternatives:
        r = refs[a]
        mid_feu = (r.cost_usd_per_feu_low + r.cost_usd_per_feu_high) / 2.0
        cost_t = mid_feu / (TEU_PER_FEU * com.tonnes_per_unit)
        gc[a] = cost_t + (r.transit_days_low + r.transit_days_high) / 2.0 * vot
    theta = theta_from_elasticity(m.cost_elasticity, gc[CORRIDOR], m.corridor_share)
    weights = {a: math.exp(-theta * (gc[a] - min(gc.values()))) for a in m.alternatives}
    total = sum(weights.values())
    shares = {CORRIDOR: m.corridor_share,
              **{a: (1.0 - m.corridor_share) * w / total for a, w in weights.items()}}
    logit = Logit.calibrate(gc, shares, theta_per_usd=theta)
    flows = market_flows(scenario, market_id)
    return MarketResponse(market=m.id, flows=tuple(d.id for d in flows), logit=logit,
                          gc_calibration=gc, vot_usd_per_t_day=vot, terms=terms,
                          volume_t=sum(flow_tonnes(scenario, d) for d in flows), shares=shares)


def generalised_cost(m: MarketResponse, tariff_usd_per_t: float, days: float) -> float:
    """The corridor's generalised cost (USD/t) at a tariff (USD/t) and days for market ``m``."""
    return tariff_usd_per_t + days * m.vot_usd_per_t_day


def response(m: MarketResponse, tariff_usd_per_t: float, days: float) -> float:
    """Multiplier on the market's calibration corridor volume at a corridor tariff (USD/t) and days.

    Exactly 1 at the calibration terms; > 1 when the corridor is cheaper or faster.
    """
    gc_new = {**m.gc_calibration, CORRIDOR: generalised_cost(m, tariff_usd_per_t, days)}
    return response_factor(m.logit, m.gc_calibration, gc_new, CORRIDOR)
