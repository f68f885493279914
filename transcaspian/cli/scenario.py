"""``transcaspian scenario``: list, show, validate, diff, export, sources, schema."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import pandas as pd
import typer

from transcaspian.cli._common import (
    FORMAT_OPTION,
    WIDE_OPTION,
    Format,
    console,
    emit,
    err_console,
    is_workbook,
    open_scenario,
    user_errors,
    write_tables,
    xlsx_only,
)
from transcaspian.model import Scenario, ScenarioError, builtin_names
from transcaspian.model.diff import diff_scenarios, field_unit, format_value, key_figures, new_projects
from transcaspian.model.errors import input_error
from transcaspian.model.io import write_csv_dir, write_yaml
from transcaspian.model.results import write_text_atomic
from transcaspian.model.schema import COMPONENTS
from transcaspian.model.schema_doc import NESTED, schema_markdown, schema_table
from transcaspian.model.sources_doc import data_sources_markdown, data_sources_tables

scenario_app = typer.Typer(help="Inspect, check, compare and export scenarios.",
                           no_args_is_help=True,
                           context_settings={"help_option_names": ["-h", "--help"]})

SCENARIO_ARG = typer.Argument(..., help="Built-in name (see `scenario list`), YAML file or CSV folder")


class ExportFormat(StrEnum):
    """File format of an exported scenario."""

    yaml = "yaml"
    csv = "csv"


# -- summaries (pure functions, reused by the report and tests) -----------------------------
def demand_by_commodity(s: Scenario) -> pd.DataFrame:
    """Annual demand by commodity and direction: units, tonnes, TEU."""
    d = s.demand
    if d.empty:
        return pd.DataFrame(columns=["commodity", "direction", "unit", "flows", "annual_units",
                                     "annual_t", "annual_teu"])
    g = d.groupby(["commodity", "direction", "unit"], as_index=False).agg(
        flows=("origin", "size"), annual_units=("annual_units", "sum"),
        annual_t=("annual_t", "sum"), annual_teu=("annual_teu", "sum"))
    total = pd.DataFrame([{"commodity": "TOTAL", "direction": "", "unit": "",
                           "flows": int(g["flows"].sum()), "annual_units": None,
                           "annual_t": g["annual_t"].sum(), "annual_teu": g["annual_teu"].sum()}])
    return pd.concat([g, total], ignore_index=True)


def fleet(s: Scenario) -> pd.DataFrame:
    """Sea services with their fleet: vessels, capacity per unit, policy."""
    svc, ves = s.services, s.vessels
    rows = []
    for sid, row in svc.iterrows():
        v = ves[ves["service"] == sid] if not ves.empty else ves
        caps = []
        for unit in ("teu", "wagon", "truck", "tonne"):
            col = f"capacity_{unit}"
            if not v.empty and col in v and v[col].notna().any():
                caps.append(f"{(v[col].fillna(0) * v['count']).sum():g} {unit}")
        rows.append({"service": sid, "kind": row["kind"], "route": f"{row['from']} - {row['to']}",
                     "policy": row["policy"], "vessels": int(v["count"].sum()) if not v.empty else 0,
                     "fleet_capacity_per_voyage": ", ".join(caps)})
    return pd.DataFrame(rows, columns=["service", "kind", "route", "policy", "vessels",
                                       "fleet_capacity_per_voyage"])


def overview(s: Scenario) -> pd.DataFrame:
    """Counts of every component type."""
    rows = [{"component": c, "count": len(getattr(s.doc, c))} for c in COMPONENTS]
    rows.append({"component": "sources", "count": len(s.doc.sources)})
    return pd.DataFrame(rows)


# -- commands ----------------------------------------------------------------------------------
@scenario_app.command("list")
def list_cmd(fmt: Format = FORMAT_OPTION,
             out: Path | None = typer.Option(None, "--out", "-o",
                                             help="Also write the table to a workbook (.xlsx)")) -> None:
    """List the built-in scenarios."""
    with user_errors():
        xlsx_only(out)
        rows = []
        for name in builtin_names():
            s = open_scenario(name)
            d = s.demand
            rows.append({"name": name, "year": s.year, "title": s.title,
                         "nodes": len(s.doc.nodes), "services": len(s.doc.services),
                         "demand_flows": len(s.doc.demand),
                         "demand_mt": round(float(d["annual_t"].sum()) / 1e6, 3) if not d.empty else 0.0,
                         "hash": s.hash[:12]})
        table = pd.DataFrame(rows)
        if out is not None:
            from transcaspian import __version__

            write_tables(out, {"scenarios": table}, {"version": __version__},
                         {"scenarios": {"year": "year", "nodes": "count", "services": "count",
                                        "demand_flows": "count", "demand_mt": "Mt/yr"}})
        emit(table, fmt, title="Built-in scenarios")


@scenario_app.command("show")
def show_cmd(
    scenario: str = SCENARIO_ARG,
    component: str | None = typer.Option(
        None, "--component", "-c", help=f"Print one component table: {', '.join(COMPONENTS)}"),
    fmt: Format = FORMAT_OPTION,
    wide: bool = WIDE_OPTION,
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the tables to a workbook (.xlsx)"),
) -> None:
    """Summarise a scenario (nodes, services, fleet, demand) or print one component table."""
    with user_errors():
        xlsx_only(out)
        s = open_scenario(scenario)
        meta = s.metadata()
        if out is not None:
            _show_workbook(s, component, out)
        if component is not None:
            if component not in (*COMPONENTS, "sources"):
                from transcaspian.model.loading import suggest

                raise input_error(f"unknown component '{component}'"
                                  f"{suggest(component, (*COMPONENTS, 'sources'))}", "--component")
            table = s.sources if component == "sources" else s.table(component)
            emit(table.astype(object).where(table.notna(), None), fmt, meta, title=component, wide=wide)
            return
        if fmt != Format.table:
            payload = {"meta": meta, "title": s.title, "year": s.year,
                       "overview": overview(s).to_dict(orient="records"),
                       "fleet": fleet(s).to_dict(orient="records"),
                       "demand": json.loads(demand_by_commodity(s).to_json(orient="records"))}
            if fmt == Format.json:
                typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
            else:
                emit(demand_by_commodity(s), fmt, meta)
            return
        console.print(f"[bold]{s.name}[/]: {s.title} (year {s.year}, prices {s.doc.price_year} USD)")
        if s.doc.description:
            console.print(s.doc.description, highlight=False)
        if s.doc.tonnage_definition:
            console.print(f"Tonnage definition: {s.doc.tonnage_definition}", highlight=False)
        if s.doc.applied_projects:
            console.print(f"Projects applied: {', '.join(s.doc.applied_projects)}", highlight=False)
        console.print(f"Sea level change: {s.doc.sea_level.change_m:+.2f} m vs "
                      f"{s.doc.sea_level.reference_year}")
        emit(overview(s), Format.table, title="Components")
        nodes = s.nodes
        if not nodes.empty:
            kinds = nodes.groupby("kind").size().rename("nodes").reset_index()
            emit(kinds, Format.table, title="Nodes by kind")
        emit(fleet(s), Format.table, title="Sea services and fleet")
        emit(demand_by_commodity(s), Format.table, meta, title="Annual demand by commodity")


def _show_workbook(s: Scenario, component: str | None, out: Path) -> None:
    """``scenario show -o x.xlsx``: the summary tables, or one component table with the
    schema's units in its header."""
    if component is not None:
        table = s.sources if component == "sources" else s.table(component)
        units = {} if component == "sources" else {
            component: {r.field: r.unit for r in schema_table(component).itertuples() if r.unit}}
        write_tables(out, {component: table}, s.metadata(), units)
        return
    write_tables(out, {"components": overview(s), "fleet": fleet(s), "demand": demand_by_commodity(s)},
                 s.metadata(), {"demand": {"annual_t": "t/yr", "annual_teu": "TEU/yr",
                                           "annual_units": "units/yr"}})


