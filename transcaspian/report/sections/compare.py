"""The report's comparison with another scenario (the base of an overlay by default)."""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup, escape

from transcaspian.model.results import Result
from transcaspian.report import html as h
from transcaspian.report.html import Section


def _signed(v: float, digits: int = 0) -> str:
    return "" if h.missing(v) else f"{v:+,.{digits}f}"


def compare_section(res: Result) -> Section:
    """"Comparison with B": the figures of this scenario and the other, with deltas, from
    :func:`~transcaspian.analysis.compare.compare` (``res``: [other, this] in that order)."""
    s = res["summary"]
    other, this = s.iloc[0], s.iloc[-1]
    rows = pd.DataFrame([
        ("served (Mt/yr)", other.served_t / 1e6, this.served_t / 1e6, this.delta_served_t / 1e6, 2),
        ("served (%)", other.served_share * 100, this.served_share * 100, this.delta_served_share * 100, 1),
        ("demand multiplier (x)", other.demand_multiplier, this.demand_multiplier,
         this.delta_demand_multiplier, 3),
        ("CO2e WTW (kt/yr)", other.co2e_wtw_t / 1e3, this.co2e_wtw_t / 1e3, this.delta_co2e_wtw_t / 1e3, 0),
        ("CO2e WTW (g/t-km)", other.g_co2e_wtw_per_tkm, this.g_co2e_wtw_per_tkm,
         this.delta_g_co2e_wtw_per_tkm, 1),
        ("capex of applied projects (MUSD)", other.capex_musd, this.capex_musd, this.delta_capex_musd, 0),
    ], columns=["figure", "other", "this", "delta", "digits"])
    rows = rows.astype({"digits": int})
    fmt = [f"{r.other:,.{r.digits}f}|{r.this:,.{r.digits}f}|{_signed(r.delta, r.digits)}"
           for r in rows.itertuples()]
    rows[["other", "this", "delta"]] = [f.split("|") for f in fmt]
    name_o, name_t = str(other.scenario), str(this.scenario)
    body = [h.note(f"{name_t} against {name_o}: deltas are {name_t} minus {name_o}. Days are the "
                   "analytic expected door-to-door days of the quote on the main pairs."),
            h.table(rows, [h.Col("figure", "figure"), h.Col("other", name_o, numeric=True),
                           h.Col("this", name_t, numeric=True), h.Col("delta", "delta", numeric=True)],
                    table_id="compare-summary")]
    od = res["od_times"]
    od = od[od["scenario"] == name_t].assign(pair=lambda d: d["origin"] + " → " + d["destination"])
    body.append(Markup("<h3>Days on the main pairs</h3>") + h.table(od, [
        h.Col("pair", "origin → destination"), h.Col("expected_days", "days", lambda v: h.num(v, 1), True),
        h.Col("delta_expected_days", "delta days", lambda v: _signed(v, 1), True)], table_id="compare-od"))
    b = res["bottlenecks"]
    body.append(Markup("<h3>Bottlenecks removed and newly binding</h3>") + h.table(b, [
        h.Col("change", "change"), h.Col("name", "element"), h.Col("element_id", "id"),
        h.Col("from_node", "from"), h.Col("to_node", "to"),
        h.Col("utilisation_base", f"utilisation {name_o}", h.pct, True),
        h.Col("utilisation", f"utilisation {name_t}", h.pct, True)], table_id="compare-bottlenecks"))
    p = res["projects"]
    body.append(Markup(f"<h3>Projects that differ ({len(p)})</h3>") + h.table(p, [
        h.Col("change", "change"), h.Col("name", "project"), h.Col("capex_musd", "capex MUSD", h.num, True),
        h.Col("payer", "payer"), h.Col("in_service_year", "in service")], table_id="compare-projects"))
    return Section("compare", "Comparison", f"Comparison with {escape(name_o)}", Markup("".join(body)))
