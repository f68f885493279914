"""A small synthetic plan result folder, shaped like the planner's output (``PLAN``).

Five projects over 2024–2030 (two committed, three chosen, one of them a fleet of three
ferries), two payers (KTZ and the Kazakhstan–Azerbaijan Direct Investment Fund
``kz-az-fund``), the corridor year by year, the three most used elements per year, a
simulated check of two years, a 30-year appraisal, five sensitivity cases, payers and
tariff revenue. Numbers are made up but consistent: the capex table sums to the projects'
capex and the payers', capacity grows as projects enter service, NPV/BCR/EIRR follow from
the appraisal's cash flows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from transcaspian.model.results import Result, write_result
from transcaspian.planning.tables import PLAN

START, TARGET_YEAR, END = 2024, 2030, 2053
TARGET_MT = 10.0
RATE = 0.06
YEARS = list(range(START, TARGET_YEAR + 1))

PAYERS = {"ktz": ("KTZ (Kazakhstan Temir Zholy)", "railway", 400.0),
          "kz-az-fund": ("Kazakhstan–Azerbaijan Direct Investment Fund", "fund", float("nan"))}

#: id, name, status, category, units, start, in service, capex, opex, {payer: share}, capacity Mt added
PROJECTS: list[tuple[Any, ...]] = [
    ("p-almaty-bypass", "Almaty rail bypass", "committed", "infrastructure", 1, 2024, 2026, 300.0, 1.0,
     {"ktz": 1.0}, 0.8),
    ("p-aktau-container-hub", "Aktau container hub", "committed", "infrastructure", 1, 2024, 2026, 96.4, 4.0,
     {"ktz": 1.0}, 0.7),
    ("p-kuryk-expansion", "Kuryk port expansion (+50%)", "chosen", "infrastructure", 1, 2025, 2028, 150.0,
     3.0, {"ktz": 0.4, "kz-az-fund": 0.6}, 1.2),
    ("p-trans-caspian-ferry-fleet", "Trans-Caspian ferry fleet", "chosen", "fleet", 3, 2025, 2027, 240.0,
     9.0, {"kz-az-fund": 1.0}, 1.5),
    ("p-alat-phase-2", "Port of Baku (Alat) phase 2", "chosen", "infrastructure", 1, 2026, 2029, 400.0,
     6.0, {"ktz": 0.25, "kz-az-fund": 0.75}, 2.0),
]

ELEMENTS = {"kuryk-ferry": ("Kuryk ferry berths", "berth"),
            "alat-ferry": ("Alat ferry berths", "berth"),
            "dostyk-aktogay": ("Dostyk – Aktogay", "rail_section"),
            "aktau-ferry": ("Aktau ferry berth", "berth")}


def _frame(table: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """``rows`` as a DataFrame with the columns, order and dtypes ``PLAN`` declares."""
    decl = PLAN.table(table)
    assert decl is not None
    df = pd.DataFrame(rows, columns=[c.name for c in decl.columns])
    return df.astype({c.name: c.dtype for c in decl.columns})


def _capex_rows() -> list[dict[str, Any]]:
    rows = []
    for pid, _n, _s, _c, _u, start, ins, capex, _o, shares, _cap in PROJECTS:
        spend_years = list(range(start, ins))
        for payer, share in shares.items():
            name, kind, _b = PAYERS[payer]
            for y in spend_years:
                rows.append({"project": pid, "payer": payer, "payer_name": name, "payer_kind": kind,
                             "year": y, "capex_musd": capex * share / len(spend_years)})
    return rows


def _capacity_t(year: int) -> float:
    return 5.0e6 + sum(p[10] * 1e6 for p in PROJECTS if p[6] <= year)


def _appraisal_rows(capex: pd.DataFrame) -> list[dict[str, Any]]:
    by_year = capex.groupby("year")["capex_musd"].sum()
    rows = []
    for y in range(START, END + 1):
        inservice = [p for p in PROJECTS if p[6] <= y]
        opex = sum(p[8] for p in inservice)
        ramp = min(1.0, sum(p[10] for p in inservice) / 6.2)
        cost_saving, time_saving, co2t = 95.0 * ramp, 55.0 * ramp, 180_000.0 * ramp
        co2e = co2t * 80.0 / 1e6
        residual = 0.3 * sum(p[7] for p in PROJECTS) if y == END else 0.0
        cx = float(by_year.get(y, 0.0))
        rows.append({"year": y, "capex_musd": cx, "opex_musd": opex, "residual_musd": residual,
                     "cost_saving_musd": cost_saving, "time_saving_musd": time_saving, "co2e_musd": co2e,
                     "co2e_avoided_t": co2t,
                     "net_musd": cost_saving + time_saving + co2e + residual - cx - opex,
                     "discount_factor": 1.0 / (1.0 + RATE) ** (y - START)})
    return rows


def _npv(net: np.ndarray, rate: float) -> float:
    return float((net / (1.0 + rate) ** np.arange(len(net))).sum())


def _eirr(net: np.ndarray) -> float:
    lo, hi = -0.5, 1.0
    if _npv(net, lo) * _npv(net, hi) > 0:
        return float("nan")
    for _ in range(100):
        mid = (lo + hi) / 2
        if _npv(net, lo) * _npv(net, mid) <= 0:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


def plan_result(scenario) -> Result:
    """The synthetic plan as a :class:`Result` conforming to ``PLAN``."""
    capex = _frame("capex", _capex_rows())
    app = _frame("appraisal", _appraisal_rows(capex))
    net = app["net_musd"].to_numpy()
    df = app["discount_factor"].to_numpy()
    benefits = (app["cost_saving_musd"] + app["time_saving_musd"] + app["co2e_musd"]
                + app["residual_musd"]).to_numpy()
    costs = (app["capex_musd"] + app["opex_musd"]).to_numpy()
    npv = float((net * df).sum())
    bcr = float((benefits * df).sum() / (costs * df).sum())
    eirr = _eirr(net)
    cum = np.cumsum(net * df)
    payback = float(app["year"].iloc[int(np.argmax(cum > 0))]) if (cum > 0).any() else None
    total_capex = float(capex["capex_musd"].sum())

    projects = []
    for pid, name, status, cat, units, start, ins, cx, opex, shares, _cap in PROJECTS:
        w = cx / total_capex
        payers = "; ".join(f"{p} {cx * s:.0f}" for p, s in shares.items())
        projects.append({"project": pid, "name": name, "status": status, "category": cat, "units": units,
                         "start_year": start, "in_service_year": ins, "capex_musd": cx,
                         "opex_musd_per_year": opex, "payers": payers,
                         "npv_musd": npv * w * (1.4 if status == "chosen" else 0.5),
                         "bcr": bcr * (1.1 if status == "chosen" else 0.8),
                         "eirr": eirr + (0.01 if status == "chosen" else -0.02),
                         "payback_year": float(ins + 6) if status == "chosen" else float("nan")})

    years = []
    for i, y in enumerate(YEARS):
        demand = 4.5e6 * 1.14 ** i
        required = TARGET_MT * 1e6 if y == TARGET_YEAR else demand
        capacity = _capacity_t(y)
        served = min(demand, capacity)
        years.append({"year": y, "demand_t": demand, "required_t": required, "capacity_t": capacity,
                      "served_t": served, "served_share": served / demand,
                      "utilisation": demand / capacity,
                      "binding_element": ["kuryk-ferry", "alat-ferry", "dostyk-aktogay"][i % 3],
                      "shadow_t_per_1pct": 0.01 * capacity, "margin": capacity / required - 1.0,
                      "projects_in_service": sum(p[4] for p in PROJECTS if p[6] <= y),
                      "trade_value_musd": served / 1e6 * 310.0,
                      "kz_az_trade_musd": served / 1e6 * 25.0, "met": capacity >= required})

    elements = []
    for i, y in enumerate(YEARS):
        base = years[i]["demand_t"] / years[i]["capacity_t"]
        utils = {"kuryk-ferry": base * 1.02, "alat-ferry": base * 0.99, "dostyk-aktogay": base * 0.95,
                 "aktau-ferry": base * 0.9}
        top = sorted(utils, key=utils.get, reverse=True)[:3]
        for rank, e in enumerate(top, start=1):
            name, etype = ELEMENTS[e]
            elements.append({"year": y, "element": e, "name": name, "element_type": etype,
                             "utilisation": utils[e], "rank": rank})

    demand = []
    for i, y in enumerate(YEARS):
        for flow, commodity, share, response in (("cn-eu-containers", "containers", 0.6, 1.05),
                                                 ("kz-az-grain", "grain", 0.4, 1.0)):
            path_t = 4.5e6 * 1.14 ** i * share / response
            d = path_t * response
            s = d * years[i]["served_share"]
            demand.append({"year": y, "flow": flow, "commodity": commodity, "path_t": path_t,
                           "response": response, "demand_t": d, "served_t": s,
                           "trade_value_musd": s / 1e6 * 310.0})

    simcheck = [{"year": 2028, "round": 1, "replications": 8, "served_share": 0.97, "od": "xian:baku",
                 "p50_days": 16.5, "p90_days": 21.0, "met": True},
                {"year": 2030, "round": 2, "replications": 8, "served_share": 0.95, "od": "xian:baku",
                 "p50_days": 17.2, "p90_days": 23.5, "met": True}]

    sensitivity = [{"case": "central", "npv_musd": npv, "bcr": bcr, "eirr": eirr},
                   {"case": "capex +20%", "npv_musd": npv - 0.2 * total_capex * 0.85, "bcr": bcr / 1.15,
                    "eirr": eirr - 0.02},
                   {"case": "demand -20%", "npv_musd": npv * 0.6, "bcr": bcr * 0.85, "eirr": eirr - 0.03},
                   {"case": "value of time -50%", "npv_musd": npv * 0.75, "bcr": bcr * 0.9,
                    "eirr": eirr - 0.015},
                   {"case": "carbon price 0", "npv_musd": npv * 0.95, "bcr": bcr * 0.98,
                    "eirr": eirr - 0.003}]

    spent = capex.groupby("payer")["capex_musd"].sum()
    peak = capex.groupby(["payer", "year"])["capex_musd"].sum().groupby("payer").max()
    payers = [{"payer": p, "name": name, "kind": kind, "capex_musd": float(spent[p]),
               "peak_musd_per_year": float(peak[p]), "budget_musd_per_year": budget,
               "share": float(spent[p]) / total_capex} for p, (name, kind, budget) in PAYERS.items()]

    revenue = [{"party": "KTZ", "route": "tt-cn-az", "share": 0.55, "usd_per_t": 28.0,
                "revenue_musd_per_year": 154.0},
               {"party": "ASCO", "route": "tt-cn-az", "share": 0.3, "usd_per_t": 15.3,
                "revenue_musd_per_year": 84.0},
               {"party": "ADY", "route": "tt-cn-az", "share": 0.15, "usd_per_t": 7.6,
                "revenue_musd_per_year": 42.0}]

    tables = {"projects": _frame("projects", projects), "capex": capex, "years": _frame("years", years),
              "elements": _frame("elements", elements), "demand": _frame("demand", demand),
              "simcheck": _frame("simcheck", simcheck), "appraisal": app,
              "sensitivity": _frame("sensitivity", sensitivity), "payers": _frame("payers", payers),
              "revenue": _frame("revenue", revenue)}
    plan = {"target_mt": TARGET_MT, "target_year": TARGET_YEAR, "start_year": START, "discount_rate": RATE,
            "status": "met" if years[-1]["met"] else "not met", "npv_musd": npv, "bcr": bcr, "eirr": eirr,
            "payback_year": payback, "capex_musd": total_capex, "iterations": 3, "od": "xian:baku",
            "max_days": 25.0}
    result = Result(scenario.metadata(engine="plan", plan=plan), tables)
    problems = PLAN.problems(result)
    assert not problems, problems
    return result


def write_plan_fixture(folder: Path, scenario) -> Path:
    """Write the synthetic plan for ``scenario`` to ``folder`` (as the planner's ``-o``); returns it."""
    write_result(plan_result(scenario), folder)
    return Path(folder)
