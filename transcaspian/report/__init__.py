"""The self-contained offline HTML report: map, bottlenecks, capacity vs demand,
itineraries with time/cost-distance charts, reference routes, simulation results, sources.

>>> from transcaspian.model import load_scenario
>>> from transcaspian.report import build_report
>>> html = build_report(load_scenario("baseline-2024"))
>>> html.startswith("<!DOCTYPE html>") and "chart-map" in html
True
"""

from transcaspian.report.build import build_report
from transcaspian.report.map import corridor_map

__all__ = ["build_report", "corridor_map"]
