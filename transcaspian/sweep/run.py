"""Running a sweep: points as tasks on an executor, parts written as they finish, resume, assembly.

Each point is one task (:func:`run_point`): the base scenario with the point's values (an
overlay), the capacity engine, the simulator when the spec asks (one worker process per
point, ``SimOptions.workers = 1``), and the planner when it asks (from the base resolved
without its projects, :data:`SweepPlan.plan_base`, with the point's overlay on top). A
point's random streams come from its own seed, ``SeedSequence(spec.seed, spawn_key=(point,))``
(:func:`transcaspian.sim.rep_seed`), so the numbers do not depend on the number of workers,
on which worker runs a point, or on a retry.

The output folder::

    spec.yaml            the spec as given
    meta.json            tool, spec hash, scenario name and hash, seed, design, parameters and
                         KPIs with units, status (running | complete)
    parts/point-N.parquet  one finished point each, written atomically (tmp, then os.replace)
    points.parquet       one row per point, sorted by point (when complete)
    sensitivity.parquet  kpi, parameter, method, index, value, conf (when complete)

A killed sweep resumes (``resume=True``) without redoing a finished point.
"""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from transcaspian import __version__
from transcaspian.model.errors import Problem, UserError
from transcaspian.model.loading import Resolved, resolve, resolve_document
from transcaspian.model.results import Result
from transcaspian.model.scenario import Scenario
from transcaspian.sim.montecarlo import rep_seed
from transcaspian.sweep.apply import Applied, point_overlay, resolve_parameters
from transcaspian.sweep.design import design_frame
from transcaspian.sweep.kpis import check_kpis, point_kpis
from transcaspian.sweep.sensitivity import METHOD_OF_DESIGN, sensitivity
from transcaspian.sweep.spec import KPI_KINDS, SweepSpec, base_ref

TOOL = "transcaspian sweep"
FORMAT = 1
PARTS = "parts"
#: Columns of the points table besides the parameters and the KPIs.
POINT_COLUMNS = {"point": "", "seed": "", "scenario_hash": "", "error": ""}


def point_seed(seed: int, point: int) -> int:
    """The simulator seed of a point: the first word of ``SeedSequence(seed, spawn_key=(point,))``.

    Examples
    --------
    >>> point_seed(1, 0) == point_seed(1, 0) != point_seed(1, 1)
    True
    """
    return int(rep_seed(seed, point).generate_state(1)[0])


@dataclass(frozen=True)
class SweepPlan:
    """A checked sweep: the spec, its base scenario, the parameters resolved, the design."""

    spec: SweepSpec
    base: Scenario
    applied: list[Applied]
    design: pd.DataFrame
    spec_text: str = ""
    #: The base resolved without its projects (``engines.plan``: where each point's plan starts).
    plan_base: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def units(self) -> dict[str, str]:
        """Column -> unit of the points table."""
        return {**{a.parameter.name: a.unit for a in self.applied},
                **{k.column: k.unit for k in self.spec.kpis}, **POINT_COLUMNS}


def plan_sweep(spec: SweepSpec, base: Scenario, spec_text: str = "", file: str = "") -> SweepPlan:
    """Check the spec against the base scenario (UserError naming every problem) and design it.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> from transcaspian.sweep.spec import parse_spec
    >>> spec = parse_spec({"name": "d", "scenario": "baseline-2024",
    ...     "design": {"method": "grid", "levels": 3},
    ...     "parameters": [{"name": "n", "field": "vessels[asco-ferry-kuryk].count", "range": [2, 4],
    ...                     "assumption": "demo"}], "kpis": [{"kpi": "served_share"}]})
    >>> p = plan_sweep(spec, load_scenario("baseline-2024"))
    >>> p.design["n"].tolist(), p.units["n"], p.units["served_share"]
    ([2, 3, 4], 'vessels', 'share')
    """
    problems: list[Problem] = check_kpis(base, spec.kpis, file)
    try:
        applied = resolve_parameters(base, spec.parameters, file)
    except UserError as exc:
        raise UserError(exc.problems + problems, "the sweep spec") from None
    if problems:
        raise UserError(problems, "the sweep spec")
    design = design_frame(spec.design, spec.parameters, spec.seed, [a.integer for a in applied])
    return SweepPlan(spec, base, applied, design, spec_text, _plan_base(spec, base, file))


def _plan_base(spec: SweepSpec, base: Scenario, file: str) -> dict[str, Any] | None:
    """The spec's scenario resolved without its projects when the planner runs (else None)."""
    if spec.engines.plan is None:
        return None
    data = resolve(base_ref(spec, file or None), skip_projects=True).data
    if data.get("name") != base.name:
        raise UserError([Problem(f"the planner starts from {spec.scenario} ({data.get('name')}) but "
                                 f"the base scenario is {base.name}", file=file, field="scenario")],
                        "the sweep spec")
    return data


