"""Turning a resolved scenario dict into a validated ScenarioDoc, with every problem named.

Two passes: field-level (pydantic: types, units, ranges, unknown fields) per component,
then cross-component rules (references, duplicate ids, routes, gauge, shares,
sources). Problems from both passes are reported together.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from transcaspian.model.base import Component, is_wrapped
from transcaspian.model.errors import Problem, ProblemCollector
from transcaspian.model.loading import Resolved, suggest
from transcaspian.model.network import Network
from transcaspian.model.provenance import iter_figures, iter_source_refs
from transcaspian.model.schema import COMPONENTS, ScenarioDoc


# -- field level --------------------------------------------------------------------------
def _model_at(cls: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model reached by following ``loc`` (field names and indices) from ``cls``."""
    current: Any = cls
    for part in loc:
        if not isinstance(part, str):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = next((f for n, f in current.model_fields.items() if part in (n, f.alias)), None)
        if info is None:
            return None
        current = _inner_model(info.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _inner_model(typing.get_args(annotation)[0])
    if origin in (list, dict, tuple, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _translate(exc: ValidationError, cls: type[BaseModel], raw: Any) -> list[tuple[str, str]]:
    """(field path, message) pairs for a pydantic error, with 'did you mean' for typos."""
    out: list[tuple[str, str]] = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if p not in ("function-after", "function-before"))
        kind = err["type"]
        inp = err.get("input")
        if kind == "extra_forbidden":
            parent = _model_at(cls, loc[:-1]) or cls
            name = str(loc[-1])
            names = [f.alias or n for n, f in parent.model_fields.items() if n != "field_provenance"]
            out.append((_field_path(loc), f"unknown field '{name}'{suggest(name, names)}"))
        elif kind == "missing":
            out.append((_field_path(loc), "required field is missing"))
        elif isinstance(inp, dict) and "value" in inp and not is_wrapped(inp):
            bad = [k for k in inp if k not in ("value", "source", "assumption")]
            hint = suggest(str(bad[0]), ("source", "assumption")) if bad else ""
            out.append((_field_path(loc), f"a sourced value takes only value, source and "
                        f"assumption; got '{bad[0] if bad else ''}'{hint}"))
        else:
            msg = err["msg"].removeprefix("Value error, ")
            shown = "" if isinstance(inp, dict | list) or inp is None else f" (got {inp!r})"
            out.append((_field_path(loc), f"{msg}{shown}"))
    # one message per location is enough
    seen: set[str] = set()
    unique = []
    for path, msg in out:
        if (path, msg) not in seen:
            seen.add((path, msg))
            unique.append((path, msg))
    return unique


def build_doc(resolved: Resolved) -> tuple[ScenarioDoc, list[Problem], dict[str, set[str]]]:
    """Validate every component and the metadata.

    Returns the document holding the components that passed, the field-level problems,
    and the ids of components that failed (so cross-checks can still run without
    reporting them again as unknown). Raises ScenarioError if the metadata is invalid.
    """
    data = resolved.data
    problems = ProblemCollector(resolved.label)
    validated: dict[str, list[Component]] = {}
    failed: dict[str, set[str]] = {}
    for ctype, model in COMPONENTS.items():
        validated[ctype] = []
        items = data.get(ctype) or []
        if not isinstance(items, list):
            problems.add(f"'{ctype}' must be a list", component=ctype)
            continue
        for i, raw in enumerate(items):
            cid = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else f"#{i + 1}"
            file = resolved.origins.get((ctype, cid), resolved.label)
            if not isinstance(raw, dict):
                problems.add("each component must be a mapping of fields", ctype, cid, file=file)
                continue
            try:
                validated[ctype].append(model.model_validate(raw))
            except ValidationError as exc:
                failed.setdefault(ctype, set()).add(cid)
                for path, msg in _translate(exc, model, raw):
                    problems.add(msg, ctype, cid, path, file=file)
    meta = {k: v for k, v in data.items() if k not in COMPONENTS}
    try:
        doc = ScenarioDoc.model_validate(meta)
    except ValidationError as exc:
        for path, msg in _translate(exc, ScenarioDoc, meta):
            if path.partition(".")[0] == "sources":
                problems.add(msg, "sources", field=path)
            else:
                problems.add(msg, field=path)
        problems.raise_if_any()
    return doc.model_copy(update=validated), problems.problems, failed


# -- cross-component rules -----------------------------------------------------------------
def check_doc(doc: ScenarioDoc, origins: dict[tuple[str, str], str], label: str,
              failed: dict[str, set[str]] | None = None) -> tuple[list[Problem], list[Problem]]:
    """Cross-component rules. Returns (errors, warnings); unsourced figures are warnings.

    ``failed`` holds ids of components that failed field validation: references to them
    are not reported again, and route feasibility is not judged on a partial network.
    """
    failed = failed or {}
    errors = ProblemCollector(label)
    warnings = ProblemCollector(label)

    def err(msg: str, ctype: str = "", cid: str = "", fld: str = "") -> None:
        errors.add(msg, ctype, cid, fld, file=origins.get((ctype, cid), label))

    # duplicate ids
    for ctype in ("sources", *COMPONENTS):
        seen: set[str] = set()
        for c in getattr(doc, ctype):
            if c.id in seen:
                err(f"duplicate id '{c.id}'", ctype, c.id, "id")
            seen.add(c.id)

    ids = {ctype: [c.id for c in getattr(doc, ctype)] for ctype in COMPONENTS}
    invalid = {ctype: set(failed.get(ctype, ())) for ctype in COMPONENTS}
    ports = [n.id for n in doc.nodes if n.kind == "seaport"]
    factors = {f.id: f for f in doc.emission_factors}

    def ref(value: str | None, target: str, ctype: str, cid: str, fld: str,
            pool: list[str] | None = None, what: str | None = None) -> bool:
        """True when ``value`` names a valid component; a problem otherwise."""
        pool = ids[target] if pool is None else pool
        if value is None or value in pool:
            return True
        if value in invalid[target] or (target == "links" and any(
                value in invalid[t] for t in ("services", "nodes"))):
            err(f"refers to an invalid component: {what or _singular(target)} '{value}' failed its "
                "own checks (see its problems)", ctype, cid, fld)
        else:
            err(f"refers to unknown {what or _singular(target)} '{value}'{suggest(value, pool)}",
                ctype, cid, fld)
        return False

    ref.err = err  # type: ignore[attr-defined]

    def factor(fid: str | None, kind: str, ctype: str, cid: str) -> None:
        if ref(fid, "emission_factors", ctype, cid, "emission_factor",
               what="emission factor") and fid is not None and factors[fid].kind != kind:
            err(f"emission factor '{fid}' is a {factors[fid].kind} factor; {kind} needed",
                ctype, cid, "emission_factor")

    for n in doc.nodes:
        factor(n.emission_factor, "hub", "nodes", n.id)
        if n.kind != "seaport":
            for f in ("max_draft_m", "port_time_h", "pilotage_mooring_h", "clearance_h", "bunkering_h",
                      "water_body"):
                if getattr(n, f) is not None:
                    err(f"{f} applies to seaports only (kind is {n.kind})", "nodes", n.id, f)
        if n.kind in ("city", "junction"):
            for f in ("yard_capacity_teu", "yard_capacity_wagons"):
                if getattr(n, f) is not None:
                    err(f"{f} applies to seaports, terminals, borders and gauge changes "
                        f"(kind is {n.kind})", "nodes", n.id, f)
    for b in doc.berths:
        ref(b.node, "nodes", "berths", b.id, "node", ports, "seaport")
    for lk in doc.links:
        ref(lk.from_node, "nodes", "links", lk.id, "from")
        ref(lk.to_node, "nodes", "links", lk.id, "to")
        if lk.from_node == lk.to_node:
            err("a link needs two different nodes", "links", lk.id, "to")
        factor(lk.emission_factor, "transport", "links", lk.id)
    for s in doc.services:
        ref(s.from_node, "nodes", "services", s.id, "from", ports, "seaport")
        ref(s.to_node, "nodes", "services", s.id, "to", ports, "seaport")
        factor(s.emission_factor, "transport", "services", s.id)
    for v in doc.vessels:
        ref(v.service, "services", "vessels", v.id, "service")
    deployed = {v.service for v in doc.vessels}
    for s in doc.services:
        if s.id not in deployed:
            warnings.add("no vessels are deployed on this service", "services", s.id,
                         file=origins.get(("services", s.id), label))
    for w in doc.weather:
        ref(w.node, "nodes", "weather", w.id, "node", ports, "seaport")
    for r in doc.routes:
        for i, n in enumerate(r.nodes):
            ref(n, "nodes", "routes", r.id, f"nodes[{i}]")
    for t in doc.tariffs:
        ref(t.element, "links", "tariffs", t.id, "element",
            ids["links"] + ids["services"] + ids["nodes"], "link, service or node")
    for t in doc.through_tariffs:
        ref(t.route, "routes", "through_tariffs", t.id, "route")
    for rr in doc.references:
        factor(rr.emission_factor, "transport", "references", rr.id)
    _check_events(doc, ref)
    _check_planning(doc, ref, ids, invalid["projects"])
    _check_demand(doc, ref, judge_routes=not any(failed.values()))
    _check_sources(doc, origins, label, err, warnings)
    return errors.problems, warnings.problems


def _check_planning(doc: ScenarioDoc, ref: Any, ids: dict[str, list[str]], invalid: set[str]) -> None:
    """Applied projects exist; projects' payers, precedence, exclusivity and unit steps; demand
    paths; markets. ``invalid`` holds ids of projects that failed their own checks."""
    for pid in doc.applied_projects:
        if pid not in ids["projects"] and pid not in invalid:
            ref.err(f"applied project '{pid}' is not defined", fld="applied_projects")
    for p in doc.projects:
        for i, f in enumerate(p.funding):
            ref(f.payer, "payers", "projects", p.id, f"funding[{i}].payer", what="payer")
        for fld in ("requires", "excludes"):
            for i, q in enumerate(getattr(p, fld)):
                ref(q, "projects", "projects", p.id, f"{fld}[{i}]", what="project")
        for i, st in enumerate(p.unit_steps):
            comps = {c.id: c for c in getattr(doc, st.component)}
            added = {str(c.get("id")) for c in p.changes.add.get(st.component, [])}
            if st.id not in comps and st.id not in added:
                ref.err(f"unit step names {st.component} '{st.id}', which does not exist", "projects",
                        p.id, f"unit_steps[{i}].id")
            elif st.id in comps:
                value = getattr(comps[st.id], st.field, None)
                if isinstance(value, bool) or not isinstance(value, int | float):
                    ref.err(f"'{st.field}' is not a numeric field of {st.component} '{st.id}'",
                            "projects", p.id, f"unit_steps[{i}].field")
    chains = _requires_cycle(doc)
    if chains:
        ref.err(f"projects require each other in a cycle: {' -> '.join(chains)}", "projects",
                chains[0], "requires")
    for dp in doc.demand_paths:
        for i, c in enumerate(dp.commodities):
            ref(c, "commodities", "demand_paths", dp.id, f"commodities[{i}]", what="commodity")
        if not (set(dp.low) == set(dp.central) == set(dp.high)):
            ref.err("low, central and high must give the same years", "demand_paths", dp.id, "central")
    for m in doc.markets:
        for i, f in enumerate(m.flows):
            ref(f, "demand", "markets", m.id, f"flows[{i}]", what="demand flow")
        for i, a in enumerate(m.alternatives):
            ref(a, "references", "markets", m.id, f"alternatives[{i}]", what="reference route")


def _requires_cycle(doc: ScenarioDoc) -> list[str]:
    """A cycle in the projects' ``requires`` graph (ids, first repeated at the end), or []."""
    graph = {p.id: list(p.requires) for p in doc.projects}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str]:
        state[node] = 1
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt] if nxt in path else [node, nxt]
            if nxt not in state:
                found = visit(nxt, [*path, nxt])
                if found:
                    return found
        state[node] = 2
        return []

    for start in graph:
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return []


