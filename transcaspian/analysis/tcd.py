"""UNESCAP time/cost-distance (TCD) and CAREC CPMM indicators for an itinerary.

TCD (UNESCAP 2004): cumulative time and cost (y) against cumulative distance (x) from the
origin. Moving along a link or sea leg draws a sloped line; time and cost spent at a
node (border, gauge change, port, transshipment) draw a vertical segment.

CAREC CPMM (ADB): at each border crossing point the time to clear it (TFI1, hours) and
the cost (TFI2, USD); per corridor section (between borders, gauge changes and ports)
the cost (TFI3) and the speed without delay ``SWOD = km / moving h`` and with delay
``SWD = km / (moving + dwell + waits) h`` (TFI4), delays including the time at the
section's intermediate nodes.
"""

from __future__ import annotations

import pandas as pd
from pydantic import Field

from transcaspian.analysis.capacity import capacity
from transcaspian.analysis.quote import parse_cargo
from transcaspian.analysis.routes import RoutePlanner, itinerary_legs
from transcaspian.model.errors import Problem, UserError
from transcaspian.model.itinerary import itinerary_along
from transcaspian.model.loading import suggest
from transcaspian.model.options import EngineOptions
from transcaspian.model.results import Result
from transcaspian.model.scenario import Scenario

#: Node kinds that split CPMM sections.
SECTION_BREAKS = ("border", "gauge_change", "seaport")
TCD_COLUMNS = ["seq", "kind", "label", "mode", "node_kind", "distance_km", "time_h", "cost_usd",
               "cum_distance_start_km", "cum_distance_km", "cum_time_start_h", "cum_time_h",
               "cum_cost_start_usd", "cum_cost_usd", "vertical"]
BORDER_COLUMNS = ["node", "node_kind", "country", "cum_distance_km", "time_h", "dwell_h", "wait_h",
                  "cost_usd"]
SECTION_COLUMNS = ["section", "from_node", "to_node", "modes", "distance_km", "moving_h", "delay_h",
                   "time_h", "cost_usd", "speed_without_delay_kmh", "speed_with_delay_kmh"]


def tcd_table(legs: pd.DataFrame) -> pd.DataFrame:
    """TCD points from itinerary rows (one option of ``quote(...)["legs"]`` or
    :func:`~transcaspian.analysis.routes.itinerary_legs`).

    Columns: ``seq, kind`` (node | move), ``label``, ``mode``, ``node_kind``,
    ``distance_km, time_h, cost_usd`` of the row, the cumulative start and end of distance
    (km), time (h) and cost (USD), and ``vertical`` (a node row with time or cost).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> from transcaspian.analysis import QuoteOptions, quote
    >>> q = quote(load_scenario("baseline-2024"),
    ...           QuoteOptions.build(origin="xian", destination="constanta", cargo="2 FEU", k=1))
    >>> tcd_table(q["legs"]).columns.tolist()[:4]
    ['seq', 'kind', 'label', 'mode']
    """
    df = legs.sort_values("seq")
    out = pd.DataFrame({
        "seq": df["seq"].to_numpy(), "kind": df["kind"].to_numpy(),
        "label": [r.node if r.kind == "node" else f"{r.from_node} -> {r.to_node}"
                  for r in df.itertuples()],
        "mode": df["mode"].to_numpy(), "node_kind": df["node_kind"].to_numpy(),
        "distance_km": df["distance_km"].to_numpy(), "time_h": df["time_h"].to_numpy(),
        "cost_usd": df["cost_usd"].to_numpy()})
    for col, src in (("distance_km", "distance_km"), ("time_h", "time_h"), ("cost_usd", "cost_usd")):
        name = {"distance_km": ("cum_distance_start_km", "cum_distance_km"),
                "time_h": ("cum_time_start_h", "cum_time_h"),
                "cost_usd": ("cum_cost_start_usd", "cum_cost_usd")}[col]
        end = out[src].cumsum()
        out[name[1]] = end
        out[name[0]] = end - out[src]
    out["vertical"] = (out["kind"] == "node") & ((out["time_h"] > 0) | (out["cost_usd"] > 0))
    return out[TCD_COLUMNS].reset_index(drop=True)


def cpmm_borders(legs: pd.DataFrame) -> pd.DataFrame:
    """CPMM TFI1/TFI2 at each border and gauge-change node: time (h) and cost (USD).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> from transcaspian.analysis import QuoteOptions, quote
    >>> q = quote(load_scenario("baseline-2024"),
    ...           QuoteOptions.build(origin="xian", destination="constanta", cargo="2 FEU", k=1))
    >>> cpmm_borders(q["legs"])["node"].tolist()[:2]
    ['alashankou', 'dostyk']
    """
    df = legs.sort_values("seq").copy()
    df["cum_distance_km"] = df["distance_km"].cumsum()
    b = df[(df["kind"] == "node") & df["node_kind"].isin(["border", "gauge_change"])]
    return b.reindex(columns=BORDER_COLUMNS).reset_index(drop=True)