# -- one point (runs on a worker) -------------------------------------------------------------
_CACHE: dict[tuple[str, str], tuple[SweepSpec, Scenario, list[Applied], Resolved | None]] = {}


@dataclass(frozen=True)
class PointTask:
    """What a worker needs for one point (plain data: it travels to other machines)."""

    point: int
    values: dict[str, float]
    spec: dict[str, Any]
    scenario: dict[str, Any] = field(repr=False)
    scenario_hash: str = ""
    plan_base: dict[str, Any] | None = field(default=None, repr=False)


def _setting(task: PointTask) -> tuple[SweepSpec, Scenario, list[Applied], Resolved | None]:
    spec = SweepSpec.model_validate(task.spec)
    key = (task.scenario_hash, spec.digest())
    if key not in _CACHE:
        label = task.scenario.get("name", "base")
        base = Scenario.from_dict(task.scenario, label=label)
        plan_base = None if task.plan_base is None else resolve_document(task.plan_base, label,
                                                                          skip_projects=True)
        _CACHE.clear()
        _CACHE[key] = (spec, base, resolve_parameters(base, spec.parameters), plan_base)
    return _CACHE[key]


def _point_plan(spec: SweepSpec, scen: Scenario, plan_base: Resolved, overlay: dict[str, Any],
                seed: int) -> tuple[Result | None, str]:
    """The plan of a point from the base without projects and the point's overlay; None and
    the planner's message when it refuses (e.g. no plan reaches the target)."""
    from transcaspian.planning import plan

    try:
        return plan(scen, spec.engines.plan_options(seed), ref=plan_base, overlay=overlay), ""
    except UserError as exc:
        return None, ("plan: " + "; ".join(str(p) for p in exc.problems))[:2000]


def run_point(task: PointTask) -> dict[str, Any]:
    """Run one point: its scenario, the capacity engine, the simulator and the planner if
    asked; its table row.

    A point whose scenario or engine refuses its input keeps NaN KPIs and the message in
    ``error`` (a refused plan: the plan KPIs only, ``plan_met`` 0); anything else propagates
    (the executor retries a lost worker).
    """
    from transcaspian.analysis.capacity import capacity
    from transcaspian.sim import SimOptions, simulate

    spec, base, applied, plan_base = _setting(task)
    seed = point_seed(spec.seed, task.point)
    row: dict[str, Any] = {"point": task.point, **task.values}
    kpis = {k.column: float("nan") for k in spec.kpis}
    error, scen_hash = "", ""
    try:
        overlay = point_overlay(base, applied, task.values, task.point, spec.name)
        scen = base.overlay(**overlay)
        scen_hash = scen.hash
        cap = capacity(scen)
        sim = None
        if spec.engines.simulate is not None:
            s = spec.engines.simulate
            sim = simulate(scen, SimOptions.build(replications=s.replications, years=s.years,
                                                  warmup_days=s.warmup_days, seed=seed, workers=1))
        plan = None
        if plan_base is not None:
            plan, error = _point_plan(spec, scen, plan_base, overlay, seed)
        kpis = point_kpis(scen, spec.kpis, cap, sim, plan)
    except UserError as exc:
        error = "; ".join(str(p) for p in exc.problems)[:2000]
    return {**row, **kpis, "seed": seed, "scenario_hash": scen_hash, "error": error}


# -- files ------------------------------------------------------------------------------------
def write_parquet_atomic(df: pd.DataFrame, path: Path, units: Mapping[str, str] | None = None) -> Path:
    """Write ``df`` (no index) to ``path`` whole or not at all: a temporary file, then os.replace.
    ``units`` (column -> unit) go into the file's metadata (key ``transcaspian.units``).

    Examples
    --------
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = write_parquet_atomic(pd.DataFrame({"a": [1.5]}), Path(d) / "t.parquet", {"a": "h"})
    ...     pq.read_schema(path).metadata[b"transcaspian.units"], sorted(os.listdir(d))
    (b'{"a": "h"}', ['t.parquet'])
    """
    table = pa.Table.from_pandas(df, preserve_index=False)
    if units:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               b"transcaspian.units": json.dumps(dict(units)).encode()})
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, default=str, ensure_ascii=False)
    os.replace(tmp, path)


