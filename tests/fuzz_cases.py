"""Mutated scenarios for fuzzing: one seeded mutation of a built-in, as YAML text.

Shared by ``tests/test_fuzz.py`` (hypothesis picks the mutation and seed) and the long run
``tools/fuzz.py``. A case is YAML text, either a whole mutated scenario or an overlay that
``extends`` the built-in, and :func:`run_case` says what happened to it: ``refused`` (a
UserError with a message), ``ran`` (validated, then ``capacity`` and a short ``simulate``
finished with finite outputs) or a failure with the traceback.
"""

from __future__ import annotations

import copy
import functools
import random
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from transcaspian.model import Scenario, load_scenario
from transcaspian.model.errors import UserError
from transcaspian.model.loading import locate, parse_yaml

#: Values that break a careless reader: non-finite, extreme, wrong type, markup, control text.
BAD_VALUES: list[Any] = [
    None, True, False, "", "inf", "nan", "-inf", "yes", "12", float("inf"), float("-inf"),
    float("nan"), 0, -1, 1e-9, 1e-300, 1e12, 1e308, 10**30, -(10**30), [], {}, [1, 2], {"a": 1},
    [[1]], "<script>alert(1)</script>", "a\x00b", "x" * 300, {"value": 1}, {"value": float("nan")},
    {"dist": "lognormal", "mean": float("inf"), "p90": 5}, {"dist": "bogus"},
]
BAD_DISTRIBUTIONS: list[Any] = [
    {"dist": "lognormal", "mean": float("inf"), "p90": 5},
    {"dist": "lognormal", "mean": 5, "p90": 5},
    {"dist": "lognormal", "mean": 1e-300, "p90": 2e-300},
    {"dist": "lognormal", "mean": 1, "p90": 2.27},
    {"dist": "empirical", "values": [1, 2], "weights": [float("nan"), 1]},
    {"dist": "empirical", "values": [1, 2], "weights": [1e-300, 1]},
    {"dist": "empirical", "values": [], "weights": []},
    {"dist": "empirical", "values": [0], "weights": [1]},
    {"dist": "empirical", "values": [1e308]},
    {"dist": "uniform", "low": 5, "high": 1},
    {"dist": "uniform", "low": 0, "high": 0},
    {"dist": "triangular", "low": 0, "mode": 0, "high": 0},
    {"dist": "triangular", "low": 0, "mode": 0, "high": 1e-300},
    {"dist": "fixed", "value": 0}, {"dist": "fixed", "value": 9999},
    {"dist": "fixed", "value": -1}, 0, 9999, "6", [6], {"dist": "fixed"},
]
REFERENCE_FIELDS = ("node", "service", "from", "to", "route", "commodity", "origin",
                    "destination", "emission_factor", "element", "source")
KINDS = ("delete", "bad_value", "extreme_number", "scale_number", "wrong_type", "broken_reference",
         "duplicate", "deep_nesting", "bad_distribution", "overlay", "several")


@functools.cache
def _base_text(name: str) -> tuple[str, str]:
    label, _, text = locate(name)
    return label, text


def base_document(name: str = "baseline-2024") -> dict[str, Any]:
    """The built-in as parsed YAML (with its ``{value:, source:}`` wrappers)."""
    label, text = _base_text(name)
    return parse_yaml(text, label)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and indices) into a parsed document."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        doc = doc[p]
    return doc


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    _get(doc, path[:-1])[path[-1]] = value


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def mutate(doc: dict[str, Any], kind: str, rng: random.Random) -> dict[str, Any] | str:
    """One mutation of ``doc`` (a deep copy); a str is YAML text (deep nesting)."""
    doc = copy.deepcopy(doc)
    paths = _paths(doc)
    if not paths:
        return doc
    if kind == "several":
        for _ in range(rng.randint(2, 6)):
            out = mutate(doc, rng.choice(KINDS[:-2]), rng)
            if isinstance(out, dict):
                doc = out
        return doc
    if kind == "overlay":
        return overlay(doc, rng)
    if kind == "delete":
        path = rng.choice(paths)
        del _get(doc, path[:-1])[path[-1]]
    elif kind == "bad_value":
        _set(doc, rng.choice(paths), copy.deepcopy(rng.choice(BAD_VALUES)))
    elif kind in ("extreme_number", "scale_number"):
        numbers = [p for p in paths if _is_number(_get(doc, p))] or paths
        path = rng.choice(numbers)
        old = _get(doc, path)
        if kind == "scale_number" and _is_number(old):
            value: Any = old * 10 ** rng.uniform(-9, 9)
        else:
            value = rng.choice([0, -0.0, -1, 1e-12, 1e-300, 1e6, 1e9, 1e12, 1e308, float("inf"),
                                float("-inf"), float("nan"), 2**63, 10**30, 0.5, 1, 200, 201])
        _set(doc, path, value)
    elif kind == "wrong_type":
        _set(doc, rng.choice(paths), rng.choice([[], {}, "text", True, None, [{"id": "x"}], 7]))
    elif kind == "broken_reference":
        refs = [p for p in paths if p and p[-1] in REFERENCE_FIELDS] or paths
        ids = [str(_get(doc, p)) for p in paths if p and p[-1] == "id"]
        _set(doc, rng.choice(refs), rng.choice(["nope", "", *rng.sample(ids, min(3, len(ids)))]))
    elif kind == "duplicate":
        lists = [p for p in paths if isinstance(_get(doc, p), list) and _get(doc, p)]
        target = _get(doc, rng.choice(lists))
        target.append(copy.deepcopy(rng.choice(target)))
    elif kind == "deep_nesting":
        _set(doc, rng.choice(paths), "__DEEP__")
        depth = rng.choice([10, 63, 65, 200, 800, 5000])
        text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        return text.replace("__DEEP__", "[" * depth + "]" * depth, 1)
    elif kind == "bad_distribution":
        dists = [p for p in paths if p and str(p[-1]).endswith("_h")
                 and isinstance(_get(doc, p), dict | int | float)] or paths
        _set(doc, rng.choice(dists), copy.deepcopy(rng.choice(BAD_DISTRIBUTIONS)))
    return doc


