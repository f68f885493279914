"""Cost-benefit of a plan against the do-minimum (committed projects only).

Follows the EU Guide to Cost-Benefit Analysis of Investment Projects (DG REGIO, 2014,
https://ec.europa.eu/regional_policy/sources/studies/cba_guide.pdf): incremental economic
cash flows over a reference period, the social discount rate, residual value of assets
still in life at the end, ENPV, B/C ratio and EIRR (:mod:`transcaspian.analysis.cba`).

Benefits, year by year (held at the target year's level after it):

- transport-cost savings: cargo the plan adds over the do-minimum would otherwise take the
  reference routes: half of it (rule of half) saves the price difference to the references'
  mean; cargo without a reference (captive flows) gains half its tariff (assumption: the
  rule of half with the do-minimum's choke price at twice the tariff);
- time savings: cargo of a market already on the corridor gains the days the plan saves x
  its value of time; added cargo half the days it saves against the references;
- CO2e avoided (well-to-wheel, ISO 14083 factors of the quote) by added cargo x the
  carbon price.
Committed projects are in both cases, so only chosen projects carry costs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from transcaspian.analysis import QuoteOptions, quote
from transcaspian.analysis.cba import Appraisal, residual_value, value_of_time_usd_per_t_day
from transcaspian.analysis.cba import appraise as appraise_flows
from transcaspian.planning.check import check_year
from transcaspian.planning.problem import committed_units, is_committed
from transcaspian.planning.setting import configure
from transcaspian.planning.timing import od_cargo

if TYPE_CHECKING:
    from transcaspian.planning.outcome import Outcome


@dataclass
class PlanAppraisal:
    """Cash flows, the plan's indicators, per-project indicators and the sensitivity cases."""

    flows: pd.DataFrame
    plan: Appraisal
    projects: dict[str, Appraisal] = field(default_factory=dict)
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True)
class Terms:
    """Per tonne on one origin-destination: corridor and the references' mean."""

    days: float
    price: float
    co2_kg: float
    ref_days: float
    ref_price: float
    ref_co2_kg: float


def od_terms(scenario, origin: str, dest: str) -> Terms | None:
    """Corridor vs reference routes per tonne from one quote (None without references)."""
    cargo = od_cargo(scenario, f"{origin}:{dest}")
    q = quote(scenario, QuoteOptions.build(origin=origin, destination=dest, cargo=cargo, k=1))
    o = q["options"]
    cor, ref = o[o["kind"] == "corridor"], o[o["kind"] == "reference"]
    if cor.empty or ref.empty:
        return None
    tonnes = float(q.meta["tonnes"])
    c = cor.iloc[0]
    ref_price = ((ref["cost_usd_low"] + ref["cost_usd_high"]) / 2).mean()
    ref_days = ((ref["transit_days_low"] + ref["transit_days_high"]) / 2).mean()
    return Terms(float(c["transit_days"]), float(c["price_usd"]) / tonnes, float(c["co2e_wtw_kg"]) / tonnes,
                 float(ref_days), float(ref_price) / tonnes, float(ref["co2e_wtw_kg"].mean()) / tonnes)


def served_by_flow(result) -> dict[str, float]:
    f = result["flows"]
    return dict(zip(f["flow"], f["served_t"], strict=True))


