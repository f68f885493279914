"""Assemble the self-contained HTML report from its sections.

The report is a thin layer over the engines (capacity, quote, TCD, and a simulation
result folder when given): each section module in :mod:`transcaspian.report.sections`
turns engine tables into HTML tables and figures (:mod:`transcaspian.report.figures`);
this module only orders the sections and renders one Jinja2 template with plotly.js
embedded once. Nothing in the output is loaded from the network.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import jinja2
import plotly
from plotly.offline import get_plotlyjs

from transcaspian.model import Scenario
from transcaspian.model.results import Result, read_result
from transcaspian.report.html import Section
from transcaspian.report.sections.bottlenecks import bottleneck_section
from transcaspian.report.sections.capacity import capacity_section
from transcaspian.report.sections.itineraries import itineraries_section, run_quotes
from transcaspian.report.sections.map import map_section
from transcaspian.report.sections.ports import ports_section
from transcaspian.report.sections.references import references_section
from transcaspian.report.sections.simulation import sim_sections
from transcaspian.report.sections.sources import demand_section, sources_section
from transcaspian.report.sections.summary import headline_section

#: The ``<meta name="generator">`` content that marks a file as one of our reports.
GENERATOR = "transcaspian report"


_ENV = jinja2.Environment(loader=jinja2.PackageLoader("transcaspian.report", "templates"),
                          autoescape=jinja2.select_autoescape(["html", "j2"]),
                          undefined=jinja2.StrictUndefined)


def render(scenario: Scenario, sections: list[Section], generated: str,
           sim_meta: dict[str, Any] | None = None) -> str:
    """Render the page template around ``sections``."""
    return _ENV.get_template("report.html.j2").render(
        generator=GENERATOR, meta=scenario.metadata(), title=scenario.title or scenario.name,
        description="", year=scenario.year, price_year=scenario.doc.price_year,
        generated=generated, sim_meta=sim_meta, sections=sections, plotly_js=get_plotlyjs(),
        plotly_version=plotly.__version__)


def build_report(scenario: Scenario, sim_result_dir: str | Path | None = None,
                 generated: dt.datetime | None = None, *, simulation: Result | None = None) -> str:
    """The complete report for ``scenario`` as one self-contained HTML string.

    Parameters
    ----------
    scenario
        The validated scenario; the capacity, quote and TCD engines are run on it.
    sim_result_dir
        Optional folder written by ``transcaspian simulate``; adds transit-time
        distributions and waiting by node. Its ``scenario_hash`` must match.
    simulation
        Or the simulation result itself (e.g. the cached one ``transcaspian report`` draws on).
        Either way the quotes' expected days are its simulated means, as in ``quote``.
    generated
        Timestamp shown in the header (default: now, UTC).

    Raises
    ------
    UserError
        A simulation folder that is missing, incomplete, or made from another scenario.
    """
    from transcaspian.analysis import capacity
    from transcaspian.sim.tables import REPORT_TABLES, SIMULATION

    sim = (read_result(sim_result_dir, scenario, SIMULATION, REPORT_TABLES)
           if sim_result_dir is not None else simulation)
    when = (generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    cap = capacity(scenario)
    quotes = run_quotes(scenario, cap, simulation=sim)
    sections = [
        headline_section(scenario, cap, quotes, sim),
        map_section(scenario, cap),
        bottleneck_section(scenario, cap),
        capacity_section(scenario, cap),
        itineraries_section(scenario, quotes),
        references_section(scenario, quotes),
    ]
    if sim is not None:
        sections += sim_sections(scenario, sim) + ports_section(scenario, sim)
    sections += [demand_section(scenario), sources_section(scenario)]
    return render(scenario, sections, when, sim.meta if sim is not None else None)
