"""``transcaspian capacity``: element capacities, demand routing, multiplier, bottlenecks."""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path

import pandas as pd
import typer

from transcaspian.analysis.tables import CAPACITY
from transcaspian.cli._common import (
    FORMAT_OPTION,
    WIDE_OPTION,
    Format,
    check_out,
    console,
    emit,
    open_scenario,
    print_meta,
    user_errors,
    write_out,
)
from transcaspian.model.results import Result

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


def elements_by_type(res: Result) -> pd.DataFrame:
    """One row per element type: elements, how many limit flows in the LP and how many bind,
    the highest utilisation and the element that has it (``capacity --table elements``)."""
    e, u = res["elements"], res["utilisation"]
    b = res["bottlenecks"]
    binding = set(b.loc[b["binding"].astype(bool), "element_id"])
    rows = []
    for kind, group in e.groupby("element_type", sort=False):
        ug = u[u["element_type"] == kind]
        top = ug.loc[ug["utilisation"].idxmax()] if len(ug) and ug["utilisation"].notna().any() else None
        rows.append({"type": kind, "elements": int(group["element_id"].nunique()),
                     "constrained": int(group.loc[group["constrained"], "element_id"].nunique()),
                     "binding": int(sum(i in binding for i in group["element_id"].unique())),
                     "max util %": None if top is None else round(float(top["utilisation"]) * 100, 1),
                     "tightest element": "" if top is None else str(top["element_id"])})
    return pd.DataFrame(rows)


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
        out: Path | None = typer.Option(None, "--out", "-o", help="Write every table: a folder (CSV + "
                                        "meta.json), or a workbook when it ends .xlsx"),
        wide: bool = WIDE_OPTION,
        every: bool = typer.Option(False, "--all", help="--table elements: every element, not one row "
                                   "per element type"),
        basis: Basis = typer.Option(
            Basis.practical, "--basis", help="practical (what operators achieve: off-hire, mean load, "
            "berth occupancy and rail capacity-consumption ceilings) | theoretical (on paper)"),
    ) -> None:
        """Annual capacity of every element, demand routed by LP, multiplier and bottlenecks."""
        from transcaspian.analysis import CapacityOptions, capacity

        with user_errors():
            check_out(out)
            scen = open_scenario(scenario)
            res = capacity(scen, CapacityOptions.build(basis=basis.value))
            write_out(res, out, CAPACITY)
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
                "+1% cap: mult.": b["gain_multiplier_per_1pct"].map(
                    lambda v: "" if abs(v) < 1e-12 else f"{v:+.2g}"),
                "+1% cap: t/yr": b["gain_served_t_per_1pct"].map(lambda v: f"{v:+,.0f}"),
                "binds": b["binding"].map(lambda v: "yes" if v else "")})
            emit(view, fmt, None, f"Bottlenecks (top {len(b)} of {len(res['bottlenecks'])}), "
                 "ranked by shadow price then headroom", wide=wide, detail=["type"],
                 keep=["rank", "element", "binds"])
            f = res["flows"]
            fv = pd.DataFrame({
                "flow": f["flow"], "unit": f["unit"], "demand": f["demand_units"].map(lambda v: f"{v:,.0f}"),
                "served": f["served_units"].map(lambda v: f"{v:,.0f}"),
                "served %": f["served_share"].map(lambda v: f"{v:.0%}"), "routes": f["routes"]})
            emit(fv, fmt, None, "Demand flows (units/yr)", wide=wide)
            print_meta(res.meta)
            return
        for name in names:
            frame = res[name]
            if name == "elements" and fmt == Format.table and not every:
                frame = elements_by_type(res)
                name = "elements by type (--all lists every element)"
            emit(frame, fmt, None if fmt == Format.table else res.meta, f"{name} - {scen.name}", wide=wide)
        if fmt == Format.table:
            print_meta(res.meta)
