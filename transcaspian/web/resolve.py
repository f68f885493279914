"""A team's scenarios as the engines see them: a built-in, or an overlay stored in the job store.

An uploaded overlay's ``extends`` may name a built-in scenario or another scenario the same
team stored, and nothing else: never a file path (an upload must not read the server's files).
The model's loader does the rest (safe bounded YAML, the scenario limits, every problem
at once): the overlay and the stored scenarios it extends are written, under their names, into
a private temporary folder for as long as the caller needs them (the planner re-reads its
scenario without projects from that file), and problems name the stored scenario, not the
folder.

Examples
--------
>>> import tempfile, pathlib
>>> from transcaspian.web.store import Store
>>> store = Store(Store.default_url(pathlib.Path(tempfile.mkdtemp())))
>>> text = "name: dry-2024\\nextends: baseline-2024\\n"
>>> scen = check_overlay(store, "ministry", text)
>>> store.put_scenario("ministry", scen.name, text, scen.hash)
>>> with open_scenario(store, "ministry", "dry-2024") as (s, ref):
...     s.name, s.hash == scen.hash
('dry-2024', True)
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from transcaspian.model import Scenario, load_scenario
from transcaspian.model.errors import Problem, ScenarioError, UserError
from transcaspian.model.loading import MAX_EXTENDS_DEPTH, builtin_names, parse_yaml
from transcaspian.web.store import NAME_PATTERN, Store

#: The file name of an uploaded overlay being checked (its problems name it so).
UPLOAD = "upload"


def _parent_of(text: str, label: str) -> Any:
    """The ``extends`` of a YAML document (None when it has none or cannot be read: the model's
    loader then reports why)."""
    try:
        data = parse_yaml(text, label)
    except UserError:
        return None
    return data.get("extends") if isinstance(data, dict) else None


def _write_chain(store: Store, team: str, label: str, text: str, folder: Path) -> Path:
    """Write ``text`` as ``folder/label`` and every stored scenario of ``team`` its ``extends``
    chain names; UserError when an ``extends`` names anything else."""
    builtins = builtin_names()
    (folder / label).write_text(text, encoding="utf-8")
    written, name, current = {label}, label, text
    for _ in range(MAX_EXTENDS_DEPTH + 1):
        parent = _parent_of(current, name)
        if parent is None or not isinstance(parent, str) or parent in builtins or parent in written:
            break  # a built-in, a cycle or a malformed value: the loader handles and reports it
        stored = store.get_scenario(team, parent) if NAME_PATTERN.fullmatch(parent) else None
        if stored is None:
            raise ScenarioError([Problem(
                f"extends {parent[:100]!r}: not a built-in scenario ({', '.join(builtins)}) nor one of "
                "this team's stored scenarios (uploads may not name files)", file=name, field="extends")])
        (folder / parent).write_text(stored, encoding="utf-8")
        written.add(parent)
        name, current = parent, stored
    return folder / label


def _relabel(exc: UserError, folder: Path) -> UserError:
    """The error with the temporary folder taken out of every file name."""
    prefix = f"{folder}/"
    problems = [dataclasses.replace(p, file=p.file.replace(prefix, "")) for p in exc.problems]
    return type(exc)(problems, exc.what)


@contextmanager
def _materialised(store: Store, team: str, label: str, text: str) -> Iterator[tuple[Scenario, str]]:
    with tempfile.TemporaryDirectory(prefix="transcaspian-scenario-") as tmp:
        folder = Path(tmp)
        try:
            path = _write_chain(store, team, label, text, folder)
            scenario = load_scenario(path)
        except UserError as exc:
            raise _relabel(exc, folder) from None
        yield scenario, str(path)


def check_overlay(store: Store, team: str, text: str) -> Scenario:
    """Validate an uploaded overlay (YAML text) of ``team``: the scenario it resolves to, or
    ScenarioError with every problem (the model's loader, plus the ``extends`` rule above)."""
    with _materialised(store, team, UPLOAD, text) as (scenario, _ref):
        return scenario


@contextmanager
def open_scenario(store: Store, team: str, name: str) -> Iterator[tuple[Scenario, str]]:
    """The scenario ``name`` (a built-in, or one ``team`` stored) and the reference the planner
    re-reads it from, valid inside the ``with`` block.

    Raises
    ------
    UserError
        No built-in or stored scenario of that name, or the stored text no longer validates.
    """
    if name in builtin_names():
        yield load_scenario(name), name
        return
    text = store.get_scenario(team, name) if isinstance(name, str) and NAME_PATTERN.fullmatch(name) else None
    if text is None:
        mine = [s["name"] for s in store.list_scenarios(team)]
        raise UserError([Problem(f"no scenario named {str(name)[:100]!r}: built-ins are "
                                 f"{', '.join(builtin_names())}; this team's: "
                                 f"{', '.join(mine) or 'none stored'}", field="scenario")], "the job")
    with _materialised(store, team, name, text) as pair:
        yield pair
