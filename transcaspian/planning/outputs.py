"""The plan's result tables (declared in :mod:`transcaspian.planning.tables`) and metadata."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from transcaspian.model.results import Result
from transcaspian.planning.problem import is_committed
from transcaspian.planning.tables import PLAN

if TYPE_CHECKING:
    from transcaspian.planning.appraisal import PlanAppraisal
    from transcaspian.planning.outcome import Outcome

TOP_ELEMENTS = 5


def _nan(x: float | None) -> float:
    return float("nan") if x is None else float(x)


def projects_table(out: Outcome, app: PlanAppraisal) -> pd.DataFrame:
    st, sol = out.model.setting, out.final.solution
    rows = []
    for pid, p in st.projects.items():
        starts = {y: n for (q, y), n in sol.starts.items() if q == pid and n > 0}
        if not starts:
            continue
        units = int(sum(starts.values()))
        first = min(starts)
        pays = {}
        for (q, payer, _y), v in sol.capex.items():
            if q == pid:
                pays[payer] = pays.get(payer, 0.0) + v
        a = app.projects.get(pid)
        rows.append({"project": pid, "name": p.name, "status": "committed" if is_committed(p) else "chosen",
                     "category": p.category, "units": units, "start_year": int(first),
                     "in_service_year": int(first + max(1, p.in_service_year - p.build_start_year)),
                     "capex_musd": p.capex_musd * units, "opex_musd_per_year": p.opex_musd_per_year * units,
                     "payers": "; ".join(f"{k} {v:,.0f}"
                                         for k, v in sorted(pays.items(), key=lambda kv: -kv[1])),
                     "npv_musd": _nan(a.npv_musd if a else None), "bcr": _nan(a.bcr if a else None),
                     "eirr": _nan(a.eirr if a else None),
                     "payback_year": _nan(a.payback_year if a else None)})
    df = pd.DataFrame(rows).sort_values(["start_year", "project"]).reset_index(drop=True)
    return df.astype({"units": "int64", "start_year": "int64", "in_service_year": "int64"})


def capex_table(out: Outcome) -> pd.DataFrame:
    payers = {p.id: p for p in out.model.setting.scenario.doc.payers}
    rows = [{"project": p, "payer": payer, "payer_name": payers[payer].name if payer in payers else payer,
             "payer_kind": payers[payer].kind if payer in payers else "",
             "year": int(y), "capex_musd": float(v)}
            for (p, payer, y), v in sorted(out.final.solution.capex.items()) if v > 1e-9]
    df = pd.DataFrame(rows, columns=["project", "payer", "payer_name", "payer_kind", "year", "capex_musd"])
    return df.astype({"year": "int64", "capex_musd": "float64"})


def years_table(out: Outcome) -> pd.DataFrame:
    st = out.model.setting
    value = {c.id: c.value_usd_per_t or 0.0 for c in st.scenario.doc.commodities}
    country = {n.id: n.country for n in st.scenario.doc.nodes}
    rows = []
    for c in out.final.checks:
        f = c.result["flows"]
        worth = f["served_t"] * f["commodity"].map(value).fillna(0.0)
        trade = float(worth.sum()) / 1e6
        kz_az = [frozenset((country[o], country[d])) == frozenset(("KZ", "AZ"))
                 for o, d in zip(f["origin"], f["destination"], strict=True)]
        n = sum(1 for (_p, t), k in out.final.solution.in_service.items() if t == c.year and k > 0)
        rows.append({"year": c.year, "demand_t": c.demand_t, "required_t": c.required_t,
                     "capacity_t": c.capacity_t, "served_t": c.served_t,
                     "served_share": c.served_t / c.demand_t if c.demand_t else 1.0,
                     "utilisation": c.utilisation, "binding_element": c.binding,
                     "shadow_t_per_1pct": c.shadow_t_per_1pct, "margin": out.final.margins[c.year],
                     "projects_in_service": n, "trade_value_musd": trade,
                     "kz_az_trade_musd": float(worth[kz_az].sum()) / 1e6, "met": bool(c.met)})
    return pd.DataFrame(rows).astype({"year": "int64", "projects_in_service": "int64", "met": "bool"})


def elements_table(out: Outcome) -> pd.DataFrame:
    rows = []
    for c in out.final.checks:
        u = c.result["utilisation"].sort_values("utilisation", ascending=False)
        u = u.drop_duplicates("element_id").head(TOP_ELEMENTS)
        names = c.result["elements"].drop_duplicates("element_id").set_index("element_id")["name"]
        for rank, r in enumerate(u.itertuples(index=False), start=1):
            rows.append({"year": c.year, "element": r.element_id, "name": str(names.get(r.element_id, "")),
                         "element_type": r.element_type, "utilisation": float(r.utilisation), "rank": rank})
    return pd.DataFrame(rows).astype({"year": "int64", "rank": "int64"})


def demand_table(out: Outcome) -> pd.DataFrame:
    st = out.model.setting
    value = {c.id: c.value_usd_per_t or 0.0 for c in st.scenario.doc.commodities}
    tonnes = dict(zip(out.model.structure.flows, out.model.flow_tonnes, strict=True))
    com = {d.id: d.commodity for d in st.scenario.doc.demand}
    rows = []
    for c in out.final.checks:
        served = dict(zip(c.result["flows"]["flow"], c.result["flows"]["served_t"], strict=True))
        for f in out.model.structure.flows:
            k = out.response.factor(f, c.year)
            demand_t = tonnes[f] * out.factors[c.year][f]
            rows.append({"year": c.year, "flow": f, "commodity": com[f], "path_t": demand_t / k,
                         "response": k, "demand_t": demand_t, "served_t": float(served.get(f, 0.0)),
                         "trade_value_musd": float(served.get(f, 0.0)) * value.get(com[f], 0.0) / 1e6})
    return pd.DataFrame(rows).astype({"year": "int64"})


def simcheck_table(out: Outcome) -> pd.DataFrame:
    rows = [{"year": s.year, "round": r.number, "replications": s.replications,
             "served_share": s.served_share,
             "od": s.od, "p50_days": s.p50_days, "p90_days": s.p90_days, "met": bool(s.met)}
            for r in out.rounds for s in r.sims]
    cols = ["year", "round", "replications", "served_share", "od", "p50_days", "p90_days", "met"]
    df = pd.DataFrame(rows, columns=cols)
    return df.astype({"year": "int64", "round": "int64", "replications": "int64", "served_share": "float64",
                      "od": "str", "p50_days": "float64", "p90_days": "float64", "met": "bool"})


def payers_table(out: Outcome, capex: pd.DataFrame, budgets: dict[str, float]) -> pd.DataFrame:
    payers = {p.id: p for p in out.model.setting.scenario.doc.payers}
    total = capex["capex_musd"].sum()
    rows = []
    for payer, g in capex.groupby("payer"):
        p = payers.get(str(payer))
        rows.append({"payer": str(payer), "name": p.name if p else str(payer), "kind": p.kind if p else "",
                     "capex_musd": float(g["capex_musd"].sum()),
                     "peak_musd_per_year": float(g.groupby("year")["capex_musd"].sum().max()),
                     "budget_musd_per_year": float(budgets.get(str(payer), math.nan)),
                     "share": float(g["capex_musd"].sum() / total) if total else 0.0})
    cols = ["payer", "name", "kind", "capex_musd", "peak_musd_per_year", "budget_musd_per_year", "share"]
    return pd.DataFrame(rows, columns=cols).sort_values("capex_musd", ascending=False).reset_index(drop=True)


def revenue_table(out: Outcome) -> pd.DataFrame:
    """Through-tariff revenue per party in the target year from the flows on the tariff's route."""
    st, o = out.model.setting, out.model.options
    final = out.final.checks[-1].result
    fr = final["flow_routes"]
    rows = []
    for tt in st.scenario.doc.through_tariffs:
        on = fr[fr["route"] == tt.route]
        units = float(on["units"].sum())
        tonnes = float(on["t"].sum())
        tpu = tonnes / units if units else 1.0
        per_t = o.through_tariff_usd_per_t or tt.usd_per_unit / tpu
        for party, share in tt.shares.items():
            rows.append({"party": party, "route": tt.route, "share": share, "usd_per_t": per_t * share,
                         "revenue_musd_per_year": per_t * share * tonnes / 1e6})
    cols = ["party", "route", "share", "usd_per_t", "revenue_musd_per_year"]
    return pd.DataFrame(rows, columns=cols)


