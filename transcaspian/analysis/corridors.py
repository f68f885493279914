"""The main origin-destination pairs of a scenario: the corridors the report and ``compare`` quote.

Examples
--------
>>> from transcaspian.model import load_scenario
>>> [(c.origin, c.destination) for c in main_corridors(load_scenario("baseline-2024"), 1)]
[('xian', 'constanta')]
"""

from __future__ import annotations

from dataclasses import dataclass

from transcaspian.model.scenario import Scenario

#: The shipment quoted for a corridor of each handling unit.
CARGO_OF_UNIT = {"teu": "1 FEU", "wagon": "1 wagon", "truck": "1 truck", "tonne": "1000 t"}


@dataclass(frozen=True)
class Corridor:
    """One origin-destination pair the report quotes (``annual_t``: demand, t/yr)."""

    origin: str
    destination: str
    unit: str
    annual_t: float


def main_corridors(scenario: Scenario, n: int = 3) -> list[Corridor]:
    """The ``n`` origin-destination pairs with the most demand (tonnes), containers first."""
    d = scenario.demand
    if d.empty:
        return []
    g = d.groupby(["origin", "destination", "unit"], as_index=False)["annual_t"].sum()
    g["teu_first"] = g["unit"] != "teu"
    g = g.sort_values(["teu_first", "annual_t"], ascending=[True, False])
    out, seen = [], set()
    for r in g.itertuples(index=False):
        if (r.origin, r.destination) in seen:
            continue
        seen.add((r.origin, r.destination))
        out.append(Corridor(str(r.origin), str(r.destination), str(r.unit), float(r.annual_t)))
    return out[:n]
