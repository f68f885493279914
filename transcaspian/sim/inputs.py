"""Random inputs of one replication: seeded streams, storm closures and train releases.

Plain Python (numpy), drawn before the kernel runs, so the kernel and the SimPy reference
in ``tests/reference`` read the same numbers from the same seeds (common random numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from transcaspian.model.physics import HOURS_PER_YEAR
from transcaspian.sim.compile import HOURS_PER_MONTH, Compiled, draw


def closures(rates: tuple[float, ...], spec: Any, rng: np.random.Generator,
             horizon_h: float, count_from_h: float = 0.0) -> tuple[list[float], list[float], int]:
    """Storm closure intervals of one port over the horizon, overlaps merged.

    Closures start as a Poisson process with a monthly rate (events per 730-h month);
    each lasts a draw of the regime's duration distribution (h).

    Returns
    -------
    starts, ends, n_events
        Sorted disjoint intervals (h) and the number of closure events drawn (starting at or
        after ``count_from_h``).
    """
    months = max(1, math.ceil(horizon_h / HOURS_PER_MONTH))
    lam = np.tile(np.asarray(rates, float), months // 12 + 1)[:months]
    counts = rng.poisson(lam)
    total = int(counts.sum())
    st = np.repeat(np.arange(months) * HOURS_PER_MONTH, counts) + rng.uniform(0, HOURS_PER_MONTH, total)
    du = draw(spec, rng, total)
    n_events = int((st >= count_from_h).sum()) if count_from_h > 0 else total
    order = np.argsort(st, kind="stable")
    st, du = st[order], du[order]
    starts: list[float] = []
    ends: list[float] = []
    for s, d in zip(st.tolist(), du.tolist(), strict=True):
        if d <= 0:
            continue
        if ends and s <= ends[-1]:
            ends[-1] = max(ends[-1], s + d)
        else:
            starts.append(s)
            ends.append(s + d)
    return starts, ends, n_events


def release_times(annual_trains: float, seasonality: tuple[float, ...], pattern: str,
                  rng: np.random.Generator, horizon_h: float) -> np.ndarray:
    """Train release times at an origin (h) over the horizon.

    The rate in month ``m`` is ``annual_trains / 8760 * seasonality[m]`` trains/h.
    ``poisson``: a non-homogeneous Poisson process (cumulative unit exponentials mapped
    through the inverse cumulative rate); ``regular``: the inverse cumulative rate at
    0, 1, 2, ... (one train per unit of cumulative rate, the first at time 0).
    """
    months = max(1, math.ceil(horizon_h / HOURS_PER_MONTH))
    rate = np.tile(np.asarray(seasonality, float), months // 12 + 1)[:months] * (
        annual_trains / 8760.0)
    cum = np.concatenate([[0.0], np.cumsum(rate * HOURS_PER_MONTH)])
    edges = np.arange(months + 1) * HOURS_PER_MONTH
    total = float(np.interp(horizon_h, edges, cum))
    if pattern == "regular":
        u = np.arange(0.0, total, 1.0) if total > 0 else np.empty(0)
    else:
        n = int(total + 6.0 * math.sqrt(total + 1.0) + 10)
        u = np.cumsum(rng.exponential(1.0, n))
        while u.size and u[-1] < total:
            u = np.concatenate([u, u[-1] + np.cumsum(rng.exponential(1.0, n))])
        u = u[u < total]
    if u.size == 0:
        return u
    seg = np.searchsorted(cum, u, side="right") - 1
    seg = np.clip(seg, 0, months - 1)
    r = rate[seg]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = edges[seg] + np.where(r > 0, (u - cum[seg]) / np.where(r > 0, r, 1.0), 0.0)
    return t[t < horizon_h]


@dataclass
class Prepared:
    """Random inputs of one replication (streams, releases, port closures)."""

    streams: list[np.random.Generator]
    children: list[np.random.SeedSequence]
    releases: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # time, route, flow, units
    created: np.ndarray
    w_starts: dict[int, list[float]]
    w_ends: dict[int, list[float]]
    w_of_port: dict[int, int]
    weather_closed: np.ndarray
    weather_events: np.ndarray


def _shifted(starts: list[float], ends: list[float], lead_h: float) -> tuple[list[float], list[float]]:
    """Intervals drawn on a calendar starting ``lead_h`` earlier, in the run's clock (h)."""
    out_s, out_e = [], []
    for a, b in zip(starts, ends, strict=True):
        if b > lead_h:
            out_s.append(max(a - lead_h, 0.0))
            out_e.append(b - lead_h)
    return out_s, out_e