def plan_result(out: Outcome, app: PlanAppraisal) -> Result:
    """The plan as a Result conforming to :data:`PLAN`."""
    from transcaspian.planning.problem import budgets as budget_map

    m, o = out.model, out.model.options
    capex = capex_table(out)
    per_payer = {p: v for (p, _t), v in budget_map(m.setting.scenario, o, m.years).items()}
    sol = out.final.solution
    cost = sum(v * (1 + o.discount_rate) ** -(y - o.start_year) for (_p, _k, y), v in sol.capex.items())
    tables = {"projects": projects_table(out, app), "capex": capex, "years": years_table(out),
              "elements": elements_table(out), "demand": demand_table(out), "simcheck": simcheck_table(out),
              "appraisal": app.flows, "sensitivity": app.sensitivity,
              "payers": payers_table(out, capex, per_payer), "revenue": revenue_table(out)}
    target = out.final.checks[-1]
    sims = out.final.sims
    met = out.final.met
    meta = {**m.setting.scenario.metadata(), "engine": "plan", "options": o.record(), "seed": o.seed,
            "plan": {"target_mt": o.target_mt, "target_year": o.year, "start_year": o.start_year,
                     "discount_rate": o.discount_rate, "status": "met" if met else "not met",
                     "npv_musd": app.plan.npv_musd, "bcr": app.plan.bcr, "eirr": _none(app.plan.eirr),
                     "payback_year": app.plan.payback_year, "capex_musd": float(capex["capex_musd"].sum()),
                     "pv_capex_musd": float(cost), "iterations": len(out.rounds),
                     "margins": {str(k): v for k, v in out.final.margins.items()},
                     "target_served_t": target.served_t, "od": o.od or "", "max_days": o.max_days,
                     "simulated_years": [s.year for s in sims], "seconds": round(out.seconds, 1),
                     "milp_s": round(sum(r.solution.solve_s for r in out.rounds), 2)}}
    result = Result(meta, tables)
    problems = PLAN.problems(result)
    if problems:
        raise AssertionError("plan result departs from PLAN: " + "; ".join(problems))
    return result


def _none(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)
