"""Dated events as windows of hours, and what they take away: the one rule both engines use.

An event (``events:`` in a scenario, :class:`~transcaspian.model.schema.Event`) acts from
the start of its ``start`` day to the end of its ``end`` day (both inclusive), in hours from
the start of the scenario year: 1-14 January is ``[0, 336)`` h. The model year has 365 days
of 24 h (8,760 h) and twelve months of 730 h, as the simulator's; a window is clipped to
``[0, 8760]`` (31 December of a leap year falls outside). An event applies in the year it is
dated only: in a multi-year simulation year 1 is the scenario year, later years have no events.

Capacity (lost availability in the scenario year)
    - a port closed: per month ``m`` the port is closed while weather *or* an event closes it,
      ``1 - (1 - w_m)(1 - e_m)``, with ``w_m`` the weather's closed share of the month and
      ``e_m`` the share of the month inside event windows (overlapping windows count once);
      the port's closed share is the mean over the twelve months (:func:`combined_closed_share`,
      called by :func:`transcaspian.model.physics.port_closed_share`);
    - a rail or road section, a border: open share ``1 - hours closed / 8760``;
    - a berth group: ``1 - sum(berths out x hours) / (count x 8760)``;
    - a vessel class: ``1 - sum(vessels out x hours) / (count x 8760)``;
    - a demand surge: the year's units are the integral of the arrival rate, seasonality times
      the product of the factors of the surges under way (:func:`surged_annual_units`).

The simulator applies the same windows at those hours in every replication
(``docs/scenarios.md``, "Events: dated disruptions").

Examples
--------
>>> from transcaspian.model.schema import Event
>>> e = Event(id="aktau-jan", kind="port_closed", element="aktau", start="2024-01-01",
...           end="2024-01-14", assumption="example")
>>> window_h(e, 2024)
(0.0, 336.0)
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from transcaspian.model.schema import Berth, DemandFlow, Event, Vessel

if TYPE_CHECKING:
    from transcaspian.model.scenario import Scenario

#: Hours of the model year and of one of its twelve equal months.
YEAR_H = 8760.0
MONTH_H = YEAR_H / 12.0


@dataclass(frozen=True)
class Window:
    """One event as hours from the start of the scenario year.

    Attributes
    ----------
    event, kind, element
        The event's id, kind and element id.
    start_h, end_h
        The window ``[start_h, end_h)`` (h), clipped to the model year.
    count
        Berths or vessels out (``berth_out`` / ``vessel_out``; 0 otherwise).
    factor
        Multiplier on arrivals (``demand_surge``; 1 otherwise).
    """

    event: str
    kind: str
    element: str
    start_h: float
    end_h: float
    count: int
    factor: float

    @property
    def hours(self) -> float:
        """Length of the window (h)."""
        return max(0.0, self.end_h - self.start_h)


def window_h(event: Event, year: int) -> tuple[float, float]:
    """The event's hours ``[start, end)`` from 1 January of ``year``, clipped to [0, 8760] (h).

    Examples
    --------
    >>> from transcaspian.model.schema import Event
    >>> e = Event(id="x", kind="border_closed", element="dostyk", start="2024-03-01", end="2024-03-02",
    ...           assumption="example")
    >>> window_h(e, 2024)        # 2024 is a leap year: 1 March is day 60
    (1440.0, 1488.0)
    """
    jan1 = dt.date(year, 1, 1)
    a = (event.start - jan1).days * 24.0
    b = ((event.end - jan1).days + 1) * 24.0
    return min(max(a, 0.0), YEAR_H), min(max(b, 0.0), YEAR_H)


def windows(scenario: Scenario, kind: str | None = None, element: str | None = None) -> list[Window]:
    """The scenario's events as windows, in file order; optionally of one kind and element.

    ``count`` defaults to every berth of the group (``berth_out``) or one vessel
    (``vessel_out``); a ``demand_surge`` on ``*`` matches every ``element``.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> windows(load_scenario("baseline-2024"))
    []
    """
    out = []
    for e in scenario.doc.events:
        if (kind is not None and e.kind != kind) or (
                element is not None and e.element not in (element, "*")):
            continue
        a, b = window_h(e, scenario.year)
        count = 0
        if e.kind == "berth_out":
            count = e.count if e.count is not None else _berth_count(scenario, e.element)
        elif e.kind == "vessel_out":
            count = e.count if e.count is not None else 1
        out.append(Window(e.id, e.kind, e.element, a, b, count,
                          float(e.factor) if e.factor is not None else 1.0))
    return out


def _berth_count(scenario: Scenario, berth: str) -> int:
    return next((b.count for b in scenario.doc.berths if b.id == berth), 0)


def merge(spans: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Union of intervals as sorted, disjoint ``(start, end)`` pairs (touching ones joined).

    Examples
    --------
    >>> merge([(5.0, 8.0), (0.0, 2.0), (1.0, 3.0), (8.0, 9.0)])
    [(0.0, 3.0), (5.0, 9.0)]
    """
    out: list[tuple[float, float]] = []
    for a, b in sorted((float(a), float(b)) for a, b in spans if b > a):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def closed_hours_by_month(spans: Sequence[tuple[float, float]]) -> list[float]:
    """Hours of each 730-h month inside the union of ``spans`` (h), January first.

    Examples
    --------
    >>> [round(h) for h in closed_hours_by_month([(0.0, 336.0), (700.0, 760.0)])][:3]
    [366, 30, 0]
    """
    hours = [0.0] * 12
    for a, b in merge(spans):
        for m in range(12):
            lo, hi = m * MONTH_H, (m + 1) * MONTH_H
            hours[m] += max(0.0, min(b, hi) - max(a, lo))
    return hours


