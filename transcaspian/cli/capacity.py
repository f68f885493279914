"""``transcaspian capacity``: element capacities, demand routing, multiplier, bottlenecks."""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path

import pandas as pd
import typer

from transcaspian.cli._common import (
    FORMAT_OPTION,
    Format,
    console,
    emit,
    err_console,
    open_scenario,
    user_errors,
)
from transcaspian.model.results import Result, check_output_folder

TOP_BOTTLENECKS = 12


class Basis(StrEnum):
    """Which capacity the LP routes against."""

    practical = "practical"
    theoretical = "theoretical"


class CapacityTable(StrEnum):
    """Which result table to print."""

    summary = "summary"
    elements = "elements"
    flows = "flows"
    utilisation = "utilisation"
    bottlenecks = "bottlenecks"
    all = "all"


def headline(res: Result) -> str:
    """One paragraph: served share, demand multiplier and the binding elements."""
    s = res["summary"].iloc[0]
    lam = s["demand_multiplier"]
    lam_text = "unbounded (no capacitated element limits demand)" if math.isinf(lam) else f"{lam:.3f}"
    return (f"{s['basis'].capitalize()} capacity: served {s['served_t'] / 1e6:,.3f} of "
            f"{s['demand_t'] / 1e6:,.3f} Mt/yr "
            f"({s['served_share']:.1%}); largest uniform demand multiplier {lam_text}; "
            f"binding: {s['binding'] or 'none'}")


def register(app: typer.Typer) -> None:
    """Add the ``capacity`` command."""

    @app.command("capacity")
    def capacity_cmd(
        scenario: str = typer.Argument(..., help="Built-in name, YAML file or CSV folder"),
        fmt: Format = FORMAT_OPTION,
        table: CapacityTable = typer.Option(
            CapacityTable.summary, "--table", "-t",
            help="summary (headline + bottlenecks + flows) | elements | flows | utilisation | "
                 "bottlenecks | all"),
        out: Path | None = typer.Option(None, "--out", "-o", help="Write every table (CSV) + meta.json"),
        basis: Basis = typer.Option(
            Basis.practical, "--basis", help="practical (what operators achieve: off-hire, mean load, "
            "berth occupancy and rail capacity-consumption ceilings) | theoretical (on paper)"),
    ) -> None:
        """Annual capacity of every element, demand routed by LP, multiplier and bottlenecks."""
        from transcaspian.analysis import CapacityOptions, capacity

        with user_errors():
            if out is not None:
                check_output_folder(out)
            scen = open_scenario(scenario)
            res = capacity(scen, CapacityOptions.build(basis=basis.value))
            if out is not None:
                written = res.write(out, "csv")
                err_console.print(f"wrote {len(written)} files to {out}", highlight=False)
        names = (["summary", "elements", "flows", "flow_routes", "utilisation", "bottlenecks"]
                 if table == CapacityTable.all else [table.value])
        if fmt == Format.json and table == CapacityTable.all:
            typer.echo(json.dumps(res.to_json_dict(), indent=2, default=str, ensure_ascii=False))
            return
        if fmt == Format.table and table == CapacityTable.summary:
            console.print(headline(res), highlight=False)
            b = res["bottlenecks"].head(TOP_BOTTLENECKS)
            view = pd.DataFrame({
                "rank": b["rank"], "element": b["element_id"], "type": b["element_type"],
                "from > to": [f"{r.from_node} > {r.to_node}" if r.direction != "both" else r.from_node
                              for r in b.itertuples()],
                "util": b["utilisation"].map(lambda v: f"{v:.0%}"),
                "util at max": b["utilisation_at_multiplier"].map(
                    lambda v: "" if pd.isna(v) else f"{v:.0%}"),
                "+1% cap: multiplier": b["gain_multiplier_per_1pct"].map(lambda v: f"{v:+.4f}"),
                "+1% cap: served t": b["gain_served_t_per_1pct"].map(lambda v: f"{v:+,.0f}"),
                "binding": b["binding"].map(lambda v: "yes" if v else "")})
            emit(view, fmt, None, f"Bottlenecks (top {len(b)} of {len(res['bottlenecks'])}), "
                 "ranked by shadow price then headroom")
            f = res["flows"]
            fv = pd.DataFrame({
                "flow": f["flow"], "unit": f["unit"], "demand": f["demand_units"].map(lambda v: f"{v:,.0f}"),
                "served": f["served_units"].map(lambda v: f"{v:,.0f}"),
                "served %": f["served_share"].map(lambda v: f"{v:.0%}"), "routes": f["routes"]})
            emit(fv, fmt, res.meta, "Demand flows (units/yr)")
            return
        for name in names:
            emit(res[name], fmt, res.meta, f"{name} - {scen.name}")
