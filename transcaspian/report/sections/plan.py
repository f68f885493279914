"""The plan section: which projects to build and when, who pays, and what it yields.

Drawn from a plan result folder (tables declared in :data:`transcaspian.planning.tables.PLAN`,
``meta["plan"]`` with the target, status and appraisal totals): a summary, a Gantt of the
projects, capacity against demand year by year, capex by payer and year, NPV per project,
the most used elements' utilisation, and the tables behind them (every row shown).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from transcaspian.model import Scenario
from transcaspian.model.results import Result
from transcaspian.report import figures
from transcaspian.report import html as h
from transcaspian.report.html import Section
from transcaspian.report.labels import node_name


def _musd(v: Any) -> str:
    return h.num(v, 0, " MUSD")


def _ratio(v: Any) -> str:
    return h.num(v, 2)


def _mt(v: Any) -> str:
    return "–" if h.missing(v) else h.num(float(v) / 1e6, 2)


def _id(v: Any) -> str:
    """An id kept on one line (ids break badly at their hyphens)."""
    return f'<span style="white-space: nowrap">{escape(h.text(v))}</span>'


def _year(v: Any) -> str:
    return "–" if h.missing(v) else f"{int(float(v))}"


def _yes(v: Any) -> str:
    return "yes" if bool(v) else "no"


def od_text(od: str, scenario: Scenario | None) -> str:
    """``origin:destination`` ids as 'Origin → Destination' (the ids without a scenario)."""
    if not od or ":" not in od:
        return od
    o, d = od.split(":", 1)
    if scenario is None:
        return f"{o} → {d}"
    return f"{node_name(scenario.nodes, o)} → {node_name(scenario.nodes, d)}"


def _summary(plan: Result, scenario: Scenario | None = None) -> list[str]:
    """The summary paragraph's sentences."""
    m: dict[str, Any] = plan.meta.get("plan") or {}
    target, year = m.get("target_mt"), m.get("target_year")
    met = m.get("status") == "met"
    projects = plan.tables.get("projects", pd.DataFrame())
    chosen = projects[projects["status"] == "chosen"] if "status" in projects else projects
    committed = len(projects) - len(chosen)
    rate = m.get("discount_rate")
    out = [f"Target: {h.num(target, 1)} Mt/yr by {_year(year)} (plan from {_year(m.get('start_year'))}) — "
           + ("met" if met else "not met") + " (exact capacity every year, simulated target year) after "
           f"{m.get('iterations', '?')} planning round(s). The plan builds {len(chosen)} project(s) "
           f"on top of {committed} committed one(s), for a total capex of {_musd(m.get('capex_musd'))} "
           "(undiscounted)."]
    years = plan.tables.get("years")
    if years is not None and not years.empty:
        short = years[~years["met"].astype(bool)]["year"].tolist()
        if short:
            out.append("Years whose requirement is not met: " + ", ".join(str(y) for y in short) + ".")
    out.append(f"At a discount rate of {h.pct(rate, 1)}: economic NPV {_musd(m.get('npv_musd'))}, "
               f"benefit-cost ratio {_ratio(m.get('bcr'))}, EIRR {h.pct(m.get('eirr'), 1)}"
               + (f", discounted payback in {_year(m.get('payback_year'))}"
                  if not h.missing(m.get("payback_year")) else ", no discounted payback within the period")
               + ".")
    payers = plan.tables.get("payers")
    if payers is not None and not payers.empty:
        p = payers.sort_values("capex_musd", ascending=False)
        out.append("Who pays: " + "; ".join(
            f"{r.name} ({r.payer}{', ' + r.kind if r.kind else ''}) {_musd(r.capex_musd)}, {h.pct(r.share)}"
            for r in p.itertuples(index=False)) + ".")
        funds = p[(p["kind"] == "fund") | (p["payer"] == "kz-az-fund")]
        for r in funds.itertuples(index=False):
            out.append(f"The {r.name} ({r.payer}) finances {_musd(r.capex_musd)}, {h.pct(r.share)} of the "
                       f"plan's capex, at most {_musd(r.peak_musd_per_year)} in one year.")
    if years is not None and not years.empty and "kz_az_trade_musd" in years:
        last = years.sort_values("year").iloc[-1]
        out.append(f"Trade carried in {int(last['year'])}: {_musd(last['trade_value_musd'])}, of which "
                   f"between Kazakhstan and Azerbaijan {_musd(last['kz_az_trade_musd'])} (the two "
                   "governments' goal: 1 bn USD).")
    sim = plan.tables.get("simcheck")
    if sim is not None and not sim.empty and "round" in sim:
        sim = sim.sort_values("round").groupby("year").tail(1)   # each year's last check
    if sim is not None and not sim.empty:
        od = od_text(m.get("od") or "", scenario)
        checks = "; ".join(
            f"{r.year}: {h.pct(r.served_share)} served, P50 {h.num(r.p50_days, 1)} / P90 "
            f"{h.num(r.p90_days, 1)} days"
            + (f" on {od_text(r.od, scenario)}" if r.od and od_text(r.od, scenario) != od else "")
            + f" ({'met' if r.met else 'not met'})"
            for r in sim.sort_values("year").itertuples(index=False))
        max_days = m.get("max_days")
        limit = "" if h.missing(max_days) else f" against a limit of {h.num(max_days, 1)} days"
        limit += f" on {od}" if od else ""
        out.append(f"Checked by simulation{limit}: {checks}.")
    else:
        out.append("No year was checked by simulation.")
    return out