def _sweep_meta(plan: SweepPlan, status: str) -> dict[str, Any]:
    """What ``meta.json`` holds."""
    spec = plan.spec
    return {
        "tool": TOOL, "format": FORMAT, "version": __version__, "status": status,
        "name": spec.name, "spec_hash": spec.digest(),
        "scenario": {"name": plan.base.name, "hash": plan.base.hash, "ref": spec.scenario},
        "seed": spec.seed, "points": len(plan.design),
        "design": {**spec.design.model_dump(mode="json"),
                   "sensitivity": METHOD_OF_DESIGN[spec.design.method]},
        "engines": spec.engines.model_dump(mode="json"),
        "parameters": [{"name": a.parameter.name, "address": a.address, "unit": a.unit,
                        "integer": a.integer, "bounds": list(a.parameter.bounds),
                        "distribution": a.parameter.distribution,
                        "provenance": a.parameter.source or a.parameter.assumption}
                       for a in plan.applied],
        "kpis": [{"column": k.column, "kpi": k.kpi, "unit": k.unit, "engine": k.engine,
                  "meaning": KPI_KINDS[k.kpi][2]} for k in spec.kpis],
    }


def _error(folder: Path, message: str) -> UserError:
    return UserError([Problem(message, file=str(folder), field="out")], "the output folder")


