"""Demand that responds to the plan: each market's corridor volume by route choice.

A market's logit (:mod:`transcaspian.analysis.demand`) is calibrated on the start year with
the committed projects only, at the scenario's tariff, so that year reproduces the
scenario's volumes. A plan year's configuration changes the corridor's days (quote
engine) and, with a unified through tariff, its price; the market's flows scale by the
logit's response.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from transcaspian.planning.setting import configure

if TYPE_CHECKING:
    from transcaspian.analysis.demand import MarketResponse
    from transcaspian.model.results import Result
    from transcaspian.planning.milp import PlanSolution
    from transcaspian.planning.problem import Model

#: Responses closer than this (multiplier) count as settled.
SETTLED = 0.01


@dataclass(frozen=True)
class Response:
    """Multiplier per (flow, year); flows outside every market keep 1."""

    factors: dict[tuple[str, int], float] = field(default_factory=dict)
    days: dict[tuple[str, int], float] = field(default_factory=dict)

    @classmethod
    def none(cls) -> Response:
        return cls()

    def factor(self, flow: str, year: int) -> float:
        return self.factors.get((flow, year), 1.0)

    def damped(self, previous: Response, weight: float = 0.5) -> Response:
        """The mean of this response and the previous one (so plan and demand settle, not swing)."""
        keys = set(self.factors) | set(previous.factors)
        return Response({k: weight * self.factor(*k) + (1 - weight) * previous.factor(*k) for k in keys},
                        self.days)

    def close_to(self, other: Response) -> bool:
        keys = set(self.factors) | set(other.factors)
        return all(abs(self.factor(*k) - other.factor(*k)) < SETTLED for k in keys)


def calibrations(model: Model, start_factors: dict[str, float]) -> dict[str, MarketResponse]:
    """Each market's logit, calibrated on the start year: its demand, the committed projects."""
    from transcaspian.analysis.demand import calibrate_market
    from transcaspian.planning.problem import committed_units

    st = model.setting
    start = configure(st, committed_units(st, model.years[0]), model.years[0], start_factors)
    return {m.id: calibrate_market(start, m.id) for m in st.scenario.doc.markets}


def respond(model: Model, solution: PlanSolution, previous: Response,
            factors: dict[int, dict[str, float]], start_factors: dict[str, float],
            capacity_results: dict[int, Result] | None = None) -> Response:
    """The markets' response to the round's plan, year by year (at the round's demand).

    ``capacity_results`` (year -> the capacity result of that year's configuration at these
    factors, as the round's checks computed it) saves running the capacity engine again.
    """
    st, o = model.setting, model.options
    if not st.scenario.doc.markets:
        return previous
    from transcaspian.analysis.demand import corridor_terms, response
    from transcaspian.analysis.routes import RoutePlanner
    from transcaspian.planning.milp import units_in_service

    if not model.markets:
        model.markets = calibrations(model, start_factors)
    out: dict[tuple[str, int], float] = {}
    days: dict[tuple[str, int], float] = {}
    for t in model.years:
        config = configure(st, units_in_service(solution, t), t, factors[t])
        known = (capacity_results or {}).get(t)
        planner = RoutePlanner(config, known) if known is not None else None
        for m in st.scenario.doc.markets:
            cal = model.markets[m.id]
            terms = corridor_terms(config, m.id, planner=planner)
            # the price holds at the calibration level unless a through tariff is set: the plan
            # changes days; which route is fastest must not switch the tariff basis
            k = response(cal, o.through_tariff_usd_per_t or cal.terms.tariff_usd_per_t, terms.days)
            for f in m.flows:
                out[(f, t)] = k
                days[(f, t)] = terms.days
    return Response(out, days)
