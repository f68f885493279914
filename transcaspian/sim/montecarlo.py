"""Monte Carlo driver: seeded replications in parallel, aggregated as they arrive.

Replication ``i`` of a run with seed ``s`` always uses the random stream
``SeedSequence(s).spawn(n)[i]`` (equivalently ``SeedSequence(s, spawn_key=(i,))``), and
results are merged in replication order, so the numbers do not depend on the number of
workers nor on the executor they run on (a local process pool, a Dask cluster: see
:mod:`transcaspian.model.executors`). A parallel run is cut into tasks of up to
:data:`MAX_CHUNK` consecutive replications; each task carries the compiled scenario and the
options (about 40 kB pickled for the built-ins) and builds its kernel model once; a few
tasks per worker are in flight at once. Only running sums, sums of squares and pooled
histograms are kept: memory does not grow with the number of replications (bar one small
row per replication).
"""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import closing

import numpy as np
import pandas as pd

from transcaspian.model.executors import Workers, open_executor
from transcaspian.model.physics import HOURS_PER_YEAR
from transcaspian.sim.compile import Compiled
from transcaspian.sim.kernel import KernelModel
from transcaspian.sim.options import SimOptions
from transcaspian.sim.ports import PortAggregate
from transcaspian.sim.stats import Moments, hist_quantiles
from transcaspian.sim.summary import BIN_H, N_BINS, RepSummary

#: Bin width (h) of the published ``transit_histogram`` table.
TABLE_BIN_H = 6.0

#: Most replications one task carries (a task builds its kernel model once, ~10 ms).
MAX_CHUNK = 16
#: Tasks per worker a run is cut into (balances the load at the end of the run), and tasks
#: per worker in flight at once (bounds what is queued and what waits to be merged in order).
TASKS_PER_WORKER = 4


def rep_seed(seed: int, i: int) -> np.random.SeedSequence:
    """Seed sequence of replication ``i`` (the i-th child of ``SeedSequence(seed)``).

    Examples
    --------
    >>> rep_seed(1, 3).spawn_key
    (3,)
    """
    return np.random.SeedSequence(seed, spawn_key=(i,))


def worker_count(opts: SimOptions) -> int:
    """Worker processes a run uses (``opts.workers``, else up to 2 cores; never more than replications)."""
    workers = opts.workers if opts.workers is not None else min(os.cpu_count() or 1, 2)
    return max(1, min(workers, opts.replications))