def yearly_flows(out: Outcome) -> pd.DataFrame:
    """Economic cash flows by year (MUSD) over the reference period."""
    m, o = out.model, out.model.options
    st = m.setting
    chosen = {p for (p, _t), n in out.final.solution.in_service.items() if n > 0
              and not is_committed(st.projects[p])}
    years = list(range(o.start_year, o.start_year + o.reference_years))
    markets = {f: mk for mk in st.scenario.doc.markets for f in mk.flows}
    demand = {d.id: d for d in st.scenario.doc.demand}
    value = {c.id: c.value_usd_per_t or 0.0 for c in st.scenario.doc.commodities}
    rows = []
    by_year = {c.year: c for c in out.final.checks}
    cache: dict[int, tuple] = {}
    for t in years:
        ty = min(t, m.target_year)
        if ty not in cache:
            cache[ty] = _year_benefits(out, ty, by_year[ty], markets, demand, value)
        cost_saving, time_saving, co2_t = cache[ty]
        capex = sum(v for (p, _payer, y), v in out.final.solution.capex.items() if y == t and p in chosen)
        units = {p: n for (p, y), n in out.final.solution.in_service.items() if y == ty and p in chosen}
        opex = sum(st.projects[p].opex_musd_per_year * n for p, n in units.items())
        rows.append({"year": t, "capex_musd": capex, "opex_musd": opex, "residual_musd": 0.0,
                     "cost_saving_musd": cost_saving, "time_saving_musd": time_saving,
                     "co2e_musd": co2_t * o.carbon_price_usd_per_t / 1e6, "co2e_avoided_t": co2_t})
    df = pd.DataFrame(rows)
    end = years[-1]
    for p in chosen:
        first = min(y for (q, y), n in out.final.solution.in_service.items() if q == p and n > 0)
        n = max(n for (q, _y), n in out.final.solution.in_service.items() if q == p)
        proj = st.projects[p]
        df.loc[df["year"] == end, "residual_musd"] += residual_value(proj.capex_musd * n, first,
                                                                     proj.lifetime_years, end)
    ben = df[["cost_saving_musd", "time_saving_musd", "co2e_musd", "residual_musd"]].sum(axis=1)
    df["net_musd"] = ben - df["capex_musd"] - df["opex_musd"]
    df["discount_factor"] = 1.0 / (1.0 + o.discount_rate) ** (df["year"] - o.start_year)
    df["year"] = df["year"].astype("int64")
    return df


def _year_benefits(out: Outcome, year: int, check, markets, demand, value) -> tuple[float, float, float]:
    _m, st = out.model, out.model.setting
    factors = out.factors[year]
    dm = check_year(configure(st, committed_units(st, year), year, factors), year, 0.0)
    wp, base = served_by_flow(check.result), served_by_flow(dm.result)
    cost = time_ = co2 = 0.0
    terms_cache: dict[tuple, tuple] = {}
    for f, v_wp in wp.items():
        d = demand[f]
        dv = v_wp - base.get(f, 0.0)
        vot = value_of_time_usd_per_t_day(value.get(d.commodity, 0.0),
                                          markets[f].interest_rate if f in markets else 0.08)
        if f not in markets:
            cost += 0.5 * max(dv, 0.0) * _tariff_per_t(check.result, f)
            continue
        key = (d.origin, d.destination)
        if key not in terms_cache:
            wp_terms = od_terms(configure(st, _units(out, year), year), *key)
            dm_terms = od_terms(configure(st, committed_units(st, year), year), *key)
            terms_cache[key] = (wp_terms, dm_terms)
        wp_terms, dm_terms = terms_cache[key]
        if wp_terms is None or dm_terms is None:
            continue
        cost += 0.5 * dv * (wp_terms.ref_price - wp_terms.price)
        time_ += base.get(f, 0.0) * (dm_terms.days - wp_terms.days) * vot
        time_ += 0.5 * dv * (wp_terms.ref_days - wp_terms.days) * vot
        co2 += dv * (wp_terms.ref_co2_kg - wp_terms.co2_kg) / 1000.0
    return cost / 1e6, time_ / 1e6, co2


def _units(out: Outcome, year: int) -> dict[str, int]:
    return {p: n for (p, t), n in out.final.solution.in_service.items() if t == year and n > 0}


def _tariff_per_t(result, flow: str) -> float:
    f = result["flows"]
    row = f[f["flow"] == flow]
    if row.empty or float(row["served_t"].iloc[0]) <= 0:
        return 0.0
    return float(row["cost_usd"].iloc[0]) / float(row["served_t"].iloc[0])


def _indicators(df: pd.DataFrame, rate: float, start: int, capex_scale: float = 1.0,
                benefit_scale: float = 1.0) -> Appraisal:
    ben = df[["cost_saving_musd", "time_saving_musd", "co2e_musd"]].sum(axis=1) * benefit_scale \
        + df["residual_musd"] * capex_scale
    cost = df["capex_musd"] * capex_scale + df["opex_musd"]
    return appraise_flows(df["year"].to_numpy(), cost.to_numpy(), ben.to_numpy(), rate, start)


