"""``transcaspian compare A B [C ...]``: scenarios side by side with their deltas to the first."""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path

import pandas as pd
import typer

from transcaspian.analysis.tables import COMPARE
from transcaspian.cli._common import (
    FORMAT_OPTION,
    Format,
    check_out,
    emit,
    open_scenario,
    user_errors,
    write_out,
)
from transcaspian.model.errors import input_error
from transcaspian.model.results import Result


class CompareTable(StrEnum):
    """Which comparison table to print."""

    summary = "summary"
    od_times = "od_times"
    bottlenecks = "bottlenecks"
    projects = "projects"
    all = "all"


def _n(v: float, digits: int = 0, sign: bool = False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float) and math.isinf(v):
        return "unbounded"
    return f"{v:{'+' if sign else ''},.{digits}f}"


#: Summary rows of the terminal view: label with unit, column, scale, decimals.
SUMMARY_ROWS = (("served (Mt/yr)", "served_t", 1e-6, 2), ("served (%)", "served_share", 100.0, 1),
                ("demand multiplier (x)", "demand_multiplier", 1.0, 3),
                ("capacity at the mix (Mt/yr)", "capacity_t", 1e-6, 2),
                ("CO2e WTW (kt/yr)", "co2e_wtw_t", 1e-3, 0),
                ("CO2e WTW (g/t-km)", "g_co2e_wtw_per_tkm", 1.0, 1),
                ("projects applied", "projects", 1.0, 0), ("capex (MUSD)", "capex_musd", 1.0, 0))


def summary_view(res: Result) -> pd.DataFrame:
    """The summary transposed: one row per figure (unit in the label), one column per scenario;
    after the base, each value carries its delta to the base in brackets."""
    s = res["summary"]
    out: dict[str, list[str]] = {"figure": [r[0] for r in SUMMARY_ROWS]}
    for i, row in enumerate(s.to_dict("records")):
        cells = []
        for _, col, scale, digits in SUMMARY_ROWS:
            v = _n(float(row[col]) * scale, digits)
            if i > 0:
                v += f" ({_n(float(row[f'delta_{col}']) * scale, digits, True)})"
            cells.append(v)
        out[row["scenario"]] = cells
    return pd.DataFrame(out)


def od_view(res: Result) -> pd.DataFrame:
    """Days per pair and scenario, deltas in brackets."""
    o = res["od_times"]
    out = pd.DataFrame({
        "scenario": o["scenario"], "origin > destination": o["origin"] + " > " + o["destination"],
        "days": [f"{_n(a, 1)} ({_n(d, 1, True)})" for a, d in
                 zip(o["expected_days"], o["delta_expected_days"], strict=True)]})
    if o["p50_days"].notna().any():
        out["P50 days"] = [f"{_n(a, 1)} ({_n(d, 1, True)})" for a, d in
                           zip(o["p50_days"], o["delta_p50_days"], strict=True)]
        out["P90 days"] = [f"{_n(a, 1)} ({_n(d, 1, True)})" for a, d in
                           zip(o["p90_days"], o["delta_p90_days"], strict=True)]
    out["basis"] = o["basis"]
    out["saturated"] = o["saturated"].map(lambda v: "yes" if v else "")
    return out


def bottleneck_view(res: Result) -> pd.DataFrame:
    """Binding elements removed, new or still binding, with utilisation in each."""
    b = res["bottlenecks"]
    return pd.DataFrame({
        "scenario": b["scenario"], "change": b["change"], "element": b["element_id"],
        "from > to": [f"{r.from_node} > {r.to_node}" if r.direction != "both" else r.from_node
                      for r in b.itertuples()],
        "util base %": b["utilisation_base"].map(lambda v: _n(v * 100)),
        "util %": b["utilisation"].map(lambda v: _n(v * 100))})


def project_view(res: Result, payer_chars: int = 24) -> pd.DataFrame:
    """Projects that differ: ``+scenario`` applied there and not in the base, ``-scenario`` the
    reverse; capex and payer (cut to ``payer_chars``; the full text is in CSV and JSON)."""
    p = res["projects"]
    return pd.DataFrame({
        "in": [("+" if c == "added" else "-") + s for c, s in zip(p["change"], p["scenario"], strict=True)],
        "project": p["project"], "capex MUSD": p["capex_musd"].map(_n),
        "payer": [v if len(v) <= payer_chars else v[: payer_chars - 1] + "…" for v in p["payer"]]})


VIEWS = {"summary": (summary_view, "Scenarios (delta to the base in brackets)"),
         "od_times": (od_view, "Door-to-door days on the main pairs (delta to the base)"),
         "bottlenecks": (bottleneck_view, "Binding elements against the base"),
         "projects": (project_view, "Projects that differ from the base (+ applied, - not applied)")}


def register(app: typer.Typer) -> None:
    """Add the ``compare`` command."""

    @app.command("compare", context_settings={"help_option_names": ["-h", "--help"]})
    def compare_cmd(
        scenarios: list[str] = typer.Argument(..., help="Two or more scenarios (built-in name, YAML "
                                              "file or CSV folder); the first is the base"),
        fmt: Format = FORMAT_OPTION,
        table: CompareTable = typer.Option(CompareTable.all, "--table", "-t",
                                           help="summary | od_times | bottlenecks | projects | all"),
        out: Path | None = typer.Option(None, "--out", "-o", help="Write every table: a folder of CSV "
                                        "files + meta.json, or a workbook when it ends .xlsx"),
        corridors: int = typer.Option(3, "--corridors", help="Main origin-destination pairs compared"),
        simulate_n: int = typer.Option(0, "--simulate", help="Replications of a one-year simulation per "
                                       "scenario for P50/P90 days (cached); 0: analytic days only"),
    ) -> None:
        """Compare scenarios side by side: capacity, served share, days on the main pairs, CO2e,
        bottlenecks removed and newly binding, projects with capex and payers."""
        from transcaspian.analysis.compare import CompareOptions, compare

        with user_errors():
            if len(scenarios) < 2:
                raise input_error(f"compare needs at least two scenarios (got {len(scenarios)})",
                                  "SCENARIOS")
            if simulate_n < 0:
                raise input_error("--simulate takes a number of replications >= 0", "--simulate")
            check_out(out)
            scens = [open_scenario(s) for s in scenarios]
            opts = CompareOptions.build(corridors=corridors)
            sims = None
            if simulate_n:
                from transcaspian.cli._simcache import DEFAULT_SEED, cached_simulation

                sims = [cached_simulation(s, simulate_n, DEFAULT_SEED,
                                          say=lambda text: typer.echo(text, err=True)) for s in scens]
            res = compare(scens, opts, simulations=sims)
            write_out(res, out, COMPARE)
        names = list(VIEWS) if table == CompareTable.all else [table.value]
        if fmt == Format.json and table == CompareTable.all:
            typer.echo(json.dumps(res.to_json_dict(), indent=2, default=str, ensure_ascii=False))
            return
        meta = {"scenarios": " ".join(f"{s['name']}:{s['hash'][:12]}" for s in res.meta["scenarios"])}
        for i, name in enumerate(names):
            last = i == len(names) - 1
            if fmt == Format.table:
                view, title = VIEWS[name]
                emit(view(res), fmt, meta if last else None, title)
            else:
                emit(res[name], fmt, meta if last else None, name)
