"""Reading scenario files: safe bounded YAML, ``extends`` chains, add/patch/remove, projects.

Everything here works on plain dicts; the result is validated into a
:class:`~transcaspian.model.schema.ScenarioDoc` by :mod:`transcaspian.model.validation`.
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from transcaspian.model.base import is_wrapped
from transcaspian.model.errors import Problem, ProblemCollector, ScenarioError
from transcaspian.model.provenance import is_numeric
from transcaspian.model.schema import COMPONENTS, META_KEYS, OVERLAY_KEYS

MAX_FILE_BYTES = 8_000_000
#: Elements (scalars and collections, aliases expanded) one document may hold: ~30x the
#: baseline scenario (8,000), so an accepted file validates in seconds.
MAX_YAML_ELEMENTS = 250_000
MAX_COMPONENTS_PER_TYPE = 20_000
MAX_EXTENDS_DEPTH = 16
BUILTIN_PACKAGE = "transcaspian.data.scenarios"


def suggest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


# -- files -------------------------------------------------------------------------------
def builtin_names() -> list[str]:
    """Names of the scenarios shipped inside the package.

    Examples
    --------
    >>> builtin_names()
    ['baseline-2024', 'target-2030']
    """
    root = resources.files(BUILTIN_PACKAGE)
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".yaml"))


MAX_PATH_CHARS = 1_024
MAX_YAML_DEPTH = 64


def locate(ref: str, base_dir: Path | None = None) -> tuple[str, Path | None, str]:
    """Find a scenario by built-in name or path: (label, path or None, text)."""
    if not isinstance(ref, str) or not ref or len(ref) > MAX_PATH_CHARS or any(
            ord(ch) < 32 for ch in ref):
        shown = ref[:60] + "..." if isinstance(ref, str) and len(ref) > 60 else ref
        raise ScenarioError([_problem(
            f"{shown!r} is not a scenario name or a file path (at most {MAX_PATH_CHARS:,} "
            "printable characters)", field="extends")])
    looks_like_path = ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref
    if not looks_like_path and ref in builtin_names():
        res = resources.files(BUILTIN_PACKAGE).joinpath(f"{ref}.yaml")
        return ref, None, res.read_text(encoding="utf-8")
    path = Path(ref)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        if path.is_dir():
            raise ScenarioError([_problem(f"'{ref}' is a folder, not a scenario file", file=str(ref))])
        if not path.is_file():
            hint = suggest(ref, builtin_names()) if not looks_like_path else ""
            raise ScenarioError([_problem(
                f"no scenario file or built-in scenario named '{ref}'{hint}; "
                f"built-ins: {', '.join(builtin_names())}", file=str(ref))])
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError([_problem(
                f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}", file=str(path))])
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError([_problem(f"cannot read '{ref}': {exc.strerror or exc}",
                                      file=str(ref))]) from None
    return str(path), path, decode_text(raw, str(path))


def decode_text(raw: bytes, label: str) -> str:
    """UTF-8 text of a file, or a problem naming the first byte that is not UTF-8.

    Examples
    --------
    >>> decode_text("Aktau".encode(), "f.yaml")
    'Aktau'
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ScenarioError([_problem(
            f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at line {line} (save the file as UTF-8)",
            file=label)]) from None