#: Node kinds a ``border_closed`` event may close (land nodes with a train capacity).
CLOSABLE_NODES = ("border", "gauge_change", "junction", "terminal")


def _check_events(doc: ScenarioDoc, ref: Any) -> None:
    """Each event's element exists and is of the right kind, its dates lie in the scenario
    year, and ``count`` does not exceed the element's count."""
    nodes = {n.id: n for n in doc.nodes}
    links = {lk.id: lk for lk in doc.links}
    counted = {"berth_out": {b.id: b.count for b in doc.berths},
               "vessel_out": {v.id: v.count for v in doc.vessels}}
    for e in doc.events:
        for fld in ("start", "end"):
            if getattr(e, fld).year != doc.year:
                ref.err(f"{getattr(e, fld)} is not in the scenario year {doc.year} (an event is dated "
                        "in the year it applies)", "events", e.id, fld)
        el = e.element
        if e.kind == "port_closed":
            if el in nodes and nodes[el].kind != "seaport":
                ref.err(f"node '{el}' is a {nodes[el].kind}; port_closed closes a seaport", "events", e.id,
                        "element")
            else:
                ref(el, "nodes", "events", e.id, "element", [n for n in nodes if nodes[n].kind == "seaport"],
                    "seaport")
        elif e.kind in counted:
            pool = counted[e.kind]
            target = "berths" if e.kind == "berth_out" else "vessels"
            if ref(el, target, "events", e.id, "element", list(pool),
                   "berth group" if target == "berths" else "vessel class") and (
                    e.count is not None and e.count > pool[el]):
                ref.err(f"count {e.count} exceeds the {pool[el]} {target} of '{el}'", "events", e.id, "count")
        elif e.kind == "section_closed":
            ok = [lk for lk in links if links[lk].mode in ("rail", "road")]
            if el in links and el not in ok:
                ref.err(f"link '{el}' is a {links[el].mode}; section_closed closes rail or road links",
                        "events", e.id, "element")
            else:
                ref(el, "links", "events", e.id, "element", ok, "rail or road link")
        elif e.kind == "border_closed":
            ok = [n for n, x in nodes.items() if x.kind in CLOSABLE_NODES and x.capacity_trains_per_day]
            if el in nodes and el not in ok:
                ref.err(f"node '{el}' ({nodes[el].kind}) cannot be closed: border_closed needs a "
                        f"{', '.join(CLOSABLE_NODES)} node with capacity_trains_per_day", "events", e.id,
                        "element")
            else:
                ref(el, "nodes", "events", e.id, "element", ok, "border, gauge change, junction or terminal")
        elif el != "*":
            ref(el, "demand", "events", e.id, "element", what="demand flow")