@scenario_app.command("validate")
def validate_cmd(
    scenarios: list[str] = typer.Argument(..., help="Scenarios to check"),
    strict: bool = typer.Option(False, "--strict",
                                help="Warnings (figures without source, idle services) are errors"),
) -> None:
    """Check scenarios; every problem is named with file, component id and field (exit 2)."""
    problems = []
    for ref in scenarios:
        try:
            s = open_scenario(ref, strict=strict)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        console.print(f"[green]ok[/] {s.name} ({ref}): hash {s.hash[:12]}, "
                      f"{sum(len(getattr(s.doc, c)) for c in COMPONENTS)} components, "
                      f"{len(s.warnings)} warning{'s' if len(s.warnings) != 1 else ''}",
                      highlight=False)
        for w in s.warnings:
            err_console.print(f"  warning: {w}", highlight=False, markup=False, soft_wrap=True)
    if problems:
        with user_errors():
            raise ScenarioError(problems)


def readable_changes(changes: pd.DataFrame, after: Scenario) -> pd.DataFrame:
    """The diff as printed: values with thousands separators and the schema's units; an added
    component with its name and key figures (a vessel's count and capacity, a link's km)."""
    rows = []
    for r in changes.itertuples(index=False):
        unit = field_unit(r.component, r.field) if r.field else ""
        after_text = format_value(r.after, unit)
        if r.change == "added" and r.component in COMPONENTS:
            after_text = key_figures(r.component, after.get(r.component, r.id))
        rows.append({"component": r.component, "id": r.id, "change": r.change, "field": r.field,
                     "before": format_value(r.before, unit), "after": after_text, "project": r.project})
    return pd.DataFrame(rows, columns=list(changes.columns))