def parse_yaml(text: str, label: str, lines: dict[int, int] | None = None) -> Any:
    """Parse YAML safely: size, nesting depth and element count are checked while parsing.

    Element counting follows aliases, so a small file that expands (``&a [*b, *b]``) is
    refused before anything is built; tags that cannot build their value (``!!int abc``)
    and unhashable keys are reported as YAML problems. ``lines``, when given, receives the
    line (1-based) where each mapping starts, keyed by ``id()`` of the parsed dict.

    Examples
    --------
    >>> parse_yaml("a: [1, 2]", "f.yaml")
    {'a': [1, 2]}
    >>> parse_yaml("a: !!int abc", "f.yaml")
    Traceback (most recent call last):
    ...
    transcaspian.model.errors.ScenarioError: 1 problem in scenario:
      - f.yaml: not valid YAML: a value cannot be read (invalid literal for int() with base 10: 'abc')
    """
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ScenarioError([_problem(f"document exceeds {MAX_FILE_BYTES:,} bytes", file=label)])
    try:
        _check_structure(text, label)
        loader = _LineLoader(text)
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
        if lines is not None:
            lines.update(loader.lines)
        return data
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([_problem(f"not valid YAML: {what}", file=label, field=where)]) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise ScenarioError([_problem(f"not valid YAML: a value cannot be read ({exc})",
                                      file=label)]) from None


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SAFE_LOADER):  # type: ignore[misc, valid-type]
    """The safe loader, noting the line where each mapping starts (for overlay problems)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.lines: dict[int, int] = {}

    def construct_yaml_map(self, node: yaml.MappingNode) -> Any:
        for data in super().construct_yaml_map(node):
            self.lines[id(data)] = node.start_mark.line + 1
            yield data


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_yaml_map)


def _check_structure(text: str, label: str) -> None:
    """Walk the YAML event stream: refuse deep nesting or too many elements as they appear."""
    depth = count = 0
    open_at: list[tuple[int, str | None]] = []  # element count when each collection opened
    anchored: dict[str, int] = {}
    for event in yaml.parse(text, Loader=_SAFE_LOADER):
        if isinstance(event, yaml.AliasEvent):
            count += anchored.get(event.anchor, 1)
        elif isinstance(event, yaml.ScalarEvent):
            count += 1
            if event.anchor:
                anchored[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            count += 1
            depth += 1
            open_at.append((count, event.anchor))
            if depth > MAX_YAML_DEPTH:
                raise ScenarioError([_problem(
                    f"nesting deeper than {MAX_YAML_DEPTH} levels", file=label,
                    field=f"line {event.start_mark.line + 1}")])
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            start, anchor = open_at.pop()
            if anchor:
                anchored[anchor] = count - start + 1
        if count > MAX_YAML_ELEMENTS:
            raise ScenarioError([_problem(
                f"document expands to more than {MAX_YAML_ELEMENTS:,} elements "
                "(check anchors/aliases)", file=label,
                field=f"line {event.start_mark.line + 1}")])


def _problem(message: str, file: str = "", component: str = "", id: str = "",
             field: str = "") -> Problem:
    return Problem(message, file, component, id, field)


# -- resolution --------------------------------------------------------------------------
@dataclass
class Resolved:
    """A scenario as one plain dict, plus which file last touched each component."""

    data: dict[str, Any]
    origins: dict[tuple[str, str], str] = field(default_factory=dict)
    label: str = ""
    files: list[str] = field(default_factory=list)
    #: Problems found while resolving that do not stop validation (e.g. an unknown top-level
    #: key): reported together with the field and cross-reference problems.
    problems: list[Problem] = field(default_factory=list)


def resolve(ref: str, base_dir: Path | None = None, _chain: tuple[str, ...] = (),
            skip_projects: bool = False) -> Resolved:
    """Load ``ref`` and everything it extends into one dict (not yet validated).

    ``skip_projects`` leaves every ``apply_projects`` of the chain unapplied: the
    scenario's own changes without its projects (the planner's starting point).
    """
    label, path, text = locate(ref, base_dir)
    key = label if path is None else str(path.resolve())
    if key in _chain:
        cycle = " -> ".join([*_chain, key])
        raise ScenarioError([_problem(f"'extends' forms a cycle: {cycle}", file=label,
                                      field="extends")])
    if len(_chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError([_problem(f"'extends' chain deeper than {MAX_EXTENDS_DEPTH}",
                                      file=label, field="extends")])
    lines: dict[int, int] = {}
    data = parse_yaml(text, label, lines)
    return resolve_document(data, label, path.parent if path else None, _chain, _key=key,
                            _lines=lines, skip_projects=skip_projects)


def resolve_document(data: Any, label: str, base_dir: Path | None = None,
                     _chain: tuple[str, ...] = (), _key: str | None = None,
                     _lines: dict[int, int] | None = None, skip_projects: bool = False,
                     parent: Resolved | None = None) -> Resolved:
    """Resolve an already-parsed document (dict) with its ``extends`` chain.

    Only what stops reading (not a mapping, too many components, a broken ``extends``)
    raises here; every other problem (an unknown key, a failed patch) goes to
    ``Resolved.problems`` so validation reports it with the field and reference problems.
    ``parent``, when given, is the already-resolved scenario the document overlays (as if it
    said ``extends:`` that scenario; the document must then not hold its own ``extends``).
    The parent is not changed.
    """
    problems = ProblemCollector(label)
    if not isinstance(data, dict):
        problems.add("a scenario file must be a mapping of keys (name, year, nodes, ...)")
        problems.raise_if_any()
    _check_sizes(data, problems)
    problems.raise_if_any()
    known = (*META_KEYS, *COMPONENTS, *OVERLAY_KEYS)
    for key in data:
        if key not in known:
            problems.add(f"unknown top-level key '{str(key)[:80]}'{suggest(str(key), known)}",
                         field=str(key)[:80])
    data = {k: v for k, v in data.items() if k in known}

    if parent is not None and "extends" in data:
        problems.add("'extends' cannot be given: the overlay extends the scenario it is made "
                     "from", field="extends")
        problems.raise_if_any()
    if "extends" in data or parent is not None:
        if parent is None:
            if not isinstance(data["extends"], str):
                problems.add("'extends' must be a scenario name or file path", field="extends")
                problems.raise_if_any()
            parent = resolve(data["extends"], base_dir, (*_chain, _key or label), skip_projects)
        result = Resolved(copy.deepcopy(parent.data), dict(parent.origins), label,
                          [*parent.files, label], list(parent.problems))
        _apply_overlay(result, data, label, problems, _lines or {})
    else:
        for key in ("add", "patch", "remove"):
            if key in data:
                problems.add(f"'{key}' needs 'extends' (it changes another scenario)", field=key)
        body = {k: copy.deepcopy(v) for k, v in data.items()
                if k not in ("apply_projects", "add", "patch", "remove")}
        result = Resolved(body, {}, label, [label])
        for ctype in COMPONENTS:
            for i, item in enumerate(_items(body, ctype, problems)):
                result.origins[(ctype, _item_id(item, i))] = label

    for pid in [] if skip_projects else _as_list(data.get("apply_projects"), "apply_projects",
                                                 problems):
        if not isinstance(pid, str):
            problems.add(f"a project id is text, not {type(pid).__name__}", field="apply_projects")
            continue
        apply_project(result, pid, label, problems)
    result.problems.extend(problems.problems)
    return result


def _check_sizes(data: dict[str, Any], problems: ProblemCollector) -> None:
    sections = [data, *(data.get(k) for k in ("add", "patch") if isinstance(data.get(k), dict))]
    for section in sections:
        for ctype in COMPONENTS:
            items = section.get(ctype)
            if isinstance(items, list) and len(items) > MAX_COMPONENTS_PER_TYPE:
                problems.add(f"{len(items):,} {ctype}; the limit is {MAX_COMPONENTS_PER_TYPE:,}",
                             component=ctype)


def _items(data: dict[str, Any], ctype: str, problems: ProblemCollector) -> list[Any]:
    items = data.get(ctype)
    if items is None:
        return []
    if not isinstance(items, list):
        problems.add(f"'{ctype}' must be a list of components", component=ctype)
        return []
    return items


def _ids_of(items: Any) -> list[str]:
    """Ids of a component list, position for position ('#n' where an entry has no text id)."""
    return [_item_id(it, i) for i, it in enumerate(items)] if isinstance(items, list) else []


def _item_id(item: Any, index: int) -> str:
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return item["id"]
    return f"#{index + 1}"


def _as_list(value: Any, key: str, problems: ProblemCollector) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(f"'{key}' must be a list", field=key)
        return []
    return value


def _apply_overlay(result: Resolved, overlay: dict[str, Any], label: str,
                   problems: ProblemCollector, lines: dict[int, int]) -> None:
    if "name" not in overlay:
        problems.add("an overlay needs its own 'name'", field="name")
    for key in META_KEYS:
        if key not in overlay:
            continue
        if key == "sources":
            existing = set(_ids_of(result.data.get("sources")))
            for src in _as_list(overlay["sources"], "sources", problems):
                if isinstance(src, dict) and _item_id(src, -1) in existing:
                    problems.add(f"source '{src.get('id')}' is already defined in the base",
                                 component="sources", id=str(src.get("id")))
                result.data.setdefault("sources", []).append(copy.deepcopy(src))
        elif key == "sea_level" and isinstance(overlay[key], dict):
            merged = dict(result.data.get("sea_level") or {})
            merged.update(copy.deepcopy(overlay[key]))
            result.data["sea_level"] = merged
        else:
            result.data[key] = copy.deepcopy(overlay[key])
    for ctype in COMPONENTS:
        if ctype in overlay:
            problems.add(f"an overlay changes components with add/patch/remove, "
                         f"not a top-level '{ctype}' list", field=ctype)
    changes = {k: overlay[k] for k in ("add", "patch", "remove") if k in overlay}
    apply_changes(result, changes, label, problems, lines=lines)


def apply_changes(result: Resolved, changes: dict[str, Any], label: str,
                  problems: ProblemCollector, default_provenance: dict[str, str] | None = None,
                  where: str = "", lines: dict[int, int] | None = None) -> None:
    """Apply ``{remove:, patch:, add:}`` to ``result.data`` in that order, in place.

    Each changed component's origin becomes ``label`` (with the line of the change when
    ``lines`` knows it), so its problems name the file that changed it.
    """
    data = result.data
    for op in ("remove", "patch", "add"):
        section = changes.get(op)
        if section is None:
            continue
        if not isinstance(section, dict):
            problems.add(f"'{op}' must map component types to lists", field=f"{where}{op}")
            continue
        for ctype, entries in section.items():
            if ctype not in COMPONENTS:
                problems.add(f"unknown component type '{ctype}'{suggest(str(ctype), tuple(COMPONENTS))}",
                             field=f"{where}{op}.{ctype}")
                continue
            if not isinstance(entries, list):
                problems.add(f"'{op}.{ctype}' must be a list", field=f"{where}{op}.{ctype}")
                continue
            items = data.setdefault(ctype, [])
            if not isinstance(items, list):
                problems.add(f"'{ctype}' must be a list of components", component=ctype)
                continue
            index = {cid: i for i, cid in enumerate(_ids_of(items))}
            ids = [str(k) for k in index]
            for n, entry in enumerate(entries):
                if op == "remove":
                    if not isinstance(entry, str) or entry not in index:
                        problems.add(f"cannot remove: no {ctype} with id '{entry}'"
                                     f"{suggest(str(entry), ids)}", component=ctype, id=str(entry),
                                     field=f"{where}remove")
                        continue
                    items[index[entry]] = None
                    result.origins.pop((ctype, entry), None)
                    continue
                if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                    problems.add(f"each '{op}' entry needs an 'id'", component=ctype, id=f"#{n + 1}",
                                 field=f"{where}{op}")
                    continue
                cid = entry["id"]
                if op == "add":
                    if cid in index and items[index[cid]] is not None:
                        problems.add(f"cannot add: {ctype} '{cid}' already exists (use patch)",
                                     component=ctype, id=cid, field=f"{where}add")
                        continue
                    added = copy.deepcopy(entry)
                    if default_provenance and not (added.get("source") or added.get("assumption")):
                        added.update(default_provenance)
                    items.append(added)
                    index[cid] = len(items) - 1
                else:
                    if cid not in index or items[index[cid]] is None:
                        problems.add(f"cannot patch: no {ctype} with id '{cid}'{suggest(cid, ids)}",
                                     component=ctype, id=cid, field=f"{where}patch")
                        continue
                    _patch_component(items[index[cid]], entry, default_provenance)
                line = (lines or {}).get(id(entry))
                result.origins[(ctype, cid)] = f"{label}, line {line}" if line else label
            data[ctype] = [it for it in items if it is not None]


def _patch_component(target: dict[str, Any], entry: dict[str, Any],
                     default_provenance: dict[str, str] | None) -> None:
    """Merge ``entry`` into ``target``; numeric values get the entry's (or project's) provenance."""
    prov = {k: entry[k] for k in ("source", "assumption") if entry.get(k)}
    if not prov and default_provenance:
        prov = dict(default_provenance)
    for key, value in entry.items():
        if key in ("id", "source", "assumption"):
            continue
        current = target.get(key)
        if is_wrapped(current):
            current = current["value"]
        if is_wrapped(value):
            target[key] = copy.deepcopy(value)
            continue
        new = _merge(current, value)
        target[key] = {"value": new, **prov} if is_numeric(value) else new


def _merge(current: Any, value: Any) -> Any:
    """Deep-merge dicts (``null`` deletes a key); distributions and everything else replace."""
    if isinstance(current, dict) and isinstance(value, dict) and "dist" not in value:
        out = dict(current)
        for k, v in value.items():
            if v is None:
                out.pop(k, None)
            else:
                out[k] = _merge(out.get(k), v)
        return out
    return copy.deepcopy(value)


def apply_project(result: Resolved, pid: str, label: str, problems: ProblemCollector) -> None:
    """Apply one project's changes; it is then listed in ``applied_projects``."""
    listed = result.data.get("projects")
    listed = listed if isinstance(listed, list) else []
    projects = dict(zip(_ids_of(listed), listed, strict=True))
    applied = result.data.setdefault("applied_projects", [])
    if not isinstance(applied, list):
        problems.add("'applied_projects' must be a list of project ids", field="applied_projects")
        return
    if pid not in projects:
        problems.add(f"no project with id '{pid}'{suggest(pid, [str(k) for k in projects])}",
                     field="apply_projects")
        return
    if pid in applied:
        problems.add(f"project '{pid}' is already applied", field="apply_projects")
        return
    project = projects[pid]
    changes = project.get("changes") or {} if isinstance(project, dict) else None
    if is_wrapped(changes):  # a patched 'changes' carries the patch's provenance wrapper
        changes = changes["value"]
    if not isinstance(changes, dict):
        problems.add("'changes' must hold add/patch/remove", component="projects", id=pid,
                     field="changes")
        return
    prov = {k: project[k] for k in ("source", "assumption") if project.get(k)}
    apply_changes(result, changes, f"{label} (project {pid})", problems, prov,
                  where=f"projects[{pid}].changes.")
    applied.append(pid)
