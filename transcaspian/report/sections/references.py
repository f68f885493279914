"""The best itinerary beside the reference routes (northern, Suez, Cape)."""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from transcaspian.model import Scenario
from transcaspian.model.results import Result
from transcaspian.report import figures
from transcaspian.report import html as h
from transcaspian.report.html import Section
from transcaspian.report.labels import node_name, via_text
from transcaspian.report.sections.itineraries import Corridor


def references_section(scenario: Scenario, quotes: list[tuple[Corridor, Result]]) -> Section:
    """The main corridor's best itinerary beside the reference routes (northern, Suez, Cape)."""
    refs = scenario.references
    if refs.empty or not quotes:
        return Section("references", "Reference routes", "Comparison with the reference routes",
                       h.note("The scenario has no reference routes to compare with."))
    c, q = quotes[0]
    opts = q["options"]
    best = opts[opts["kind"] == "corridor"].iloc[:1].copy()
    best["name"] = f"Middle Corridor, {node_name(scenario.nodes, c.origin)} → " \
                   f"{node_name(scenario.nodes, c.destination)} (best itinerary)"
    best["label"] = "Middle Corridor"
    best["via"] = [via_text(scenario, q["legs"][q["legs"]["option"] == o]) for o in best["option"]]
    best["days_text"] = [h.days(v) for v in best["transit_h"]]
    best["cost_text"] = [h.num(v) for v in best["cost_usd"]]
    r = opts[opts["kind"] == "reference"].copy()
    r["days_text"] = [f"{lo:g}–{hi:g}" for lo, hi in zip(r["transit_days_low"], r["transit_days_high"],
                                                          strict=True)]
    r["cost_text"] = [f"{h.num(lo)}–{h.num(hi)}" for lo, hi in zip(r["cost_usd_low"], r["cost_usd_high"],
                                                                     strict=True)]
    r["label"] = r["name"]
    r["name"] = [f"{n} ({o})" for n, o in zip(r["name"], r["nodes"], strict=True)]
    rows = pd.concat([best, r], ignore_index=True)
    cargo = q.meta["options"]["cargo"]
    body = [h.note(f"Per shipment of {cargo}. The reference routes are coarse published ranges "
                   "(their own origins and destinations, in brackets); the corridor figure is this "
                   "model's expected time and leg-tariff cost.")]
    body.append(h.table(rows, [
        h.Col("name", "route"), h.Col("via", "via"), h.Col("distance_km", "km", h.num, numeric=True),
        h.Col("days_text", "days", numeric=True), h.Col("cost_text", "cost USD", numeric=True),
        h.Col("co2e_wtw_kg", "CO2e WTW kg", h.num, numeric=True),
    ], table_id="references-table"))
    body.append(h.figure(figures.references_figure(rows), "chart-references"))
    return Section("references", "Reference routes", "Comparison with the reference routes",
                   Markup("".join(body)))