def closed_share_by_month(scenario: Scenario, kind: str, element: str) -> list[float]:
    """Share of each month an element is closed by its events of ``kind`` (0..1 each)."""
    spans = [(w.start_h, w.end_h) for w in windows(scenario, kind, element)]
    return [h / MONTH_H for h in closed_hours_by_month(spans)]


def combined_closed_share(weather_by_month: Sequence[float], event_by_month: Sequence[float]) -> float:
    """Closed share of the year when weather or events close a port: the mean over months of
    ``1 - (1 - w_m)(1 - e_m)`` (each share capped at 1).

    Examples
    --------
    >>> round(combined_closed_share([0.1] * 12, [336 / 730] + [0.0] * 11), 4)   # 14 days in January
    0.1345
    """
    total = 0.0
    for w, e in zip(weather_by_month, event_by_month, strict=True):
        total += 1.0 - (1.0 - min(1.0, w)) * (1.0 - min(1.0, e))
    return total / len(weather_by_month)


def open_share(scenario: Scenario, kind: str, element: str) -> float:
    """Share of the year a section or border is open: ``1 - hours closed / 8760``.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> open_share(load_scenario("baseline-2024"), "border_closed", "dostyk")
    1.0
    """
    spans = [(w.start_h, w.end_h) for w in windows(scenario, kind, element)]
    return 1.0 - sum(b - a for a, b in merge(spans)) / YEAR_H


def _out_share(scenario: Scenario, kind: str, element: str, count: int) -> float:
    out = sum(min(w.count, count) * w.hours for w in windows(scenario, kind, element))
    return max(0.0, 1.0 - out / (count * YEAR_H)) if count > 0 else 1.0


def berth_available_share(scenario: Scenario, berth: Berth) -> float:
    """Share of a berth group's berth-hours left by ``berth_out`` events:
    ``1 - sum(berths out x hours) / (count x 8760)``.

    Examples
    --------
    >>> from transcaspian.model import Scenario, load_scenario
    >>> d = load_scenario("baseline-2024").to_dict()
    >>> d["events"] = [{"id": "x", "kind": "berth_out", "element": "aktau-ferry", "start": "2024-02-01",
    ...                 "end": "2024-02-10", "assumption": "example"}]
    >>> s = Scenario.from_dict(d)
    >>> round(berth_available_share(s, s.get("berths", "aktau-ferry")), 4)   # its 1 berth, 10 days
    0.9726
    """
    return _out_share(scenario, "berth_out", berth.id, berth.count)


def vessel_available_share(scenario: Scenario, vessel: Vessel) -> float:
    """Share of a vessel class's vessel-hours left by ``vessel_out`` events:
    ``1 - sum(vessels out x hours) / (count x 8760)`` (off-hire is not an event: see
    ``Vessel.offhire_days_per_year``).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> vessel_available_share(s, s.doc.vessels[0])
    1.0
    """
    return _out_share(scenario, "vessel_out", vessel.id, vessel.count)


def surge_segments(surges: Sequence[Window]) -> list[tuple[float, float, float]]:
    """Piecewise-constant arrival multiplier of overlapping surges: ``(start_h, end_h, factor)``
    segments where the product of the factors under way is not 1.

    Examples
    --------
    >>> w = [Window("a", "demand_surge", "*", 0.0, 100.0, 0, 2.0),
    ...      Window("b", "demand_surge", "f", 50.0, 150.0, 0, 1.5)]
    >>> surge_segments(w)
    [(0.0, 50.0, 2.0), (50.0, 100.0, 3.0), (100.0, 150.0, 1.5)]
    """
    edges = sorted({x for w in surges for x in (w.start_h, w.end_h)})
    out = []
    for a, b in itertools.pairwise(edges):
        f = 1.0
        for w in surges:
            if w.start_h <= a and b <= w.end_h:
                f *= w.factor
        if f != 1.0 and b > a:
            out.append((a, b, f))
    return out


def surged_annual_units(scenario: Scenario, flow: DemandFlow) -> float:
    """Units a flow brings in the scenario year with its surges: ``annual_units`` times the mean
    over the year of ``seasonality[month] x factor(t)`` (units/yr).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> surged_annual_units(s, s.doc.demand[0]) == s.doc.demand[0].annual_units
    True
    """
    segs = surge_segments(windows(scenario, "demand_surge", flow.id))
    extra = 0.0
    for a, b, f in segs:
        for m in range(12):
            lo, hi = m * MONTH_H, (m + 1) * MONTH_H
            extra += (f - 1.0) * flow.seasonality[m] * max(0.0, min(b, hi) - max(a, lo))
    return flow.annual_units * (1.0 + extra / YEAR_H)


__all__ = ["MONTH_H", "YEAR_H", "Window", "berth_available_share", "closed_hours_by_month",
           "closed_share_by_month", "combined_closed_share", "merge", "open_share", "surge_segments",
           "surged_annual_units", "vessel_available_share", "window_h", "windows"]