@scenario_app.command("diff")
def diff_cmd(
    a: str = typer.Argument(..., help="Scenario before"),
    b: str = typer.Argument(..., help="Scenario after"),
    fmt: Format = FORMAT_OPTION,
    wide: bool = WIDE_OPTION,
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the projects and changes to a "
                                    "workbook (.xlsx)"),
) -> None:
    """List what differs from A to B, component by component, and the projects behind it."""
    with user_errors():
        xlsx_only(out)
        sa, sb = open_scenario(a), open_scenario(b)
        changes = diff_scenarios(sa, sb)
        projects = new_projects(sa, sb)
        meta = {"a": sa.name, "a_hash": sa.hash, "b": sb.name, "b_hash": sb.hash,
                **{k: v for k, v in sb.metadata().items() if k == "version"}}
        if out is not None:
            units = [field_unit(c, f) for c, f in zip(changes["component"], changes["field"], strict=True)]
            write_tables(out, {"projects": projects, "changes": changes.assign(unit=units)}, meta,
                         {"projects": {"capex_musd": "MUSD"}})
        if fmt == Format.json:
            typer.echo(json.dumps({
                "meta": meta,
                "projects": json.loads(projects.to_json(orient="records")),
                "changes": json.loads(changes.to_json(orient="records", default_handler=str)),
            }, indent=2, ensure_ascii=False))
            return
        if fmt == Format.csv:
            emit(changes, fmt, meta)
            return
        if not projects.empty:
            emit(projects, fmt, title=f"Projects in {sb.name} that {sa.name} does not have "
                 f"(capex total {projects['capex_musd'].sum():,.0f} M USD)")
        shown = readable_changes(changes, sb)
        groups = list(shown.groupby("project", sort=False))
        for project, group in [g for g in groups if g[0]] + [g for g in groups if not g[0]]:
            title = f"Project: {project}" if project else "Other changes (not from a project)"
            emit(group.drop(columns=["project"]), fmt, title=title, wide=wide,
                 keep=["component", "id", "after"])
        console.print(f"{len(changes)} differences; " + " ".join(f"{k}={v}" for k, v in meta.items()),
                      style="dim", highlight=False)


@scenario_app.command("export")
def export_cmd(
    scenario: str = SCENARIO_ARG,
    output: Path = typer.Option(..., "--output", "-o", help="YAML file or CSV folder to write"),
    fmt: ExportFormat = typer.Option(ExportFormat.yaml, "--format", "-f", help="yaml | csv"),
    force: bool = typer.Option(False, "--force", help="Replace an existing file or folder"),
) -> None:
    """Write the resolved scenario (overlays applied) as one YAML file or a CSV folder."""
    with user_errors():
        s = open_scenario(scenario)
        path = (write_csv_dir if fmt == ExportFormat.csv else write_yaml)(s.doc, output, force)
        console.print(f"wrote {path} ({s.name}, hash {s.hash[:12]})", highlight=False)


@scenario_app.command("sources")
def sources_cmd(
    scenarios: list[str] = typer.Argument(..., help="Scenarios, first the base"),
    output: Path | None = typer.Option(None, "--output", "-o", help="Markdown file to write, or a "
                                       "workbook (.xlsx): sheets figures and sources"),
) -> None:
    """Every figure with its source or assumption, as Markdown (docs/data-sources.md) or a workbook."""
    with user_errors():
        opened = [open_scenario(r) for r in scenarios]
        if is_workbook(output):
            meta = {"scenarios": [s.name for s in opened],
                    "scenario_hashes": {s.name: s.hash for s in opened}}
            write_tables(output, data_sources_tables(opened), meta,
                         {"sources": {"year": "year", "figures": "count"}})
            return
        text = data_sources_markdown(opened)
        if output is None:
            typer.echo(text)
        else:
            write_text_atomic(output, text)
            console.print(f"wrote {output}", highlight=False)


@scenario_app.command("schema")
def schema_cmd(
    component: str | None = typer.Option(None, "--component", "-c", help="One component type"),
    markdown: bool = typer.Option(False, "--markdown", help="Whole reference as Markdown"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The field reference: every component and field with its type, unit and meaning."""
    with user_errors():
        if markdown:
            typer.echo(schema_markdown())
            return
        known = (*COMPONENTS, *NESTED)
        if component is not None and component not in known:
            from transcaspian.model.loading import suggest

            raise input_error(f"unknown component '{component}'{suggest(component, known)}",
                              "--component")
        emit(schema_table(component), fmt, title="Scenario schema")


def register(app: typer.Typer) -> None:
    """Add the ``scenario`` command group."""
    app.add_typer(scenario_app, name="scenario")
