"""``transcaspian plan``: which projects, when, paid by whom, to carry the target; checked and appraised."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from transcaspian.cli._common import (
    FORMAT_OPTION,
    WIDE_OPTION,
    Format,
    check_out,
    console,
    emit,
    err_console,
    open_scenario,
    user_errors,
    write_out,
)
from transcaspian.model.errors import input_error
from transcaspian.model.results import Result


def parse_budgets(items: list[str]) -> dict[str, float]:
    """``PAYER=MUSD`` pairs (MUSD a year) into a dict; a bad pair is a UserError naming it."""
    out: dict[str, float] = {}
    for item in items:
        payer, sep, amount = item.partition("=")
        try:
            value = float(amount)
        except ValueError:
            value = -1.0
        if not sep or not payer or value < 0:
            raise input_error(f"'{item}' is not PAYER=MUSD_PER_YEAR (e.g. kz-az-fund=60)", "--budget")
        out[payer.strip()] = value
    return out


def tariff_per_t(scenario, text: str | None) -> float | None:
    """``--through-tariff AMOUNT/UNIT`` in USD per tonne (units by the scenario's commodities)."""
    if text is None:
        return None
    from transcaspian.analysis.tariff import parse_through_tariff

    usd, unit = parse_through_tariff(text, field="--through-tariff")
    if unit == "tonne":
        return usd
    com = {c.id: c for c in scenario.doc.commodities}
    flows = [d for d in scenario.doc.demand if com[d.commodity].unit == unit]
    if not flows:
        raise input_error(f"no demand of the scenario travels per {unit}", "--through-tariff")
    largest = max(flows, key=lambda d: d.annual_units)   # the tariff's cargo: the main commodity
    return usd / com[largest.commodity].tonnes_per_unit


def summary_line(res: Result) -> str:
    p = res.meta["plan"]
    eirr = "none" if p["eirr"] is None else f"{p['eirr']:.1%}"
    sims = res["simcheck"]
    last = sims.sort_values("round").groupby("year").tail(1) if len(sims) else sims
    sim = ("not simulated" if last.empty else
           "; ".join(f"{r.year} simulated: served {r.served_share:.0%}, P50 {r.p50_days:.1f} d, "
                     f"P90 {r.p90_days:.1f} d on {r.od}" for r in last.itertuples()))
    y = res["years"].iloc[-1]
    return (f"Plan for {p['target_mt']:g} Mt/yr in {p['target_year']}: {p['status']} after "
            f"{p['iterations']} round(s); capex {p['capex_musd']:,.0f} MUSD (committed included); "
            f"NPV {p['npv_musd']:,.0f} MUSD at {p['discount_rate']:.0%}, BCR {p['bcr']:.2f}, EIRR {eirr}; "
            f"{sim}; trade carried {y['trade_value_musd'] / 1e3:,.1f} bn USD, of it Kazakhstan-Azerbaijan "
            f"{y['kz_az_trade_musd'] / 1e3:,.2f} bn USD (goal 1 bn)")


def show(res: Result, fmt: Format, wide: bool = False) -> None:
    pr = res["projects"]
    view = pd.DataFrame({"project": pr["project"], "status": pr["status"], "units": pr["units"],
                         "start": pr["start_year"], "in service": pr["in_service_year"],
                         "capex MUSD": pr["capex_musd"].round(0), "NPV MUSD": pr["npv_musd"].round(0),
                         "payers (MUSD)": pr["payers"] if wide else pr["payers"].str.slice(0, 34)})
    emit(view, fmt, None, "Projects", wide=wide)
    y = res["years"]
    emit(pd.DataFrame({"year": y["year"], "demand Mt": (y["demand_t"] / 1e6).round(2),
                       "required Mt": (y["required_t"] / 1e6).round(2),
                       "served Mt": (y["served_t"] / 1e6).round(2), "util": y["utilisation"].round(2),
                       "binding element": y["binding_element"].str.slice(0, 28),
                       "margin": y["margin"], "met": y["met"]}), fmt, None, "Year by year", wide=wide)
    pay = res["payers"]
    emit(pd.DataFrame({"payer": pay["payer"], "kind": pay["kind"], "capex MUSD": pay["capex_musd"].round(0),
                       "peak MUSD/yr": pay["peak_musd_per_year"].round(0),
                       "budget MUSD/yr": pay["budget_musd_per_year"], "share": pay["share"].round(3)}),
         fmt, None, "Payers", wide=wide)
    emit(res["sensitivity"].round(3), fmt, None, "Sensitivity", wide=wide)
    if fmt == Format.table:
        console.print(summary_line(res), highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``plan`` command."""

    @app.command("plan")
    def plan_cmd(
        scenario: str = typer.Argument(..., help="Built-in name or YAML file (its projects are the "
                                       "candidates)"),
        target_mt: float = typer.Option(10.0, "--target-mt", help="Mt a year to carry in the target year"),
        year: int = typer.Option(2030, "--year", help="Target year"),
        start_year: int = typer.Option(2024, "--start-year", help="First planning year"),
        max_days: float | None = typer.Option(None, "--max-days", help="Transit-time target (days) on --od"),
        od: str | None = typer.Option(None, "--od", help="ORIGIN:DESTINATION node ids of the time target"),
        budget: list[str] = typer.Option([], "--budget", help="PAYER=MUSD_PER_YEAR (repeatable)"),
        demand: str = typer.Option("central", "--demand", help="Demand path: low | central | high"),
        discount_rate: float = typer.Option(0.05, "--discount-rate", help="Social discount rate (1/yr)"),
        through_tariff: str | None = typer.Option(None, "--through-tariff",
                                                  help="Unified through tariff AMOUNT/UNIT, e.g. 2500/FEU"),
        simulate_n: int = typer.Option(20, "--simulate", help="Replications of the simulation check "
                                       "(0: exact capacity checks only)"),
        seed: int = typer.Option(1, "--seed", help="Seed of the simulation check"),
        out: Path | None = typer.Option(None, "--out", "-o", help="Write every table: a folder (CSV + "
                                        "meta.json), or a workbook when it ends .xlsx"),
        fmt: Format = FORMAT_OPTION,
        wide: bool = WIDE_OPTION,
    ) -> None:
        """Choose which projects to build and when (MILP, HiGHS) to carry --target-mt in --year, at
        least discounted cost, within budgets; check by capacity and simulation; appraise (NPV, BCR)."""
        from transcaspian.planning import plan
        from transcaspian.planning.options import PlanOptions
        from transcaspian.planning.tables import PLAN

        with user_errors():
            check_out(out)
            scen = open_scenario(scenario)
            options = PlanOptions.build(
                target_mt=float(target_mt), year=year, start_year=start_year, demand=demand,
                discount_rate=float(discount_rate), budgets=parse_budgets(budget),
                max_days=None if max_days is None else float(max_days), od=od,
                through_tariff_usd_per_t=tariff_per_t(scen, through_tariff), replications=simulate_n,
                seed=seed)
            res = plan(scen, options, ref=scenario,
                       say=lambda text: err_console.print(text, style="dim", highlight=False))
            write_out(res, out, PLAN)
        show(res, fmt, wide)
