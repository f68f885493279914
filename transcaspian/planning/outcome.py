"""What a planning run produced: its rounds (a solve and its checks) and the final outcome."""

from __future__ import annotations

from dataclasses import dataclass, field

from transcaspian.planning.check import SimCheck, YearCheck
from transcaspian.planning.milp import PlanSolution, units_in_service
from transcaspian.planning.problem import Model
from transcaspian.planning.response import Response


@dataclass
class Round:
    """One solve and its checks."""

    number: int
    solution: PlanSolution
    margins: dict[int, float]
    checks: list[YearCheck]
    sims: list[SimCheck] = field(default_factory=list)

    @property
    def met(self) -> bool:
        """The target year is met: exact capacity and every simulated check."""
        return self.checks[-1].met and all(s.met for s in self.sims)

    @property
    def every_year_met(self) -> bool:
        """Also each year before the target carries what every project built by then could."""
        return self.met and all(c.met for c in self.checks)


@dataclass
class Outcome:
    """What the planner hands to the tables and the appraisal."""

    model: Model
    rounds: list[Round]
    response: Response
    factors: dict[int, dict[str, float]]
    seconds: float

    @property
    def final(self) -> Round:
        """The last round that meets the target (else the last round)."""
        return next((r for r in reversed(self.rounds) if r.met), self.rounds[-1])


__all__ = ["Outcome", "Round", "units_in_service"]