def appraise(out: Outcome) -> PlanAppraisal:
    """The plan's cash flows, indicators, per-project split and sensitivity table."""
    o = out.model.options
    df = yearly_flows(out)
    result = PlanAppraisal(df, _indicators(df, o.discount_rate, o.start_year))
    result.projects = project_indicators(out, df)
    result.sensitivity = sensitivity(out, df)
    return result


def sensitivity(out: Outcome, df: pd.DataFrame) -> pd.DataFrame:
    """Discount rate 3 % and 7 %, capex +30 %, the low and high demand paths (benefits scaled by
    the path's target-year demand over the central path's)."""
    from transcaspian.planning.setting import path_factor

    o, st = out.model.options, out.model.setting
    T = out.model.target_year

    def scale(path: str) -> float:
        tot = {p: sum(path_factor(st, d.commodity, T, p) * d.annual_units
                      * st.scenario.get("commodities", d.commodity).tonnes_per_unit
                      for d in st.scenario.doc.demand) for p in ("central", path)}
        return tot[path] / tot["central"] if tot["central"] else 1.0

    cases = [(f"as planned (r = {o.discount_rate:.0%})", _indicators(df, o.discount_rate, o.start_year)),
             ("discount rate 3 %", _indicators(df, 0.03, o.start_year)),
             ("discount rate 7 %", _indicators(df, 0.07, o.start_year)),
             ("capex +30 %", _indicators(df, o.discount_rate, o.start_year, capex_scale=1.3)),
             ("demand low path", _indicators(df, o.discount_rate, o.start_year, benefit_scale=scale("low"))),
             ("demand high path", _indicators(df, o.discount_rate, o.start_year,
                                              benefit_scale=scale("high")))]
    return pd.DataFrame([{"case": c, "npv_musd": a.npv_musd, "bcr": a.bcr, "eirr": a.eirr} for c, a in cases])


def project_indicators(out: Outcome, df: pd.DataFrame) -> dict[str, Appraisal]:
    """Each chosen project: its own costs and a share of the plan's benefits equal to its share of
    the tonnes the target year loses without it (exact engine)."""
    m, o = out.model, out.model.options
    st, T = m.setting, m.target_year
    units = _units(out, T)
    chosen = [p for p in units if not is_committed(st.projects[p])]
    full = out.final.checks[-1].served_t
    loss = {}
    for p in chosen:
        drop = {q for q in chosen if q == p or p in st.projects[q].requires}
        without = {q: n for q, n in units.items() if q not in drop}
        served = check_year(configure(st, without, T, out.factors[T]), T, 0.0).served_t
        loss[p] = max(0.0, full - served)
    total = sum(loss.values())
    capex = {p: st.projects[p].capex_musd * units[p] for p in chosen}
    spend = max(sum(capex.values()), 1e-9)
    shares = {p: (loss[p] / total if total > 0 else capex[p] / spend) for p in chosen}
    ben_cols = ["cost_saving_musd", "time_saving_musd", "co2e_musd"]
    out_map = {}
    for p in chosen:
        proj = st.projects[p]
        own = df[["year"]].copy()
        own["capex"] = [sum(v for (q, _pay, y), v in out.final.solution.capex.items() if q == p and y == t)
                        for t in df["year"]]
        first = min(y for (q, y), n in out.final.solution.in_service.items() if q == p and n > 0)
        own["opex"] = [proj.opex_musd_per_year * units[p] if t >= first else 0.0 for t in df["year"]]
        ben = df[ben_cols].sum(axis=1).to_numpy() * shares[p]
        ben[-1] += residual_value(proj.capex_musd * units[p], first, proj.lifetime_years,
                                  int(df["year"].iloc[-1]))
        out_map[p] = appraise_flows(df["year"].to_numpy(), (own["capex"] + own["opex"]).to_numpy(), ben,
                                    o.discount_rate, o.start_year)
    return out_map
