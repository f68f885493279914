"""Random inputs of one replication: seeded streams, storm closures, train releases, and the
out-of-service windows of ports and vessels (dated events, off-hire).

Plain Python (numpy), drawn before the kernel runs, so the kernel and the SimPy reference
in ``tests/reference`` read the same numbers from the same seeds (common random numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from transcaspian.model.events import merge
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


def _rate_segments(annual_trains: float, seasonality: tuple[float, ...], months: int,
                   surges: list[tuple[float, float, float]] | None) -> tuple[np.ndarray, np.ndarray]:
    """Segment edges (h) and the constant rate (trains/h) in each: months of 730 h, cut where a
    demand surge starts or ends, the rate multiplied by the surge's factor."""
    rate = np.tile(np.asarray(seasonality, float), months // 12 + 1)[:months] * (annual_trains / 8760.0)
    edges = np.arange(months + 1) * HOURS_PER_MONTH
    if not surges:
        return edges, rate
    cuts = np.unique(np.concatenate([edges, [x for a, b, _ in surges for x in (a, b)
                                             if 0.0 < x < edges[-1]]]))
    mid = (cuts[:-1] + cuts[1:]) / 2.0
    seg_rate = rate[np.clip(np.searchsorted(edges, mid, side="right") - 1, 0, months - 1)]
    for a, b, f in surges:
        seg_rate = np.where((mid >= a) & (mid < b), seg_rate * f, seg_rate)
    return cuts, seg_rate


def release_times(annual_trains: float, seasonality: tuple[float, ...], pattern: str,
                  rng: np.random.Generator, horizon_h: float,
                  surges: list[tuple[float, float, float]] | None = None) -> np.ndarray:
    """Train release times at an origin (h) over the horizon.

    The rate in month ``m`` is ``annual_trains / 8760 * seasonality[m]`` trains/h, times the
    factor of a demand surge under way (``surges``: ``(start_h, end_h, factor)`` segments,
    :func:`transcaspian.model.events.surge_segments`).
    ``poisson``: a non-homogeneous Poisson process (cumulative unit exponentials mapped
    through the inverse cumulative rate); ``regular``: the inverse cumulative rate at
    0, 1, 2, ... (one train per unit of cumulative rate, the first at time 0).
    """
    months = max(1, math.ceil(horizon_h / HOURS_PER_MONTH))
    edges, rate = _rate_segments(annual_trains, seasonality, months, surges)
    cum = np.concatenate([[0.0], np.cumsum(rate * np.diff(edges))])
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
    seg = np.clip(seg, 0, rate.size - 1)
    r = rate[seg]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = edges[seg] + np.where(r > 0, (u - cum[seg]) / np.where(r > 0, r, 1.0), 0.0)
    return t[t < horizon_h]


@dataclass
class Dated:
    """The scenario's dated events on the run's clock (h), see :func:`dated`."""

    port: dict[int, list[tuple[float, float]]]
    server: dict[int, list[tuple[float, float]]]
    berth: list[tuple[int, float, float, int]]
    vessel: list[tuple[int, float, float, int]]
    surge: dict[int, list[tuple[float, float, float]]]


def dated(cm: Compiled, jan1_h: float = 0.0) -> Dated:
    """The compiled events (:class:`~transcaspian.sim.compile.EventTables`, hours of the scenario
    year) shifted so that 1 January of the scenario year is at ``jan1_h`` on the run's clock.

    The one place where the scenario's calendar meets the run's clock: the kernel's inputs and
    the SimPy reference both take their windows from here.
    """
    ev = cm.events

    def sh(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(a + jan1_h, b + jan1_h) for a, b in spans]

    return Dated({k: sh(v) for k, v in ev.port.items()}, {k: sh(v) for k, v in ev.server.items()},
                 [(g, a + jan1_h, b + jan1_h, n) for g, a, b, n in ev.berth],
                 [(c, a + jan1_h, b + jan1_h, n) for c, a, b, n in ev.vessel],
                 {k: [(a + jan1_h, b + jan1_h, f) for a, b, f in v] for k, v in ev.surge.items()})


def vessel_windows(cm: Compiled, horizon_h: float, rng: np.random.Generator,
                   events: Dated | None = None) -> list[list[tuple[float, float]]]:
    """Out-of-service windows of every vessel, fleet order (class by class), merged (h).

    A ``vessel_out`` event takes its class's first ``count`` vessels. Off-hire: each vessel of a
    class with ``offhire_days_per_year`` has one window a simulated year of that length,
    starting at ``year x 8760 + U x (8760 - length)``; ``U`` is drawn for every vessel and year,
    in fleet order, whatever its off-hire, so scenario variants share the draws.
    """
    events = events or dated(cm)
    n = sum(vc.count for vc in cm.vessels)
    years = max(1, math.ceil(horizon_h / HOURS_PER_YEAR - 1e-9))
    u = rng.random((years, n))
    out: list[list[tuple[float, float]]] = []
    for ci, vc in enumerate(cm.vessels):
        length = cm.events.offhire_h[ci] if ci < len(cm.events.offhire_h) else 0.0
        for j in range(vc.count):
            spans = [(a, b) for c, a, b, cnt in events.vessel if c == ci and j < cnt]
            if length > 0:
                for y in range(years):
                    a = y * HOURS_PER_YEAR + float(u[y, len(out)]) * (HOURS_PER_YEAR - length)
                    spans.append((a, a + length))
            out.append(merge(spans))
    return out


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
    vessel_out: list[list[tuple[float, float]]]   # per vessel (fleet order): out-of-service windows
    dated: Dated                                  # the dated events on the run's clock


def _shifted(starts: list[float], ends: list[float], lead_h: float) -> tuple[list[float], list[float]]:
    """Intervals drawn on a calendar starting ``lead_h`` earlier, in the run's clock (h)."""
    out_s, out_e = [], []
    for a, b in zip(starts, ends, strict=True):
        if b > lead_h:
            out_s.append(max(a - lead_h, 0.0))
            out_e.append(b - lead_h)
    return out_s, out_e



def _on_calendar(surges: list[tuple[float, float, float]] | None, lead_h: float
                 ) -> list[tuple[float, float, float]] | None:
    """Surge segments from the run's clock to the release calendar, which starts ``lead_h`` earlier."""
    return None if not surges else [(a + lead_h, b + lead_h, f) for a, b, f in surges]


def prepare(cm: Compiled, horizon_h: float, ss: np.random.SeedSequence, warmup_h: float = 0.0) -> Prepared:
    """Spawn the replication's streams, draw storm closures and train releases.

    Streams: 0 arrivals, 1 route choice, 2.. one per distribution (used as the
    replication runs), then one per weather regime, then off-hire starts. The run's clock
    starts ``warmup_h`` before the scenario's calendar (time ``warmup_h`` is 1 January of the
    scenario year): seasonality and storm rates of the warm-up are those of the calendar's last
    days. ``created``, ``weather_closed`` and ``weather_events`` count the measured window
    ``[warmup_h, horizon_h]``. Dated events sit on the calendar (1 January at ``warmup_h``):
    port closures join the port's storm closures (merged); demand surges scale the release rate.
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
    events = dated(cm, W)   # 1 January of the scenario year is at the end of the warm-up
    for port, spans in events.port.items():   # dated closures: the port is shut by either
        both = merge([*zip(w_starts.get(port, []), w_ends.get(port, []), strict=True), *spans])
        w_starts[port], w_ends[port] = [a for a, _ in both], [b for _, b in both]
    created = np.zeros(len(cm.flows))
    parts_t, parts_r, parts_f, parts_u = [], [], [], []
    for fi, f in enumerate(cm.flows):
        times = release_times(f.annual_units / f.units_per_train, f.seasonality, f.arrivals,
                              rng_arr, lead + H, _on_calendar(events.surge.get(fi), lead))
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
    vessel_out = vessel_windows(cm, H, streams[2 + len(cm.dists) + len(cm.weather)], events)
    return Prepared(streams, children, releases, created, w_starts, w_ends, w_of_port,
                    weather_closed, weather_events, vessel_out, events)