def cpmm_sections(legs: pd.DataFrame) -> pd.DataFrame:
    """CPMM sections between borders, gauge changes and ports with TFI3 cost and TFI4 speeds.

    ``delay_h`` = dwell and waits on the section's moves and at its intermediate nodes;
    ``speed_without_delay_kmh = distance_km / moving_h``;
    ``speed_with_delay_kmh = distance_km / (moving_h + delay_h)``.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> crossing = TcdOptions.build(nodes=["aktau", "alat"])
    >>> legs = time_cost_distance(load_scenario("baseline-2024"), crossing)["legs"]
    >>> cpmm_sections(legs)["distance_km"].tolist()
    [508.0]
    """
    df = legs.sort_values("seq")
    last = len(df) - 1
    rows: list[dict] = []
    cur: dict | None = None
    for pos, r in enumerate(df.itertuples()):
        if r.kind == "move":
            cur["distance_km"] += r.distance_km
            cur["moving_h"] += r.moving_h
            cur["delay_h"] += r.dwell_h + r.wait_h
            cur["cost_usd"] += r.cost_usd
            if r.mode not in cur["modes"]:
                cur["modes"].append(r.mode)
            continue
        if cur is not None and (r.node_kind in SECTION_BREAKS or pos == last):
            cur["to_node"] = r.node
            rows.append(cur)
            cur = None
        elif cur is not None:
            cur["delay_h"] += r.dwell_h + r.wait_h
            cur["cost_usd"] += r.cost_usd
        if cur is None and pos != last:
            cur = {"from_node": r.node, "to_node": "", "modes": [], "distance_km": 0.0, "moving_h": 0.0,
                   "delay_h": 0.0, "cost_usd": 0.0}
    out = []
    for i, s in enumerate(rows, start=1):
        t = s["moving_h"] + s["delay_h"]
        out.append({"section": i, "from_node": s["from_node"], "to_node": s["to_node"],
                    "modes": "+".join(s["modes"]), "distance_km": s["distance_km"], "moving_h": s["moving_h"],
                    "delay_h": s["delay_h"], "time_h": t, "cost_usd": s["cost_usd"],
                    "speed_without_delay_kmh": s["distance_km"] / s["moving_h"] if s["moving_h"] > 0
                    else float("nan"),
                    "speed_with_delay_kmh": s["distance_km"] / t if t > 0 else float("nan")})
    return pd.DataFrame(out, columns=SECTION_COLUMNS)


class TcdOptions(EngineOptions):
    """Which itinerary to draw: its node list and the cargo.

    Examples
    --------
    >>> TcdOptions.build(nodes=["aktau", "alat"]).record()
    {'nodes': ['aktau', 'alat'], 'cargo': '1 TEU'}
    """

    nodes: list[str] = Field(..., min_length=2, max_length=200,
                             description="Node ids of the itinerary in travel order (first service on "
                             "each sea leg)")
    cargo: str = Field("1 TEU", min_length=1, description="Shipment as QUANTITY UNIT [COMMODITY], "
                       "e.g. '1 TEU', '500 t crude'")


def time_cost_distance(scenario: Scenario, options: TcdOptions, *,
                       planner: RoutePlanner | None = None) -> Result:
    """TCD and CPMM tables for the itinerary along ``options.nodes``.

    Returns a Result with tables ``legs`` (see
    :func:`~transcaspian.analysis.routes.itinerary_legs`), ``tcd`` (:func:`tcd_table`),
    ``borders`` (:func:`cpmm_borders`) and ``sections`` (:func:`cpmm_sections`); the options
    are in ``meta["options"]``.

    Raises
    ------
    UserError
        Naming ``nodes`` (unknown nodes, or a node list that cannot carry the cargo's unit)
        or ``cargo``.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> res = time_cost_distance(load_scenario("baseline-2024"),
    ...                          TcdOptions.build(nodes=["aktau", "alat"]))
    >>> res["tcd"]["kind"].tolist()
    ['node', 'move', 'node']
    """
    known = list(scenario.network.nodes)
    bad = [Problem(f"unknown node '{n}'{suggest(n, known)}", field="nodes")
           for n in options.nodes if n not in known]
    if bad:
        raise UserError(bad, "the itinerary")
    cg = parse_cargo(scenario, options.cargo)
    try:
        it = itinerary_along(scenario, options.nodes, cg.unit)
    except ValueError as exc:
        raise UserError([Problem(str(exc), field="nodes")], "the itinerary") from None
    planner = planner or RoutePlanner(scenario, capacity(scenario))
    legs = itinerary_legs(planner, it, cg.unit, cg.units, cg.tonnes)
    meta = scenario.metadata(engine="tcd", options=options.record(), unit=cg.unit, units=cg.units)
    return Result(meta, {"legs": legs, "tcd": tcd_table(legs), "borders": cpmm_borders(legs),
                         "sections": cpmm_sections(legs)})