def _payers(v: Any) -> str:
    """'ktz 120; ebrd 80' as one payer a line, each on one line."""
    return "<br>".join(f'<span style="white-space: nowrap">{escape(p.strip())}</span>'
                       for p in h.text(v).split(";") if p.strip())


PROJECT_COLS = [
    h.Col("label", "project", html=True), h.Col("status", "status"),
    h.Col("units", "units", h.num, numeric=True),
    h.Col("start_year", "start (year)", _year, numeric=True),
    h.Col("in_service_year", "in service (year)", _year, numeric=True),
    h.Col("capex_musd", "capex (MUSD)", h.num, numeric=True),
    h.Col("opex_musd_per_year", "opex (MUSD/yr)", lambda v: h.num(v, 1), numeric=True),
    h.Col("payers", "payers (MUSD)", _payers, html=True),
    h.Col("npv_musd", "NPV (MUSD)", h.num, numeric=True),
    h.Col("bcr", "BCR", _ratio, numeric=True),
    h.Col("eirr", "EIRR (%/yr)", lambda v: h.pct(v, 1), numeric=True),
    h.Col("payback_year", "payback (year, discounted)", _year, numeric=True),
]


def _project_labels(projects: pd.DataFrame) -> list[str]:
    """Each project's cell: its name, then its id and category in small type."""
    return [f'{escape(n or i)}<br><span class="note" style="white-space: nowrap">{escape(i)}'
            f'{" · " + escape(c) if c else ""}</span>'
            for i, n, c in zip(projects["project"], projects["name"], projects["category"], strict=True)]


YEAR_COLS = [
    h.Col("year", "year", _year), h.Col("demand_t", "demand (Mt/yr)", _mt, numeric=True),
    h.Col("required_t", "required (Mt/yr)", _mt, numeric=True),
    h.Col("capacity_t", "capacity (Mt/yr)", _mt, numeric=True),
    h.Col("served_t", "served (Mt/yr)", _mt, numeric=True),
    h.Col("served_share", "served (% of demand)", h.pct, numeric=True),
    h.Col("margin", "margin (% over requirement)", lambda v: h.pct(v, 1), numeric=True),
    h.Col("utilisation", "highest utilisation (%)", h.pct, numeric=True),
    h.Col("binding_element", "binding element", _id, html=True),
    h.Col("projects_in_service", "projects in service", h.num, numeric=True),
    h.Col("met", "met", _yes),
]

SIMCHECK_COLS = [
    h.Col("year", "year", _year), h.Col("round", "planning round", h.num, numeric=True),
    h.Col("replications", "replications", h.num, numeric=True),
    h.Col("served_share", "served (% of demand, t)", lambda v: h.pct(v, 1), numeric=True),
    h.Col("od", "origin → destination"),
    h.Col("p50_days", "P50 (days)", lambda v: h.num(v, 1), numeric=True),
    h.Col("p90_days", "P90 (days)", lambda v: h.num(v, 1), numeric=True),
    h.Col("met", "met", _yes),
]

SENSITIVITY_COLS = [
    h.Col("case", "case"), h.Col("npv_musd", "NPV (MUSD)", h.num, numeric=True),
    h.Col("bcr", "BCR", _ratio, numeric=True),
    h.Col("eirr", "EIRR (%/yr)", lambda v: h.pct(v, 1), numeric=True),
]

PAYER_COLS = [
    h.Col("payer", "payer", _id, html=True), h.Col("name", "name"), h.Col("kind", "kind"),
    h.Col("capex_musd", "capex (MUSD)", h.num, numeric=True),
    h.Col("share", "share of capex (%)", h.pct, numeric=True),
    h.Col("peak_musd_per_year", "largest year (MUSD/yr)", h.num, numeric=True),
    h.Col("budget_musd_per_year", "budget (MUSD/yr; – not limited)", h.num, numeric=True),
]