def overlay(doc: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """An overlay of the built-in: patch, add, remove or apply projects, often wrongly."""
    out: dict[str, Any] = {"name": "fuzz", "extends": doc["name"]}
    ctype = rng.choice(["nodes", "links", "services", "vessels", "weather", "demand", "berths",
                        "projects", "emission_factors", "commodities", "routes"])
    items = doc.get(ctype) or [{}]
    item = rng.choice(items)
    choice = rng.randrange(6)
    if choice == 0 and item:
        fld = rng.choice([k for k in item if k != "id"] or ["id"])
        value = rng.choice([*BAD_VALUES, *BAD_DISTRIBUTIONS, item.get(fld)])
        out["patch"] = {ctype: [{"id": item.get("id"), fld: copy.deepcopy(value)}]}
    elif choice == 1:
        out["remove"] = {ctype: [rng.choice([item.get("id"), "nope", [1], None])]}
    elif choice == 2:
        added = copy.deepcopy(item)
        if rng.random() < 0.5 and isinstance(added, dict):
            added["id"] = rng.choice(["fuzz-new", "<b>x</b>", "A" * 70, "fuzz.new_1"])
        out["add"] = {ctype: [added]}
    elif choice == 3:
        pids = [p.get("id") for p in doc.get("projects", [])]
        out["apply_projects"] = rng.sample(pids, min(len(pids), rng.randint(1, 3))) + rng.choice(
            [[], ["nope"], [[1]], [pids[0]] if pids else [], [None]])
    elif choice == 4 and doc.get("projects"):
        project = rng.choice(doc["projects"])
        link = rng.choice(doc["links"])
        new = {"patch": {"links": [{"id": link["id"], "trains_per_day": rng.choice(
            [1, 40, 0, float("inf"), "x"])}]}}
        out["patch"] = {"projects": [{"id": project["id"], "changes": new}]}
        out["apply_projects"] = [project["id"]]
    else:
        out[rng.choice(["patch", "add", "remove", "apply_projects", "extends", "nodes"])] = (
            rng.choice(BAD_VALUES))
    return out


@dataclass
class Outcome:
    """What one case did: ``refused``, ``ran`` or ``failed`` (with the traceback)."""

    status: str
    detail: str = ""


def to_text(case: dict[str, Any] | str) -> str:
    return case if isinstance(case, str) else yaml.safe_dump(case, sort_keys=False,
                                                             allow_unicode=True)


def check_outputs(result: Any, engine: str) -> None:
    """No infinity anywhere; NaN only where a figure is undefined (no lots, one replication)."""
    for name, frame in result.tables.items():
        numbers = frame.select_dtypes("number")
        values = numbers.to_numpy(dtype=float)
        if np.isinf(values).any():
            raise AssertionError(f"{engine}: infinity in table {name}")
        for col in numbers.columns:
            missing = numbers[col].isna()
            if not missing.any() or _may_be_undefined(col):
                continue
            count = UNDEFINED_WHEN_ZERO.get(col)
            if count in frame.columns and (frame.loc[missing, count] == 0).all():
                continue  # a ratio over nothing (no cargo served, no voyage sailed)
            raise AssertionError(f"{engine}: NaN in {name}.{col}")


#: Ratios that are undefined (NaN) exactly where their denominator count is 0.
UNDEFINED_WHEN_ZERO = {"cost_usd_per_unit": "served_units", "load_factor_mean": "voyages",
                       "payload_factor": "voyages", "served_share": "demand_units",
                       "wait_h_mean_per_unit": "tonnes_queued", "share_of_total": "tonne_hours_waited"}


def _may_be_undefined(column: str) -> bool:
    """Statistics of one replication or of no lots: a 95% interval, percentiles, capacity in a unit
    the element does not carry."""
    return (column.endswith(("_ci95", "_carried")) or column.startswith("capacity_")
            or column in ("p50_h", "p90_h", "p95_h", "mean_h", "mean_transit_h"))


def run_case(text: str | None, label: str = "fuzz.yaml", years: float = 0.05,
             engines: bool = True, path: Path | None = None) -> Outcome:
    """Validate ``text`` (or the file ``path``); if it validates, run capacity and a short simulation."""
    from transcaspian.analysis.capacity import capacity
    from transcaspian.sim import SimOptions, simulate

    try:
        if path is not None:
            scenario = load_scenario(path)
        else:
            scenario = Scenario.from_dict(parse_yaml(text or "", label), label=label)
    except UserError as exc:
        if not exc.problems or not all(str(p) for p in exc.problems):
            return Outcome("failed", "UserError without a message")
        return Outcome("refused", str(exc.problems[0])[:200])
    except Exception:
        return Outcome("failed", "validate: " + traceback.format_exc())
    if not engines:
        return Outcome("ran")
    for engine, call in (("capacity", lambda: capacity(scenario)),
                         ("simulate", lambda: simulate(scenario, SimOptions(years=years, replications=1,
                                                                  seed=1, workers=1)))):
        try:
            check_outputs(call(), engine)
        except UserError as exc:
            return Outcome("refused", f"{engine}: {exc.problems[0] if exc.problems else exc}")
        except Exception:
            return Outcome("failed", f"{engine}: " + traceback.format_exc())
    return Outcome("ran")
