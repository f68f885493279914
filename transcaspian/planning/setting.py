"""The planner's starting point and the scenario of any plan in any year.

A :class:`Setting` holds the user's scenario resolved *without* its projects (its own
changes only), every project it lists, and the demand paths. :func:`configure` builds the
validated scenario of one configuration: which projects (how many units) are in service,
in which year (the Caspian level and the demand on the chosen path move with the year).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from transcaspian.model import Scenario
from transcaspian.model.base import is_wrapped
from transcaspian.model.demand import scaled_demand
from transcaspian.model.errors import Problem, ProblemCollector, UserError
from transcaspian.model.loading import Resolved, apply_project, resolve, resolve_document
from transcaspian.model.schema import Project

#: Demand paths a plan may follow.
PATHS = ("low", "central", "high")


@dataclass
class Setting:
    """The scenario without projects, its projects in a buildable order, and its demand paths."""

    scenario: Scenario
    base: Resolved
    projects: dict[str, Project]
    order: list[str]
    cache: dict[tuple, Scenario] = field(default_factory=dict)

    @property
    def year(self) -> int:
        return self.scenario.year


def setting_of(scenario: Scenario, ref: str | Resolved | None = None,
               overlay: Mapping[str, Any] | None = None) -> Setting:
    """The planning setting of a scenario loaded from ``ref``, or made from it by ``overlay``.

    Parameters
    ----------
    scenario
        The scenario to plan from (its projects are the candidates).
    ref
        Where ``scenario`` (or, with ``overlay``, the scenario it overlays) comes from: a
        built-in name or YAML path, resolved without its projects, or that resolution itself.
    overlay
        The overlay document (``patch``, ``sea_level``, ..., no ``extends``) that made
        ``scenario`` from ``ref`` (e.g. a sweep point, :meth:`Scenario.overlay`): applied on
        top of ``ref`` without projects, by the code that reads an overlay file.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> st = setting_of(load_scenario("target-2030"), "target-2030")
    >>> len(st.projects) >= 15, st.base.data.get("applied_projects")
    (True, None)
    >>> doc = {"name": "t2", "patch": {"vessels": [{"id": "asco-ferry-kuryk", "count": 5,
    ...                                             "assumption": "x"}]}}
    >>> point = load_scenario("target-2030").overlay(**doc)
    >>> kuryk = setting_of(point, "target-2030", doc).base.data["vessels"]
    >>> next(v["count"]["value"] for v in kuryk if v["id"] == "asco-ferry-kuryk")
    5
    """
    if isinstance(ref, Resolved):
        base = ref
    elif ref is not None and (scenario.files or overlay is not None):
        base = resolve(ref, skip_projects=True)
    elif overlay is not None:
        raise UserError([Problem("planning an overlay needs the scenario it overlays (ref)",
                                 field="scenario")], "the plan")
    else:
        if scenario.doc.applied_projects:
            raise UserError([Problem("the planner needs the scenario as a YAML file or built-in name "
                                     "(its projects are applied in a CSV folder and cannot be undone)",
                                     field="scenario")], "the plan")
        base = Resolved(scenario.doc.to_dict(), dict(scenario.origins), scenario.name)
    if overlay is not None:
        base = resolve_document(dict(overlay), f"<{scenario.name}: overlay of {base.label}>",
                                parent=base, skip_projects=True)
    projects = {p.id: p for p in scenario.doc.projects}
    return Setting(scenario, base, projects, _order(projects))


def _order(projects: Mapping[str, Project]) -> list[str]:
    """Project ids with every project after the projects it requires (file order otherwise)."""
    done: list[str] = []

    def visit(pid: str) -> None:
        if pid in done:
            return
        for q in projects[pid].requires:
            if q in projects:
                visit(q)
        done.append(pid)

    for pid in projects:
        visit(pid)
    return done


def _plain(value: Any) -> Any:
    return value["value"] if is_wrapped(value) else value


def sea_level_m(setting: Setting, year: int) -> float:
    """Caspian level change in ``year`` (m): linear from 0 in the reference year to the
    scenario's change in its year, held beyond it."""
    sl = setting.scenario.doc.sea_level
    y0, y1 = sl.reference_year, setting.year
    if y1 == y0:
        return sl.change_m
    share = min(1.0, max(0.0, (year - y0) / (y1 - y0)))
    return sl.change_m * share


def path_factor(setting: Setting, commodity: str, year: int, path: str) -> float:
    """Demand of ``commodity`` in ``year`` on ``path`` over the scenario's own demand (1).

    The index of the commodity's demand path, linear between its years and flat beyond,
    divided by the central index in the scenario year; 1 when no path covers it.
    """
    paths = setting.scenario.doc.demand_paths
    chosen = next((p for p in paths if commodity in p.commodities), None) or \
        next((p for p in paths if not p.commodities), None)
    if chosen is None:
        return 1.0
    return _index(getattr(chosen, path), year) / _index(chosen.central, setting.year)


def _index(points: Mapping[int, float], year: int) -> float:
    years = sorted(points)
    if year <= years[0]:
        return points[years[0]]
    if year >= years[-1]:
        return points[years[-1]]
    for a, b in itertools.pairwise(years):
        if a <= year <= b:
            return points[a] + (points[b] - points[a]) * (year - a) / (b - a)
    raise AssertionError("unreachable")


def configure(setting: Setting, units: Mapping[str, int], year: int,
              demand: Mapping[str, float] | None = None) -> Scenario:
    """The validated scenario with ``units`` of each project in service in ``year``.

    ``demand`` multiplies flows' annual units (flow id -> factor; others unchanged).
    Results are cached per configuration.
    """
    key = (tuple(sorted((p, n) for p, n in units.items() if n > 0)), year,
           tuple(sorted((demand or {}).items())))
    if key in setting.cache:
        return setting.cache[key]
    r = Resolved(copy.deepcopy(setting.base.data), dict(setting.base.origins), setting.base.label,
                 list(setting.base.files))
    problems = ProblemCollector(setting.base.label)
    for pid in setting.order:
        n = units.get(pid, 0)
        if n > 0:
            apply_project(r, pid, setting.base.label, problems)
            _add_steps(r.data, setting.projects[pid], n)
    problems.raise_if_any()
    r.data["name"] = f"{setting.scenario.name}.plan-{year}"[:64]
    r.data["sea_level"] = {**(r.data.get("sea_level") or {}), "change_m": {
        "value": sea_level_m(setting, year), "assumption": "linear between the reference year and "
        "the scenario year"}}
    flows = {d["id"]: d for d in r.data.get("demand", [])}
    for entry in scaled_demand({f: d["annual_units"] for f, d in flows.items()}, demand or {},
                               f"plan demand in {year}"):
        flows[entry["id"]]["annual_units"] = entry["annual_units"]
    s = Scenario.from_resolved(r)
    setting.cache[key] = s
    return s


def _add_steps(data: dict[str, Any], project: Project, n: int) -> None:
    """Add ``n`` x each unit step of a modular project to its component fields."""
    for st in project.unit_steps:
        row = next(c for c in data[st.component] if c.get("id") == st.id)
        current = _plain(row.get(st.field, 0)) or 0
        value = current + st.step * n
        row[st.field] = {"value": int(value) if isinstance(current, int) and float(st.step).is_integer()
                         else value, "assumption": f"{n} unit(s) of project {project.id}"}