def _non_empty(plan: Result, name: str) -> pd.DataFrame | None:
    df = plan.tables.get(name)
    return df if df is not None and not df.empty else None


def plan_section(plan: Result, scenario: Scenario | None = None) -> Section:
    """The report section of a plan result (see the module docstring); with ``scenario``,
    the simulated check's origin and destination are named."""
    m: dict[str, Any] = plan.meta.get("plan") or {}
    target_year = int(m.get("target_year") or 0)
    title = (f"Plan: {h.num(m.get('target_mt'), 1)} Mt/yr by {_year(m.get('target_year'))} "
             f"({'met' if m.get('status') == 'met' else 'not met'})")
    items = _summary(plan, scenario)
    body: list[Markup] = [
        h.kpis([(h.num(m.get("target_mt"), 1) + " Mt", f"target in {_year(m.get('target_year'))}"),
                (str(m.get("status", "?")), "target"), (_musd(m.get("capex_musd")), "capex, undiscounted"),
                (_musd(m.get("npv_musd")), f"NPV at {h.pct(m.get('discount_rate'), 1)}"),
                (_ratio(m.get("bcr")), "benefit-cost ratio"), (h.pct(m.get("eirr"), 1), "EIRR")]),
        Markup('<ul class="headline lead" id="plan-summary">'
               + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"),
        h.note(f"Plan result of scenario '{plan.meta.get('scenario', '?')}' (hash "
               f"{str(plan.meta.get('scenario_hash', ''))[:12]}, "
               f"transcaspian {plan.meta.get('version', '?')})."),
    ]
    projects = _non_empty(plan, "projects")
    if projects is not None:
        body.append(Markup("<h3>Projects</h3>"))
        body.append(h.figure(figures.plan_gantt_figure(projects, target_year or
                                                       int(projects["in_service_year"].max())),
                             "chart-plan-gantt"))
    years = _non_empty(plan, "years")
    if years is not None:
        body.append(Markup("<h3>Capacity against demand, year by year</h3>"))
        body.append(h.figure(figures.plan_years_figure(years), "chart-plan-years"))
        body.append(h.table(years.sort_values("year"), YEAR_COLS, table_id="plan-years-table"))
    capex = _non_empty(plan, "capex")
    if capex is not None:
        body.append(Markup("<h3>Who pays, and when</h3>"))
        body.append(h.figure(figures.plan_capex_figure(capex), "chart-plan-capex"))
    payers = _non_empty(plan, "payers")
    if payers is not None:
        total = {"payer": "total", "capex_musd": payers["capex_musd"].sum(), "share": payers["share"].sum()}
        body.append(h.table(payers.sort_values("capex_musd", ascending=False), PAYER_COLS,
                            table_id="plan-payers-table", total_row=total))
    if projects is not None:
        body.append(Markup("<h3>Cost-benefit per project</h3>"))
        body.append(h.figure(figures.plan_npv_figure(projects), "chart-plan-npv"))
        total = {"label": "total", "capex_musd": projects["capex_musd"].sum(),
                 "opex_musd_per_year": projects["opex_musd_per_year"].sum(),
                 "npv_musd": projects["npv_musd"].sum()}
        rows = projects.sort_values(["in_service_year", "project"])
        rows = rows.assign(label=_project_labels(rows))
        body.append(h.table(rows, PROJECT_COLS,
                            table_id="plan-projects-table", total_row=total))
    elements = _non_empty(plan, "elements")
    if elements is not None:
        body.append(Markup("<h3>Bottlenecks year by year</h3>"))
        body.append(h.note("The most used elements each year: lines that stay close together mean the "
                           "bottlenecks are removed in step (synchronously), not one after another."))
        body.append(h.figure(figures.plan_elements_figure(elements), "chart-plan-elements"))
    sim = _non_empty(plan, "simcheck")
    if sim is not None:
        body.append(Markup("<h3>Simulated check</h3>"))
        sim = sim.sort_values("year")
        sim = sim.assign(od=[od_text(od, scenario) for od in sim["od"]])
        body.append(h.table(sim, SIMCHECK_COLS, table_id="plan-simcheck-table"))
    sens = _non_empty(plan, "sensitivity")
    if sens is not None:
        body.append(Markup("<h3>Sensitivity</h3>"))
        body.append(h.table(sens, SENSITIVITY_COLS, table_id="plan-sensitivity-table"))
    return Section("plan", "Plan", title, Markup("".join(body)))