def prepare(cm: Compiled, horizon_h: float, ss: np.random.SeedSequence, warmup_h: float = 0.0) -> Prepared:
    """Spawn the replication's streams, draw storm closures and train releases.

    Streams: 0 arrivals, 1 route choice, 2.. one per distribution (used as the
    replication runs), then one per weather regime. The run's clock starts ``warmup_h``
    before the scenario's calendar (time ``warmup_h`` is 1 January): seasonality and storm
    rates of the warm-up are those of the calendar's last days. ``created``,
    ``weather_closed`` and ``weather_events`` count the measured window ``[warmup_h, horizon_h]``.
    """
    H = float(horizon_h)
    W = float(warmup_h)
    lead = (-W) % HOURS_PER_YEAR   # calendar hour of the run's time 0
    children = ss.spawn(cm.n_streams)
    streams = [np.random.default_rng(c) for c in children]
    rng_arr, rng_route = streams[0], streams[1]
    w_starts: dict[int, list[float]] = {}
    w_ends: dict[int, list[float]] = {}
    w_of_port: dict[int, int] = {}
    weather_closed = np.zeros(len(cm.weather))
    weather_events = np.zeros(len(cm.weather))
    for wi, (port, rates, dist) in enumerate(cm.weather):
        st, en, cnt = closures(rates, cm.dists[dist], streams[2 + len(cm.dists) + wi], lead + H,
                               lead + W)
        st, en = _shifted(st, en, lead)
        if port in w_starts:  # two regimes on one port: merge
            allv = sorted(zip(w_starts[port] + st, w_ends[port] + en, strict=True))
            st, en = [], []
            for s, e in allv:
                if en and s <= en[-1]:
                    en[-1] = max(en[-1], e)
                else:
                    st.append(s)
                    en.append(e)
        w_starts[port], w_ends[port] = st, en
        w_of_port[port] = wi
        weather_events[wi] = cnt
    for port, wi in w_of_port.items():
        weather_closed[wi] = sum(max(0.0, min(e, H) - max(s, W)) for s, e in
                                 zip(w_starts[port], w_ends[port], strict=True) if s < H)
    created = np.zeros(len(cm.flows))
    parts_t, parts_r, parts_f, parts_u = [], [], [], []
    for fi, f in enumerate(cm.flows):
        times = release_times(f.annual_units / f.units_per_train, f.seasonality, f.arrivals,
                              rng_arr, lead + H)
        times = times[times >= lead] - lead
        if len(f.routes) == 1:
            choice = np.zeros(times.size, dtype=np.int64)
            rng_route.random(times.size)
        else:
            choice = np.searchsorted(np.cumsum(f.shares), rng_route.random(times.size) * 0.999999999)
        created[fi] = int((times >= W).sum()) * f.units_per_train
        parts_t.append(times)
        parts_r.append(np.asarray(f.routes, np.int64)[choice])
        parts_f.append(np.full(times.size, fi, np.int64))
        parts_u.append(np.full(times.size, f.units_per_train))

    def cat(xs: list[np.ndarray], dt: Any) -> np.ndarray:
        return np.concatenate(xs).astype(dt) if xs else np.zeros(0, dt)

    releases = (cat(parts_t, float), cat(parts_r, np.int64), cat(parts_f, np.int64),
                cat(parts_u, float))
    return Prepared(streams, children, releases, created, w_starts, w_ends, w_of_port,
                    weather_closed, weather_events)
