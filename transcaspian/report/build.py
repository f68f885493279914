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
from transcaspian.model.errors import Problem, UserError
from transcaspian.model.results import Result, read_result
from transcaspian.report.html import Section
from transcaspian.report.page import PAGE
from transcaspian.report.sections.bottlenecks import bottleneck_section
from transcaspian.report.sections.capacity import capacity_section
from transcaspian.report.sections.compare import compare_section
from transcaspian.report.sections.emissions import emissions_section
from transcaspian.report.sections.itineraries import itineraries_section, run_quotes
from transcaspian.report.sections.map import map_section
from transcaspian.report.sections.method import method_section
from transcaspian.report.sections.plan import plan_section
from transcaspian.report.sections.ports import ports_section
from transcaspian.report.sections.references import references_section
from transcaspian.report.sections.simulation import sim_sections
from transcaspian.report.sections.sources import demand_section, sources_section
from transcaspian.report.sections.summary import headline_section
from transcaspian.report.sections.sweep import check_sweep_scenario, sweep_section
from transcaspian.sweep import SweepResult, load_sweep

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
        plotly_version=plotly.__version__, page=PAGE)


#: What ``meta["plan"]`` of a plan folder must hold for the plan section.
PLAN_META_KEYS = ("target_mt", "target_year", "start_year", "discount_rate", "status", "npv_musd", "bcr",
                  "eirr", "capex_musd")


def read_plan(folder: str | Path, scenario: Scenario) -> Result:
    """A plan result folder made on ``scenario``, every table checked against
    :data:`~transcaspian.planning.tables.PLAN`.

    Raises
    ------
    UserError
        Naming the folder: missing, incomplete, made from another scenario (hash), a table
        missing or departing from its declaration, or ``meta.json`` without the plan's
        ``plan`` entry.
    """
    from transcaspian.planning.tables import PLAN

    def bad(messages: list[str]) -> UserError:
        return UserError([Problem(m, file=str(folder)) for m in messages], "the plan result folder")

    try:
        plan = read_result(folder, scenario, PLAN, [t.name for t in PLAN.tables if not t.optional])
    except (ValueError, TypeError) as exc:  # a value that does not convert to its declared dtype
        raise bad([f"a table departs from its declaration: {exc}"]) from None
    problems = PLAN.problems(plan)
    meta = plan.meta.get("plan")
    if not isinstance(meta, dict):
        problems.append('meta.json lacks "plan" (the target, status and appraisal of the plan): '
                        "not a plan result folder")
    else:
        lacking = [k for k in PLAN_META_KEYS if k not in meta]
        if lacking:
            problems.append(f'meta.json "plan" lacks {", ".join(lacking)}')
    if problems:
        raise bad(problems)
    return plan


def read_sweep(folder: str | Path, scenario: Scenario) -> SweepResult:
    """A complete sweep folder made on ``scenario`` (UserError otherwise)."""
    res = load_sweep(folder)
    check_sweep_scenario(res, scenario)
    return res


def build_report(scenario: Scenario, sim_result_dir: str | Path | None = None,
                 generated: dt.datetime | None = None, *, simulation: Result | None = None,
                 plan_result_dir: str | Path | None = None, compare: Scenario | None = None,
                 sweep_dir: str | Path | None = None) -> str:
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
    plan_result_dir
        Optional plan result folder (tables of :data:`~transcaspian.planning.tables.PLAN`)
        made on this scenario (its ``scenario_hash`` must match); adds the plan section
        after the headline.
    compare
        Another scenario to compare with: adds the "Comparison with B" section (deltas of this
        scenario against it, :func:`~transcaspian.analysis.compare.compare`).
    sweep_dir
        Optional folder written by ``transcaspian sweep`` on this scenario: adds "Which
        assumptions matter" (tornado and response charts per KPI).
    generated
        Timestamp shown in the header (default: now, UTC).

    Raises
    ------
    UserError
        A simulation or plan folder that is missing, incomplete, malformed, or made from
        another scenario.
    """
    from transcaspian.analysis import capacity
    from transcaspian.sim.tables import REPORT_TABLES, SIMULATION

    plan = read_plan(plan_result_dir, scenario) if plan_result_dir is not None else None
    swept = read_sweep(sweep_dir, scenario) if sweep_dir is not None else None
    sim = (read_result(sim_result_dir, scenario, SIMULATION, REPORT_TABLES)
           if sim_result_dir is not None else simulation)
    when = (generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    cap = capacity(scenario)
    quotes = run_quotes(scenario, cap, simulation=sim)
    sections = [
        headline_section(scenario, cap, quotes, sim),
        *([plan_section(plan, scenario)] if plan is not None else []),
        map_section(scenario, cap),
        bottleneck_section(scenario, cap),
        capacity_section(scenario, cap),
        emissions_section(scenario, cap),
        itineraries_section(scenario, quotes),
        references_section(scenario, quotes),
    ]
    if compare is not None:
        from transcaspian.analysis.compare import compare as compare_engine

        sections.insert(1, compare_section(compare_engine([compare, scenario])))
    if sim is not None:
        sections += sim_sections(scenario, sim) + ports_section(scenario, sim)
    if swept is not None:
        sections.append(sweep_section(swept))
    sections += [demand_section(scenario), method_section(scenario, cap, sim), sources_section(scenario)]
    return render(scenario, sections, when, sim.meta if sim is not None else None)
