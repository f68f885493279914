"""``transcaspian tariff``: a through tariff as a lever (cargo, revenue and cost coverage by level)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from transcaspian.cli._common import (
    FORMAT_OPTION,
    WIDE_OPTION,
    Format,
    check_out,
    console,
    emit,
    open_scenario,
    user_errors,
    write_out,
)
from transcaspian.cli._flags import flag_names

#: Engine option -> command-line flag.
FLAGS = {"route": "--route", "levels": "--levels", "unit": "--unit", "cost_ratio": "--cost-ratio",
         "market": "--market"}


def register(app: typer.Typer) -> None:
    """Add the ``tariff`` command."""

    @app.command("tariff")
    def tariff_cmd(
        scenario: str = typer.Argument(..., help="Built-in name, YAML file or CSV folder"),
        route: str = typer.Option(..., "--route", help="Through-tariff id or its route id, e.g. "
                                  "tt-xian-constanta-teu"),
        levels: str = typer.Option("1500:4000:250", "--levels",
                                   help="Levels in USD per --unit: START:STOP:STEP (STOP included) or A,B,C"),
        unit: str = typer.Option("FEU", "--unit", help="Unit of the levels: FEU (= 2 TEU), TEU, wagon, "
                                 "truck or tonne"),
        cost_ratio: float = typer.Option(
            0.85, "--cost-ratio",
            help="Assumption (operating ratio): a party without declared costs_usd_per_unit costs its "
                 "share of the scenario's through rate x this, per unit"),
        market: str | None = typer.Option(None, "--market", help="Market whose demand responds "
                                          "(default: the one with the most tonnes on the route)"),
        fmt: Format = FORMAT_OPTION,
        parties: bool = typer.Option(False, "--parties", help="Table format: also print every party at "
                                     "every level"),
        out: Path | None = typer.Option(None, "--out", "-o", help="Write every table: a folder (CSV + "
                                        "meta.json), or a workbook when it ends .xlsx"),
        wide: bool = WIDE_OPTION,
    ) -> None:
        """Scan a through tariff: at each level the corridor's response, tonnes carried, each
        party's revenue and whether it covers its costs; the level carrying the most cargo with
        every party covering its costs."""
        from transcaspian.analysis import TariffScanOptions, tariff_scan
        from transcaspian.analysis.tables import TARIFF

        with user_errors():
            check_out(out)
            with flag_names(FLAGS):
                options = TariffScanOptions.build(route=route, levels=levels, unit=unit,
                                                  cost_ratio=cost_ratio, market=market)
            scen = open_scenario(scenario)
            with flag_names(FLAGS):
                res = tariff_scan(scen, options)
            write_out(res, out, TARIFF)
        m = res.meta
        if fmt == Format.json:
            typer.echo(json.dumps(res.to_json_dict(), indent=2, default=str, ensure_ascii=False))
            return
        if fmt == Format.csv:
            emit(res["levels"], fmt, {"scenario": m["scenario"], "scenario_hash": m["scenario_hash"],
                                      "answer": m["answer"]})
            return
        s = res["summary"].iloc[0]
        shown = options.unit.upper() if options.unit in ("feu", "teu") else options.unit
        who = f"market {s['market']} responds" if s["market"] else "no market on the route: demand fixed"
        emit(res["levels"].drop(columns=["unit"]), fmt, None,
             f"Through tariff {s['through_tariff']} ({s['route']}), levels in USD/{shown} "
             f"(scenario: {s['scenario_level']:,.0f}); {who}", wide=wide)
        if parties:
            emit(res["parties"], fmt, None, "Parties: revenue and cost by level", wide=wide)
        console.print(m["answer"], highlight=False)
        console.print(" ".join(f"{key}={m[key]}" for key in ("scenario", "scenario_hash", "version")),
                      style="dim", highlight=False)
