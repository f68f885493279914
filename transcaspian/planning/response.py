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

    def close_to(self, other: Response) -> bool:
        keys = set(self.factors) | set(other.factors)
        return all(abs(self.factor(*k) - other.factor(*k)) < SETTLED for k in keys)


def calibrations(model: Model) -> dict[str, MarketResponse]:
    """Each market's logit, calibrated on the start year with the committed projects."""
    from transcaspian.analysis.demand import calibrate_market
    from transcaspian.planning.problem import committed_units

    st = model.setting
    if not st.scenario.doc.markets:
        return {}
    start = configure(st, committed_units(st, model.years[0]), model.years[0])
    return {m.id: calibrate_market(start, m.id) for m in st.scenario.doc.markets}


def respond(model: Model, solution: PlanSolution, previous: Response) -> Response:
    """The markets' response to the round's plan, year by year."""
    st, o = model.setting, model.options
    if not st.scenario.doc.markets:
        return previous
    from transcaspian.analysis.demand import corridor_terms, response
    from transcaspian.planning.milp import units_in_service

    cal = model.__dict__.setdefault("_calibrations", None) or calibrations(model)
    model.__dict__["_calibrations"] = cal
    if not cal:
        return previous
    factors: dict[tuple[str, int], float] = {}
    days: dict[tuple[str, int], float] = {}
    for t in model.years:
        config = configure(st, units_in_service(solution, t), t)
        for m in st.scenario.doc.markets:
            terms = corridor_terms(config, m.id)
            tariff = o.through_tariff_usd_per_t or terms.tariff_usd_per_t
            k = response(cal[m.id], tariff, terms.days)
            for f in m.flows:
                factors[(f, t)] = k
                days[(f, t)] = terms.days
    return Response(factors, days)
