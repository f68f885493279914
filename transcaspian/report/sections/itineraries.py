"""The main itineraries with their time/cost-distance charts and CPMM tables."""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup, escape

from transcaspian.analysis.corridors import CARGO_OF_UNIT, Corridor, main_corridors
from transcaspian.model import Scenario
from transcaspian.model.results import Result
from transcaspian.report import figures
from transcaspian.report import html as h
from transcaspian.report.html import Section
from transcaspian.report.labels import node_name, short, via_text


def run_quotes(scenario: Scenario, cap: Result, n: int = 3, k: int = 3,
               simulation: Result | None = None) -> list[tuple[Corridor, Result]]:
    """Quotes for the main corridors, sharing one route planner built on ``cap``; with a
    ``simulation`` of the scenario their expected days are its simulated means, as in ``quote``."""
    from transcaspian.analysis import QuoteOptions, RoutePlanner, quote
    from transcaspian.model.errors import UserError

    planner = RoutePlanner(scenario, capacity_result=cap)
    out = []
    for c in main_corridors(scenario, n):
        try:
            options = QuoteOptions.build(origin=c.origin, destination=c.destination,
                                         cargo=CARGO_OF_UNIT[c.unit], k=k)
            out.append((c, quote(scenario, options, planner=planner, simulation=simulation)))
        except UserError:  # no itinerary carries the unit (the capacity notes say why)
            continue
    return out


def itineraries_section(scenario: Scenario, quotes: list[tuple[Corridor, Result]]) -> Section:
    """The best itineraries of each main corridor with their time/cost-distance charts."""
    nodes = scenario.nodes
    body: list[Markup] = [h.note(
        "The best itineraries for the corridors with the most demand. Time is expected "
        "door-to-door: moving + dwell at nodes + waits computed from the scenario's whole demand "
        "(queues, waiting for a vessel to fill or sail, onward-train formation, weather, the backlog "
        "of a saturated crossing). Cost is the sum of the scenario's leg tariffs. The charts follow the "
        "UNESCAP time/cost-distance method: cumulative time and cost against distance, "
        "vertical steps where cargo stops (borders, gauge changes, ports).")]
    if not quotes:
        body.append(h.note("The scenario has no demand flow with a feasible itinerary."))
    for idx, (c, q) in enumerate(quotes):
        opts = q["options"]
        corr = opts[opts["kind"] == "corridor"].copy()
        corr["via_names"] = [via_text(scenario, q["legs"][q["legs"]["option"] == o]) for o in corr["option"]]
        cargo = q.meta["options"]["cargo"]
        body.append(Markup(f"<h3>{escape(node_name(nodes, c.origin))} → "
                           f"{escape(node_name(nodes, c.destination))} "
                           f'<span class="note">({escape(h.num(c.annual_t / 1e6, 2))} Mt/yr demanded; '
                           f"quote for {escape(cargo)})</span></h3>"))
        m = q.meta
        body.append(h.note(
            f"Expected: {m['expected_days']:.1f} days"
            + (" on the scenario's routes for this demand, at its route shares (the figure the simulator's "
               "mean transit measures)" if m["expected_basis"] == "demand routes" else
               f", the simulated mean of this demand (analytic estimate {m['analytic_days']:.1f} days)"
               if m["expected_basis"] == "simulation" else "")
            + (". SATURATED: a crossing on the way has more demand than capacity; its wait is the backlog "
               "built over the year and grows with it." if m["expected_saturated"] else ".")))
        body.append(h.table(corr, [
            h.Col("option", "option"), h.Col("via_names", "via"),
            h.Col("distance_km", "km", h.num, numeric=True),
            h.Col("transit_h", "days", h.days, numeric=True),
            h.Col("moving_h", "moving d", h.days, numeric=True),
            h.Col("dwell_h", "dwell d", h.days, numeric=True),
            h.Col("wait_h", "queues d", h.days, numeric=True),
            h.Col("cost_usd", "cost USD", h.num, numeric=True),
            h.Col("co2e_wtw_kg", "CO2e WTW kg", h.num, numeric=True),
            h.Col("saturated", "saturated", lambda v: "yes: demand exceeds capacity" if v is True or v == 1
                  else ""),
        ], table_id=f"itineraries-{idx}"))
        from transcaspian.analysis import tcd_table

        best = str(corr.iloc[0]["option"])
        legs = q["legs"][q["legs"]["option"] == best].drop(columns="option")
        body.append(h.figure(figures.tcd_figure(scenario, tcd_table(legs), f"{short(nodes, c.origin)} → "
                                        f"{short(nodes, c.destination)}, option {best}"),
                             f"chart-tcd-{idx}"))
        body.append(Markup(f"<details{' open' if idx == 0 else ''}><summary>CAREC CPMM indicators "
                           "of this itinerary: sections, speeds, border times</summary>")
                    + cpmm_tables(scenario, legs, idx) + Markup("</details>"))
    return Section("itineraries", "Itineraries", "Main itineraries and time/cost-distance",
                   Markup("".join(body)))


def cpmm_tables(scenario: Scenario, legs: pd.DataFrame, idx: int) -> Markup:
    """CAREC CPMM indicators of one itinerary: sections (cost, speeds) and border times."""
    from transcaspian.analysis import cpmm_borders, cpmm_sections

    nodes = scenario.nodes
    sec = cpmm_sections(legs)
    sec["from"] = [node_name(nodes, n) for n in sec["from_node"]]
    sec["to"] = [node_name(nodes, n) for n in sec["to_node"]]
    out = Markup("<h4>Sections (CAREC CPMM)</h4>") + h.table(sec, [
        h.Col("from", "from"), h.Col("to", "to"), h.Col("modes", "modes"),
        h.Col("distance_km", "km", h.num, numeric=True),
        h.Col("moving_h", "moving h", lambda v: h.num(v, 1), numeric=True),
        h.Col("delay_h", "delays h", lambda v: h.num(v, 1), numeric=True),
        h.Col("speed_without_delay_kmh", "speed w/o delay km/h", lambda v: h.num(v, 1), numeric=True),
        h.Col("speed_with_delay_kmh", "speed with delay km/h", lambda v: h.num(v, 1), numeric=True),
        h.Col("cost_usd", "cost USD", h.num, numeric=True),
    ], table_id=f"cpmm-sections-{idx}")
    bor = cpmm_borders(legs)
    if not bor.empty:
        bor["name"] = [node_name(nodes, n) for n in bor["node"]]
        out += Markup("<h4>Borders and gauge changes</h4>") + h.table(bor, [
            h.Col("name", "node"), h.Col("node_kind", "kind", lambda v: h.text(v).replace("_", " ")),
            h.Col("country", "country"), h.Col("cum_distance_km", "km from origin", h.num, numeric=True),
            h.Col("time_h", "time h", lambda v: h.num(v, 1), numeric=True),
            h.Col("dwell_h", "dwell h", lambda v: h.num(v, 1), numeric=True),
            h.Col("wait_h", "queue h", lambda v: h.num(v, 1), numeric=True),
            h.Col("cost_usd", "cost USD", h.num, numeric=True),
        ], table_id=f"cpmm-borders-{idx}")
    return out
