"""What to plan: the target, the horizon, the demand path, budgets, the time target, the checks."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from transcaspian.model.options import EngineOptions

#: EU Guide to Cost-Benefit Analysis of Investment Projects (DG REGIO, 2014): social discount
#: rate for cohesion countries. https://ec.europa.eu/regional_policy/sources/studies/cba_guide.pdf
EU_CBA_DISCOUNT_RATE = 0.05
#: Assumption: a carbon value of 100 USD/t CO2e (order of the EU ETS 2023-24 price, 60-100 EUR/t,
#: and below the EIB's 2030 shadow cost); the sensitivity table does not vary it.
CARBON_PRICE_USD_PER_T = 100.0


class PlanOptions(EngineOptions):
    """Options of :func:`transcaspian.planning.plan`.

    Examples
    --------
    >>> PlanOptions.build(target_mt=10.0, year=2030).discount_rate
    0.05
    """

    target_mt: float = Field(10.0, gt=0, le=1000, description="Tonnes a year the corridor must carry "
                             "in the target year (Mt/yr)")
    year: int = Field(2030, ge=2000, le=2100, description="Target year")
    start_year: int = Field(2024, ge=2000, le=2100, description="First planning year")
    demand: Literal["low", "central", "high"] = Field("central", description="Demand path")
    discount_rate: float = Field(EU_CBA_DISCOUNT_RATE, ge=0, le=0.5, description="Social discount "
                                 "rate (1/yr); EU CBA guide: 5 % cohesion countries, 3 % others")
    budgets: dict[str, float] = Field(default_factory=dict, description="Payer id -> most it can "
                                      "fund a year (MUSD/yr), on top of the scenario's budgets")
    max_days: float | None = Field(None, gt=0, le=365, description="Transit-time target on od "
                                   "in the target year (days, expected)")
    od: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9_.\-]*:[a-z0-9][a-z0-9_.\-]*$",
                           description="ORIGIN:DESTINATION node ids of the time target")
    through_tariff_usd_per_t: float | None = Field(None, gt=0, le=100_000, description="Unified "
                                                   "through tariff on the corridor (USD/t)")
    replications: int = Field(20, ge=0, le=10_000, description="Monte Carlo replications of each "
                              "simulated year (0: no simulation check)")
    sim_years: float = Field(0.5, gt=0, le=5, description="Simulated time per replication (years)")
    seed: int = Field(1, ge=0, le=2**32 - 1, description="Seed of the simulation check")
    served_threshold: float = Field(0.95, gt=0, le=1, description="Simulated served share the "
                                    "target year must reach (share)")
    margin_step: float = Field(0.05, gt=0, le=0.5, description="Capacity margin added when a check "
                               "fails (share)")
    max_rounds: int = Field(12, ge=1, le=50, description="Most planning rounds (solve, check)")
    carbon_price_usd_per_t: float = Field(CARBON_PRICE_USD_PER_T, ge=0, le=10_000,
                                          description="Value of CO2e avoided (USD/t)")
    reference_years: int = Field(30, ge=5, le=60, description="Appraisal reference period from the "
                                 "start year (years); EU CBA guide: rail 30, ports 25")
    net_of_benefits: bool = Field(False, description="Minimise discounted cost net of monetised "
                                  "benefits (otherwise cost only)")
    time_limit_s: float = Field(60.0, gt=0, le=3600, description="MILP time limit per solve (s)")

    @model_validator(mode="after")
    def _consistent(self) -> PlanOptions:
        if self.year <= self.start_year:
            raise ValueError(f"the target year {self.year} must come after the start year "
                             f"{self.start_year}")
        if (self.max_days is None) != (self.od is None):
            raise ValueError("a time target needs both max_days and od (ORIGIN:DESTINATION)")
        for payer, musd in self.budgets.items():
            if not musd >= 0:
                raise ValueError(f"budget of {payer} must be >= 0 MUSD/yr")
        return self