def _read_meta(folder: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and meta.get("tool") == TOOL else None


def _finished_points(folder: Path, plan: SweepPlan) -> dict[int, dict[str, Any]]:
    """Rows of the parts already written whose values are this sweep's (others are removed)."""
    done: dict[int, dict[str, Any]] = {}
    parts = folder / PARTS
    for tmp in parts.glob(".tmp-*"):
        tmp.unlink(missing_ok=True)
    names = list(plan.design.columns)
    for path in sorted(parts.glob("point-*.parquet")):
        try:
            row = pd.read_parquet(path).iloc[0].to_dict()
            i = int(row["point"])
            same = path.name == _part_name(i) and i < len(plan.design) and all(
                float(row[n]) == float(plan.design.iloc[i][n]) for n in names)
        except (OSError, ValueError, KeyError, IndexError, pa.ArrowException):
            same = False
        if same:
            done[i] = row
        else:
            path.unlink(missing_ok=True)
    return done


def _part_name(point: int) -> str:
    return f"point-{point:06d}.parquet"


def open_folder(out: str | Path, plan: SweepPlan, resume: bool) -> tuple[Path, dict[int, dict[str, Any]]]:
    """Make or reopen the output folder; the points already finished there.

    A new or empty folder starts the sweep. A folder holding a sweep of the same spec and
    scenario continues with ``resume`` (refused without it: nothing is redone or lost by
    mistake); any other non-empty folder is refused (UserError).
    """
    folder = Path(out)
    done = check_folder(folder, plan, resume)
    if done is not None:
        return folder, done
    (folder / PARTS).mkdir(parents=True, exist_ok=True)
    (folder / "spec.yaml").write_text(plan.spec_text or json.dumps(plan.spec.model_dump(mode="json")),
                                      encoding="utf-8")
    _write_json(folder / "meta.json", _sweep_meta(plan, "running"))
    return folder, {}


def check_folder(out: str | Path, plan: SweepPlan, resume: bool) -> dict[int, dict[str, Any]] | None:
    """Refuse an output folder the sweep may not use (UserError), writing nothing; the points
    finished there when it continues a sweep of this spec, None when it is new or empty."""
    folder = Path(out)
    if folder.resolve() == Path.cwd().resolve() or folder.name in ("", ".", ".."):
        raise _error(folder, "is the current or a parent folder; give a new folder such as out/sweep")
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise _error(folder, "is a file or a symbolic link; give a folder name")
    if folder.is_dir() and any(folder.iterdir()):
        meta = _read_meta(folder)
        if meta is None:
            raise _error(folder, "exists and is not a sweep folder (no meta.json of transcaspian "
                         "sweep); choose a new or empty folder")
        same_base = meta.get("scenario", {}).get("hash") == plan.base.hash
        if meta.get("spec_hash") != plan.spec.digest() or not same_base:
            raise _error(folder, f"holds the sweep '{meta.get('name')}' of another spec or scenario; "
                         "choose a new or empty folder")
        done = _finished_points(folder, plan)
        if not resume:
            raise _error(folder, f"holds this sweep ({len(done)} of {len(plan.design)} points done); "
                         "add --resume to continue it, or choose a new folder")
        return done
    for parent in folder.parents:
        if parent.exists() and not parent.is_dir():
            raise _error(folder, f"'{parent}' is a file, so no folder can be made under it")
    return None


# -- the sweep --------------------------------------------------------------------------------
@dataclass(frozen=True)
class SweepResult:
    """A finished sweep: ``meta`` (meta.json), ``points`` (one row per point), ``sensitivity``."""

    meta: dict[str, Any]
    points: pd.DataFrame
    sensitivity: pd.DataFrame
    folder: Path | None = None
    ran: int = 0


def run_sweep(plan: SweepPlan, out: str | Path, executor: Executor, *, resume: bool = False,
              progress: Callable[[int, int], None] | None = None, in_flight: int = 64) -> SweepResult:
    """Run the points not yet finished in ``out`` on ``executor``; assemble and analyse.

    Parameters
    ----------
    plan
        :func:`plan_sweep` of the spec.
    out
        The output folder (see :func:`open_folder`).
    executor
        ``concurrent.futures``-style (:func:`transcaspian.model.executors.open_executor`).
    resume
        Continue a sweep of the same spec in ``out``.
    progress
        Called with (points done, total) as points finish.
    in_flight
        Most points submitted and not yet finished (each task carries the base scenario).
    """
    folder, done = open_folder(out, plan, resume)
    total = len(plan.design)
    spec_data, scen_data = plan.spec.model_dump(mode="json"), plan.base.to_dict()
    todo = [i for i in range(total) if i not in done]
    if progress:
        progress(len(done), total)
    queue = iter(todo)
    running: set[Future] = set()
    try:
        while True:   # at most in_flight tasks submitted at once: memory stays bounded
            for i in itertools.islice(queue, in_flight - len(running)):
                running.add(executor.submit(run_point, PointTask(i, _values(plan, i), spec_data,
                                                                 scen_data, plan.base.hash,
                                                                 plan.plan_base)))
            if not running:
                break
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for fut in finished:
                row = fut.result()
                write_parquet_atomic(pd.DataFrame([row]), folder / PARTS / _part_name(row["point"]))
                done[row["point"]] = row
                if progress:
                    progress(len(done), total)
    finally:
        for fut in running:
            fut.cancel()
    return _assemble(plan, folder, done, len(todo))


def _values(plan: SweepPlan, i: int) -> dict[str, float]:
    row = plan.design.iloc[i]
    return {a.parameter.name: (int(row[a.parameter.name]) if a.integer else float(row[a.parameter.name]))
            for a in plan.applied}


def _assemble(plan: SweepPlan, folder: Path, done: Mapping[int, dict[str, Any]], ran: int) -> SweepResult:
    columns = [*POINT_COLUMNS][:1] + list(plan.design.columns) + [k.column for k in plan.spec.kpis] \
        + [*POINT_COLUMNS][1:]
    points = pd.DataFrame([done[i] for i in sorted(done)], columns=columns)
    points = points.astype({"point": "int64", "seed": "int64", "scenario_hash": str, "error": str})
    spec = plan.spec
    sens = sensitivity(spec.design.method, points, spec.parameters, [k.column for k in spec.kpis],
                       spec.seed, spec.design.levels)
    write_parquet_atomic(points, folder / "points.parquet", plan.units)
    write_parquet_atomic(sens, folder / "sensitivity.parquet")
    meta = {**_sweep_meta(plan, "complete"), "failed_points": int((points["error"] != "").sum())}
    _write_json(folder / "meta.json", meta)
    return SweepResult(meta, points, sens, folder, ran)


def load_sweep(folder: str | Path) -> SweepResult:
    """Read a complete sweep folder (UserError when it is not one).

    Examples
    --------
    >>> try:
    ...     load_sweep("no/such/folder")
    ... except UserError as e:
    ...     print(e.problems[0].message)
    is not a sweep folder (no meta.json of transcaspian sweep)
    """
    folder = Path(folder)
    meta = _read_meta(folder)
    if meta is None:
        raise UserError([Problem("is not a sweep folder (no meta.json of transcaspian sweep)",
                                 file=str(folder))], "the sweep folder")
    if meta.get("status") != "complete":
        raise UserError([Problem("holds an unfinished sweep; run it again with --resume",
                                 file=str(folder))], "the sweep folder")
    return SweepResult(meta, pd.read_parquet(folder / "points.parquet"),
                       pd.read_parquet(folder / "sensitivity.parquet"), folder)


def sweep(spec: SweepSpec, out: str | Path, *, base: Scenario | None = None, scheduler: str | None = "local",
          workers: int | None = None, resume: bool = False, spec_text: str = "",
          progress: Callable[[int, int], None] | None = None) -> SweepResult:
    """Plan and run a sweep on an executor opened for it (Dask LocalCluster by default).

    Parameters
    ----------
    spec
        The validated spec (:func:`~transcaspian.sweep.spec.load_spec`).
    out
        Output folder.
    base
        The base scenario (default: ``spec.scenario`` loaded).
    scheduler, workers
        Where points run (:func:`transcaspian.model.executors.open_executor`): None a local
        process pool, ``"local"`` a Dask LocalCluster of ``workers`` processes (one per core
        by default), ``"tcp://host:8786"`` an existing Dask cluster.
    resume, progress
        See :func:`run_sweep`.
    """
    from transcaspian.model.executors import open_executor
    from transcaspian.sweep.spec import open_base

    plan = plan_sweep(spec, base if base is not None else open_base(spec), spec_text)
    with open_executor(scheduler, workers) as pool:
        return run_sweep(plan, out, pool.executor, resume=resume, progress=progress)