def chunk_size(replications: int, workers: int) -> int:
    """Replications per task: about :data:`TASKS_PER_WORKER` tasks per worker, 1 to :data:`MAX_CHUNK`.

    Examples
    --------
    >>> chunk_size(40, 2), chunk_size(3, 2), chunk_size(10_000, 2)
    (5, 1, 16)
    """
    return max(1, min(MAX_CHUNK, replications // (workers * TASKS_PER_WORKER)))


def replications(cm: Compiled, opts: SimOptions, start: int, stop: int) -> Iterator[RepSummary]:
    """Replications ``start`` to ``stop - 1``, one after the other on one kernel model."""
    model = KernelModel(cm, opts.max_memory_gb * 1e9)
    for i in range(start, stop):
        yield model.run(opts.horizon_h, rep_seed(opts.seed, i), opts.warmup_h)


def run_chunk(cm: Compiled, opts: SimOptions, start: int, stop: int) -> list[RepSummary]:
    """One task: :func:`replications` ``start`` to ``stop - 1`` (what it needs comes with it, so
    any worker process of any executor can run it)."""
    return list(replications(cm, opts, start, stop))


def iter_replications(cm: Compiled, opts: SimOptions,
                      executor: Executor | Workers | None = None) -> Iterator[RepSummary]:
    """Yield replication summaries in replication order.

    Parameters
    ----------
    cm, opts
        The compiled scenario and the options.
    executor
        Where the replications run: a ``concurrent.futures`` executor (a Dask client's
        included) or an open :class:`~transcaspian.model.executors.Workers` (its worker count
        sizes the tasks). None: in this process when :func:`worker_count` is 1, else on a
        local pool of that many processes (:func:`~transcaspian.model.executors.open_executor`).

    The numbers do not depend on where they run: replication ``i`` always uses
    :func:`rep_seed` ``(opts.seed, i)``. Closing the iterator early cancels the tasks not started.
    """
    if executor is not None:
        ex, workers = ((executor.executor, executor.workers) if isinstance(executor, Workers)
                       else (executor, worker_count(opts)))
        yield from _on_executor(ex, cm, opts, max(1, workers))
        return
    workers = worker_count(opts)
    if workers == 1:
        yield from replications(cm, opts, 0, opts.replications)
        return
    with open_executor(None, workers) as pool:
        yield from _on_executor(pool.executor, cm, opts, workers)


def _on_executor(ex: Executor, cm: Compiled, opts: SimOptions, workers: int) -> Iterator[RepSummary]:
    """Chunks of replications as tasks on ``ex``, a bounded number in flight, merged in order."""
    n = opts.replications
    size = chunk_size(n, workers)
    starts = iter(range(0, n, size))
    pending: deque[Future[list[RepSummary]]] = deque()
    try:
        while True:
            while len(pending) < workers * TASKS_PER_WORKER:
                start = next(starts, None)
                if start is None:
                    break
                pending.append(ex.submit(run_chunk, cm, opts, start, min(n, start + size)))
            if not pending:
                return
            yield from pending.popleft().result()
    finally:
        for fut in pending:
            fut.cancel()


class Aggregate:
    """Mergeable Monte Carlo aggregates of replication summaries (add in replication order)."""

    def __init__(self, cm: Compiled, horizon_h: float, warmup_h: float = 0.0) -> None:
        self.cm = cm
        self.horizon_h = horizon_h
        self.warmup_h = warmup_h
        self.window_h = horizon_h - warmup_h
        self.years = self.window_h / HOURS_PER_YEAR
        self.n = 0
        n_od = len(cm.ods)
        self.hist = np.zeros(n_od * N_BINS)
        self.m: dict[str, Moments] = {}
        self.queue_sum: np.ndarray = np.zeros((max(1, math.ceil(self.window_h / 24.0 - 1e-9)),
                                               len(cm.nodes)))
        self.rows: list[dict[str, float]] = []
        self.events = 0
        self.ports = PortAggregate(cm)

    def _mom(self, key: str, x: np.ndarray | float) -> None:
        self.m.setdefault(key, Moments()).add(x)

    def add(self, r: RepSummary) -> None:
        """Fold one replication in."""
        y = self.years
        self.n += 1
        self.events += r.events
        np.add.at(self.hist, r.hist_key, r.hist_units)
        with np.errstate(invalid="ignore", divide="ignore"):
            od_mean = np.where(r.od_units > 0, r.od_unit_h / np.where(r.od_units > 0, r.od_units, 1),
                               np.nan)
        self._mom("created", r.created_units / y)
        self._mom("delivered", r.delivered_units / y)
        self._mom("delivered_lots", r.delivered_lots / y)
        self._mom("wip", r.wip_units)
        self._mom("od_units", r.od_units / y)
        self._mom("od_unit_h", r.od_unit_h / y)
        self._mom("od_lots", r.od_lots / y)
        self._mom("od_mean_filled", np.nan_to_num(od_mean))
        self._mom("od_has", (r.od_units > 0).astype(float))
        self._mom("node_wait", r.node_wait_unit_h / y)
        self._mom("node_units", r.node_units / y)
        self._mom("node_wait_t", r.node_wait_tonne_h / y)
        self._mom("node_tonnes", r.node_tonnes / y)
        self._mom("server_busy", r.server_busy_h / r.window_h)
        self._mom("berth_busy", r.berth_busy_h / r.window_h)
        self._mom("voyages", r.voyages / y)
        self._mom("voyage_fill", r.voyage_fill / y)
        self._mom("voyage_units", r.voyage_units / y)
        self._mom("w_closed", r.weather_closed_h / y)
        self._mom("w_events", r.weather_events / y)
        self._mom("w_lost", r.weather_lost_h / y)
        if r.queue_nodes.size:
            self.queue_sum[:, r.queue_nodes] += r.queue_daily
        if r.ports is not None:
            self.ports.add(r.ports, y)
        tonnes = np.array([f.tonnes_per_unit for f in self.cm.flows])
        tot_u = float(r.od_units.sum())
        self.rows.append({
            "replication": self.n - 1,
            "delivered_t_per_year": float((r.delivered_units * tonnes).sum() / y),
            "created_t_per_year": float((r.created_units * tonnes).sum() / y),
            "mean_transit_h": float(r.od_unit_h.sum() / tot_u) if tot_u > 0 else math.nan,
            "wip_t_end": float((r.wip_units * tonnes).sum()),
            "events": float(r.events),
        })

    # -- tables ---------------------------------------------------------------------------
    def tables(self) -> dict[str, pd.DataFrame]:
        """Result tables (documented in ``docs/simulator.md``)."""
        out: dict[str, pd.DataFrame] = {}
        self._flow_tables(out)
        self._od_tables(out)
        self._resource_tables(out)
        self._time_tables(out)
        out.update(self.ports.tables(self.m["berth_busy"].mean, self.window_h))
        return out

    def _flow_tables(self, out: dict[str, pd.DataFrame]) -> None:
        """Throughput per flow."""
        cm, m, flows = self.cm, self.m, self.cm.flows
        deliv, ci = m["delivered"].mean, m["delivered"].ci95()
        out["throughput"] = pd.DataFrame({
            "flow": [f.id for f in flows],
            "origin": [f.origin for f in flows],
            "destination": [f.destination for f in flows],
            "direction": [f.direction for f in flows],
            "commodity": [f.commodity for f in flows],
            "unit": [cm.units[f.unit] for f in flows],
            "demand_units": [f.annual_units for f in flows],
            "demand_tonnes": [f.annual_units * f.tonnes_per_unit for f in flows],
            "released_units": m["created"].mean,
            "units": deliv,
            "units_ci95": ci,
            "tonnes": deliv * np.array([f.tonnes_per_unit for f in flows]),
            "served_share": deliv / np.array([f.annual_units for f in flows]),
            "wip_units_end": m["wip"].mean,
        })


    def _od_tables(self, out: dict[str, pd.DataFrame]) -> None:
        """Transit times and histograms per origin-destination."""
        cm, m, flows = self.cm, self.m, self.cm.flows
        hist = self.hist.reshape(len(cm.ods), N_BINS)
        rows = []
        od_units = m["od_units"].s
        od_unit_h = m["od_unit_h"].s
        mean_ci = self._od_mean_ci()
        od_tpu = [0.0] * len(cm.ods)
        for f in flows:
            od_tpu[f.od] = f.tonnes_per_unit
        for i, (o, d, c, direction) in enumerate(cm.ods):
            p50, p90, p95 = hist_quantiles(hist[i], BIN_H, (0.5, 0.9, 0.95))
            u = float(od_units[i])
            rows.append({"origin": o, "destination": d, "commodity": c, "direction": direction,
                         "lots": float(m["od_lots"].mean[i]),
                         "units": float(m["od_units"].mean[i]),
                         "tonnes": float(m["od_units"].mean[i]) * od_tpu[i],
                         "p50_h": p50, "p90_h": p90, "p95_h": p95,
                         "mean_h": float(od_unit_h[i] / u) if u > 0 else math.nan,
                         "mean_h_ci95": mean_ci[i]})
        out["transit_times"] = pd.DataFrame(rows, columns=[
            "origin", "destination", "commodity", "direction", "lots", "units", "tonnes", "p50_h", "p90_h",
            "p95_h", "mean_h", "mean_h_ci95"])

        step = round(TABLE_BIN_H / BIN_H)
        od_pairs: dict[tuple[str, str], np.ndarray] = {}
        for i, (o, d, _, _) in enumerate(cm.ods):
            od_pairs[(o, d)] = od_pairs.get((o, d), 0) + hist[i]
        hrows = []
        for (o, d), h in od_pairs.items():
            coarse = np.add.reduceat(h, np.arange(0, N_BINS, step))
            for j in np.nonzero(coarse)[0].tolist():
                hi = (j + 1) * TABLE_BIN_H if j < coarse.size - 1 else math.inf
                hrows.append({"origin": o, "destination": d, "bin_lo_h": j * TABLE_BIN_H,
                              "bin_hi_h": hi, "count": float(coarse[j])})
        out["transit_histogram"] = pd.DataFrame(hrows, columns=[
            "origin", "destination", "bin_lo_h", "bin_hi_h", "count"])


    def _resource_tables(self, out: dict[str, pd.DataFrame]) -> None:
        """Waiting by node, vessel voyages, utilisation."""
        cm, m = self.cm, self.m
        # unit-hours (TEU, wagons, tonnes of oil mixed) only decide which nodes have a row
        wait, units = m["node_wait"].mean, m["node_units"].mean
        wait_t, wci_t, tons = m["node_wait_t"].mean, m["node_wait_t"].ci95(), m["node_tonnes"].mean
        total = float(wait_t.sum())
        wrows = []
        for i, node in enumerate(cm.nodes):
            if units[i] <= 0 and wait[i] <= 0:
                continue
            wrows.append({"node": node, "kind": cm.node_kind[i],
                          "wait_h_mean_per_unit": float(wait_t[i] / tons[i]) if tons[i] > 0 else 0.0,
                          "tonne_hours_waited": float(wait_t[i]), "tonne_hours_ci95": float(wci_t[i]),
                          "tonnes_queued": float(tons[i]),
                          "share_of_total": float(wait_t[i] / total) if total > 0 else 0.0})
        out["waiting_by_node"] = pd.DataFrame(wrows, columns=[
            "node", "kind", "wait_h_mean_per_unit", "tonne_hours_waited", "tonne_hours_ci95",
            "tonnes_queued", "share_of_total"]).sort_values(
            "tonne_hours_waited", ascending=False, kind="stable").reset_index(drop=True)

        vrows = []
        voy, vci = m["voyages"].mean, m["voyages"].ci95()
        fill = m["voyage_fill"].mean
        vun = m["voyage_units"].mean
        for ci_, vc in enumerate(cm.vessels):
            for e in (0, 1):
                row = {"vessel": vc.id, "service": vc.service, "from": cm.nodes[vc.ports[e]],
                       "to": cm.nodes[vc.ports[1 - e]], "vessels": vc.count,
                       "voyages": float(voy[ci_, e]), "voyages_ci95": float(vci[ci_, e]),
                       "load_factor_mean": float(fill[ci_, e] / voy[ci_, e]) if voy[ci_, e] > 0
                       else math.nan,
                       "payload_factor": vc.payload_factor}
                for u, name in enumerate(cm.units):
                    if u in vc.cap:
                        row[f"{name}_carried"] = float(vun[ci_, e, u])
                vrows.append(row)
        out["vessel_voyages"] = pd.DataFrame(vrows)

        urows = []
        sb, sbc = m["server_busy"].mean, m["server_busy"].ci95()
        for i, s in enumerate(cm.servers):
            urows.append({"resource": s.name, "kind": s.kind, "node": cm.nodes[s.node],
                          "link": s.link, "direction": s.direction, "channels": s.c,
                          "utilisation": float(sb[i] / s.c), "utilisation_ci95": float(sbc[i] / s.c)})
        bb, bbc = m["berth_busy"].mean, m["berth_busy"].ci95()
        for i, (bid, node, count) in enumerate(cm.berths):
            urows.append({"resource": bid, "kind": "berth", "node": cm.nodes[node], "link": "",
                          "direction": "", "channels": count,
                          "utilisation": float(bb[i] / count), "utilisation_ci95": float(bbc[i] / count)})
        out["utilisation"] = pd.DataFrame(urows, columns=[
            "resource", "kind", "node", "link", "direction", "channels", "utilisation",
            "utilisation_ci95"])


    def _time_tables(self, out: dict[str, pd.DataFrame]) -> None:
        """Queues over time, weather, work in progress, replications."""
        cm, m, flows = self.cm, self.m, self.cm.flows
        q = self.queue_sum / max(self.n, 1)
        cols = np.nonzero(q.sum(axis=0) > 0)[0]
        days = np.arange(q.shape[0])
        out["queues"] = pd.DataFrame({
            "day": np.tile(days, cols.size),
            "node": np.repeat([cm.nodes[c] for c in cols], days.size),
            "tonnes_waiting_mean": q[:, cols].T.ravel()}) if cols.size else pd.DataFrame(
            columns=["day", "node", "tonnes_waiting_mean"])

        out["weather"] = pd.DataFrame({
            "port": [cm.nodes[p] for p, _, _ in cm.weather],
            "closures_per_year": m["w_events"].mean if cm.weather else [],
            "closed_h_per_year": m["w_closed"].mean if cm.weather else [],
            "vessel_hours_lost_per_year": m["w_lost"].mean if cm.weather else [],
            "vessel_hours_lost_ci95": m["w_lost"].ci95() if cm.weather else [],
        })

        out["wip"] = pd.DataFrame({
            "flow": [f.id for f in flows],
            "released_units": m["created"].mean * self.years,
            "delivered_units": m["delivered"].mean * self.years,
            "in_progress_units": m["wip"].mean,
        })
        out["replications"] = pd.DataFrame(self.rows)

    def served(self) -> dict[str, float]:
        """The measured window's served share and the cargo in transit at its end (means over
        replications): demand, released and delivered tonnes in the window, ``served_share``
        (delivered / demand), ``released_share`` (released / demand), ``in_transit_t`` and
        ``in_transit_units`` at the end (units of mixed kinds added up)."""
        tpu = np.array([f.tonnes_per_unit for f in self.cm.flows])
        demand = float(sum(f.annual_units * f.tonnes_per_unit for f in self.cm.flows) * self.years)
        released = float((self.m["created"].mean * tpu).sum() * self.years)
        delivered = float((self.m["delivered"].mean * tpu).sum() * self.years)
        wip = self.m["wip"].mean
        return {"warmup_days": self.warmup_h / 24.0, "window_years": self.years, "demand_t": demand,
                "released_t": released, "delivered_t": delivered,
                "served_share": delivered / demand if demand > 0 else math.nan,
                "released_share": released / demand if demand > 0 else math.nan,
                "in_transit_t": float((wip * tpu).sum()), "in_transit_units": float(wip.sum())}

    def _od_mean_ci(self) -> np.ndarray:
        """CI half-width of the mean transit per OD from the per-replication means (h)."""
        mom = self.m["od_mean_filled"]
        has = self.m["od_has"].s
        n = np.asarray(has, float)
        s = np.asarray(mom.s, float)
        ss = np.asarray(mom.ss, float)
        out = np.full(n.shape, np.nan)
        ok = n >= 2
        from transcaspian.sim.stats import t975

        for i in np.nonzero(ok)[0].tolist():
            mean = s[i] / n[i]
            var = max(ss[i] / n[i] - mean * mean, 0.0) * n[i] / (n[i] - 1)
            out[i] = t975(int(n[i]) - 1) * math.sqrt(var / n[i])
        return out


def run_montecarlo(cm: Compiled, opts: SimOptions, progress: Callable[[int, int], None] | None = None,
                   executor: Executor | Workers | None = None) -> Aggregate:
    """Run ``opts.replications`` replications and aggregate them in replication order.

    ``progress(done, total)`` follows the merge; ``executor`` is where they run
    (:func:`iter_replications`). An exception from ``progress`` stops the run and cancels the
    tasks not started.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> from transcaspian.sim.compile import compile_scenario
    >>> opts = SimOptions.build(years=0.02, replications=2, workers=1, warmup_days=0)
    >>> run_montecarlo(compile_scenario(load_scenario("baseline-2024")), opts).n
    2
    """
    agg = Aggregate(cm, opts.horizon_h, opts.warmup_h)
    with closing(iter_replications(cm, opts, executor)) as reps:
        for i, rep in enumerate(reps):
            agg.add(rep)
            if progress is not None:
                progress(i + 1, opts.replications)
    return agg