def _singular(ctype: str) -> str:
    return {"commodities": "commodity", "emission_factors": "emission factor"}.get(ctype, ctype[:-1])


def _check_demand(doc: ScenarioDoc, ref: Any, judge_routes: bool) -> None:
    """Demand references, route shares and route feasibility (on a network without invalid parts)."""
    net = Network(doc)
    routes = {r.id: r for r in doc.routes}
    commodities = {c.id: c for c in doc.commodities}
    for d in doc.demand:
        ok = all([ref(d.origin, "nodes", "demand", d.id, "origin"),
                  ref(d.destination, "nodes", "demand", d.id, "destination"),
                  ref(d.commodity, "commodities", "demand", d.id, "commodity"), judge_routes])
        if d.choice == "shares":
            shares = [o.share for o in d.route_options]
            if any(s is None for s in shares):
                ref.err("every route option needs a share when choice is 'shares'", "demand", d.id,
                        "route_options")
            elif abs(sum(shares) - 1.0) > 1e-6:
                ref.err(f"route shares must sum to 1 (they sum to {sum(shares):.4f})", "demand",
                        d.id, "route_options")
        if ok:
            _check_train_size(d, commodities[d.commodity], ref.err)
        feasible = 0
        reasons: list[str] = []
        infeasible_shares: list[tuple[int, str]] = []
        for i, opt in enumerate(d.route_options):
            if not ref(opt.route, "routes", "demand", d.id, f"route_options[{i}].route"):
                continue
            r = routes[opt.route]
            if not ok:
                continue
            if r.nodes[0] != d.origin or r.nodes[-1] != d.destination:
                reasons.append(f"route '{r.id}' runs {r.nodes[0]} -> {r.nodes[-1]}, "
                               f"not {d.origin} -> {d.destination}")
            else:
                com = commodities[d.commodity]
                why = net.legs(r.nodes, com.unit, com.hazard_class)[1]
                if not why:
                    feasible += 1
                    continue
                reasons.append(f"route '{r.id}': {'; '.join(why)}")
            if d.choice == "shares" and (opt.share or 0) > 0:
                infeasible_shares.append((i, reasons[-1]))
        if ok and feasible == 0 and d.route_options:
            ref.err("no feasible route: " + " | ".join(reasons), "demand", d.id, "route_options")
        elif ok:
            # a fixed share of the flow cannot be sent down a route it cannot take
            for i, reason in infeasible_shares:
                ref.err(f"a share of the flow goes by a route it cannot take: {reason}", "demand",
                        d.id, f"route_options[{i}]")


#: Longest train (or truck convoy) a flow may bring, in its unit; tonnes (parcels) are not capped.
MAX_UNITS_PER_TRAIN = 200


def _check_train_size(d: Any, commodity: Any, err: Any) -> None:
    if commodity.unit != "tonne" and d.units_per_train > MAX_UNITS_PER_TRAIN:
        err(f"units_per_train {d.units_per_train:g} exceeds {MAX_UNITS_PER_TRAIN} "
            f"{commodity.unit}s (a train is 1 to {MAX_UNITS_PER_TRAIN} units)", "demand", d.id,
            "units_per_train")


def _check_sources(doc: ScenarioDoc, origins: dict[tuple[str, str], str], label: str,
                   err: Any, warnings: ProblemCollector) -> None:
    keys = [s.id for s in doc.sources]
    for ctype, cid, fld, value in iter_source_refs(doc):
        if not value.startswith(("http://", "https://")) and value not in keys:
            err(f"source '{value}' is not in the scenario's sources{suggest(value, keys)}",
                ctype, cid, fld)
    for fig in iter_figures(doc):
        if not fig.sourced:
            warnings.add("figure has no source or assumption", fig.component, fig.id, fig.field,
                         file=origins.get((fig.component, fig.id), label))
