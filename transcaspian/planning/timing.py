"""The transit-time target as a linear row: days the projects save on the origin-destination."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from transcaspian.analysis import QuoteOptions, quote
from transcaspian.model import Scenario
from transcaspian.planning.setting import configure

if TYPE_CHECKING:
    from transcaspian.planning.problem import Model


def od_cargo(scenario: Scenario, od: str) -> str:
    """One unit of the largest flow between the two ends (``1 FEU`` when there is none)."""
    origin, dest = od.split(":")
    flows = [d for d in scenario.doc.demand if d.origin == origin and d.destination == dest]
    if not flows:
        return "1 FEU"
    com = scenario.get("commodities", max(flows, key=lambda d: d.annual_units).commodity)
    return f"{2 if com.unit == 'teu' else 1} {com.unit} {com.id}"


def od_days(scenario: Scenario, od: str) -> float:
    """Expected door-to-door days of the fastest corridor itinerary on ``od`` (quote engine)."""
    origin, dest = od.split(":")
    q = quote(scenario, QuoteOptions.build(origin=origin, destination=dest, cargo=od_cargo(scenario, od),
                                           k=1))
    opts = q["options"]
    return float(opts.loc[opts["kind"] == "corridor", "transit_days"].min())


def time_rows(model: Model, say: Callable[[str], None]) -> tuple[tuple[dict[str, float], float], ...]:
    """``sum_p days_saved[p] x units[p] >= days now - max_days`` in the target year (or nothing)."""
    from transcaspian.planning.problem import committed_units, requirements

    o, st = model.options, model.setting
    if o.od is None or o.max_days is None:
        return ()
    say(f"measuring what each project saves on {o.od}")
    done = committed_units(st, o.year)
    now = od_days(configure(st, done, o.year), o.od)
    saved: dict[str, float] = {}
    for c in model.candidates:
        if c.forced_start is not None:
            continue
        under = {**done, **{q: st.projects[q].units_max for q in requirements(st, c.id)}}
        gain = od_days(configure(st, under, o.year), o.od) - od_days(configure(st, {**under, c.id: 1},
                                                                                 o.year), o.od)
        if gain > 1e-3:
            saved[c.id] = gain
    need = now - o.max_days
    return ((saved, need),) if need > 0 else ()
