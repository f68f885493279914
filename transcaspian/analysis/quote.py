"""Quotes: the k best itineraries between two nodes on time, cost and CO2e, beside the
reference routes (northern rail, Suez, Cape).

Examples
--------
>>> from transcaspian.model import load_scenario
>>> res = quote(load_scenario("baseline-2024"),
...             QuoteOptions.build(origin="aktau", destination="alat", cargo="2 FEU", k=1))
>>> res["options"]["option"].tolist()[:1]
['opt1']
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
from pydantic import Field

from transcaspian.analysis.capacity import capacity
from transcaspian.analysis.demand import calibrate_market, corridor_terms, markets_covering, response
from transcaspian.analysis.emissions import COLUMNS as EM_COLUMNS
from transcaspian.analysis.emissions import emission_rows
from transcaspian.analysis.references import reference_rows
from transcaspian.analysis.routes import (
    DEMAND_ROUTE_COLUMNS,
    LEG_COLUMNS,
    RoutePlanner,
    demand_route_rows,
    expected_days,
    leg_rows,
)
from transcaspian.analysis.tariff import (
    LINE_COLUMNS,
    PARTY_COLUMNS,
    level_per_unit,
    parse_through_tariff,
    party_rows,
    tariff_rows,
)
from transcaspian.model.errors import Problem, UserError
from transcaspian.model.itinerary import Itinerary
from transcaspian.model.loading import suggest
from transcaspian.model.options import EngineOptions
from transcaspian.model.results import Result
from transcaspian.model.scenario import Scenario

RANK_BY = {"time": "transit_h", "cost": "price_usd", "co2e": "co2e_wtw_kg"}
OPTION_COLUMNS = [
    "option", "rank", "kind", "name", "via", "route", "nodes", "distance_km", "transit_h", "transit_days",
    "transit_days_low", "transit_days_high", "moving_h", "dwell_h", "wait_h", "cost_usd", "cost_usd_low",
    "cost_usd_high", "through_tariff_usd", "price_usd", "co2e_wtw_kg", "co2e_ttw_kg", "saturated",
    "co2e_complete"]

#: Unit words of a cargo: word -> (handling unit, units of it per word); an FEU is 2 TEU.
_UNIT_WORDS = {
    "teu": ("teu", 1.0), "teus": ("teu", 1.0), "feu": ("teu", 2.0), "feus": ("teu", 2.0),
    "20ft": ("teu", 1.0), "40ft": ("teu", 2.0),
    "wagon": ("wagon", 1.0), "wagons": ("wagon", 1.0), "truck": ("truck", 1.0), "trucks": ("truck", 1.0),
    "t": ("tonne", 1.0), "tonne": ("tonne", 1.0), "tonnes": ("tonne", 1.0), "ton": ("tonne", 1.0),
    "tons": ("tonne", 1.0), "kt": ("tonne", 1000.0),
}
#: The forms a cargo may take, for help texts and error messages.
CARGO_FORMS = ("'2 FEU'", "'10 TEU'", "'40ft'", "'2 x 20ft'", "'500 t crude'", "'3 wagons grain'",
               "'1 truck'")
#: Words that join a unit to its commodity ("500 t of crude") and name no commodity.
_FILLER = {"of", "x", "×", "*"}
#: Words of commodity names that do not identify one.
_STOPWORDS = {"and", "of", "on", "in", "the", "a", "an", "or", "to", "for"}
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d*)?|\.\d+"


@dataclass(frozen=True)
class Cargo:
    """A shipment to quote: commodity, its handling unit, quantity and mass.

    Attributes
    ----------
    commodity
        Commodity id of the scenario.
    unit
        The commodity's handling unit (teu | wagon | truck | tonne).
    units
        Quantity in that unit (an FEU counts 2 TEU).
    tonnes
        Cargo mass (t) = units x the commodity's tonnes per unit.
    """

    commodity: str
    unit: str
    units: float
    tonnes: float
    text: str


def _words(text: str) -> list[str]:
    """Lower-case words of a commodity id or name, without punctuation and filler words."""
    return [w for w in re.split(r"[^a-z0-9]+", text.lower()) if w and w not in _STOPWORDS]


def find_commodity(scenario: Scenario, text: str) -> tuple[Any | None, str]:
    """The scenario's commodity that ``text`` names, and the problem when none or several do.

    A commodity is named by its id (any case), or by words each of which begins a word of
    its id or name: ``crude`` and ``crude-oil`` name the commodity ``crude`` ("Kazakh crude
    oil"), ``wheat`` the ``grain`` one ("Wheat (hopper wagons)"). A trailing plural ``s`` is
    ignored (``containers``).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> [find_commodity(s, t)[0].id for t in ("crude", "crude-oil", "Crude Oil", "wheat", "metal")]
    ['crude', 'crude', 'crude', 'grain', 'metals']
    >>> find_commodity(s, "c")[1]
    "commodity 'c' is ambiguous: container, crude, fertiliser, general, uranium"
    """
    commodities = list(scenario.doc.commodities)
    exact = [c for c in commodities if c.id.lower() == text.lower()]
    if exact:
        return exact[0], ""
    wanted = _words(text)

    def names_it(word: str, own: list[str]) -> bool:
        stem = word[:-1] if len(word) > 3 and word.endswith("s") else word
        return any(w.startswith(stem) for w in own)

    found: list[Any] = []
    for words_of in (lambda c: _words(c.id), lambda c: _words(c.id) + _words(c.name or "")):
        found = [c for c in commodities if wanted and all(names_it(w, words_of(c)) for w in wanted)]
        if len(found) == 1:   # the id's words first: 'containers' is the container, not uranium
            return found[0], ""
    if found:
        return None, (f"commodity '{text}' is ambiguous: "
                      f"{', '.join(sorted(c.id for c in found))}")
    hint = suggest(text, [c.id for c in commodities])
    return None, (f"unknown commodity '{text}'{hint}; the scenario has "
                  f"{', '.join(c.id for c in commodities)}")


def _quantity_and_unit(text: str) -> tuple[float | None, str | None, list[str]]:
    """``(quantity, unit word, the remaining words)`` of a cargo text; quantity None when it
    has none (a bare unit word counts one), unit None when the text starts with no number
    and no unit word."""
    norm = re.sub(r"(\d)\s*[x×*]\s*(?=\d)", r"\1 x ", text.strip())
    norm = re.sub(r"\b(20|40)\s*-?\s*(?:ft|foot|feet|'|’)(?=\s|$)", r"\1ft", norm, flags=re.IGNORECASE)
    words = norm.split()
    m = re.fullmatch(rf"({_NUMBER})([a-zA-Z]*)", words[0]) if words else None
    if m is not None and words[0].lower() in _UNIT_WORDS:      # '40ft' alone: one 40-ft box
        m = None
    if m is None:
        if words and words[0].lower() in ("a", "an", "one"):
            words = words[1:]
        if words and words[0].lower() in _UNIT_WORDS:
            return None, words[0], _unfilled(words[1:])
        return None, None, words
    rest = _unfilled(([m.group(2)] if m.group(2) else []) + words[1:])
    return float(m.group(1).replace(",", "")), (rest[0] if rest else ""), _unfilled(rest[1:])


def _unfilled(words: list[str]) -> list[str]:
    """``words`` without the joining words at their start ('x', 'of')."""
    while words and words[0].lower() in _FILLER:
        words = words[1:]
    return words


def _unit_problem(word: str, scenario: Scenario, qty: float) -> str:
    """Why ``word`` is no cargo unit, with the likeliest meant unit."""
    if not word:
        return "cargo needs a unit: teu, feu, 40ft, wagons, trucks or t"
    if word.lower().startswith("container"):
        return "containers are counted in TEU or FEU: e.g. '2 FEU', '40ft' (1 FEU), '20ft' (1 TEU)"
    com = find_commodity(scenario, word)[0]
    if com is not None:
        unit = {"tonne": "t", "teu": "TEU", "wagon": "wagons", "truck": "trucks"}.get(com.unit, com.unit)
        return f"'{word}' is a commodity, not a unit: give its unit before it, e.g. '{qty:g} {unit} {word}'"
    units = [w for w in _UNIT_WORDS if len(w) >= 3]   # 't' is near every short word: never suggested
    return (f"unknown cargo unit '{word}'{suggest(word.lower(), units)}; use teu, feu, 20ft, 40ft, "
            "wagons, trucks, t or kt")


def parse_cargo(scenario: Scenario, text: str) -> Cargo:
    """Parse a shipment as people write it: ``"2 FEU"``, ``"40ft"``, ``"2 x 20ft"``,
    ``"500 t crude"``, ``"500 t of crude oil"``, ``"3 wagons grain"``, ``"1 truck"``.

    Form: ``[QUANTITY] UNIT [of] [COMMODITY]``. UNIT is teu, feu (= 2 TEU), 20ft (one TEU
    box), 40ft (one FEU), wagon(s), truck(s), t/tonnes or kt (1,000 t); without a quantity
    one unit is meant. COMMODITY is an id or words of its name (:func:`find_commodity`);
    without one the scenario's commodity of that unit with the most demand is used. A
    mass given for a unit-handled commodity is converted to units.

    Raises
    ------
    UserError
        Listing every problem (bad number, unknown unit word or commodity, no commodity
        of that unit), with the accepted forms.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> c = parse_cargo(s, "2 FEU")
    >>> c.unit, c.units, c.tonnes
    ('teu', 4.0, 40.0)
    >>> c = parse_cargo(s, "500 t crude-oil")
    >>> c.commodity, c.units, c.tonnes
    ('crude', 500.0, 500.0)
    >>> parse_cargo(s, "40ft").units
    2.0
    """
    forms = f"accepted forms: {', '.join(CARGO_FORMS)}"
    qty, word, rest = _quantity_and_unit(text)
    if word is None:
        raise UserError([Problem(f"cannot read cargo '{text}': expected QUANTITY UNIT [COMMODITY]; "
                                 f"{forms}", field="cargo")], "the cargo")
    problems: list[Problem] = []
    qty = 1.0 if qty is None else qty
    if qty <= 0:
        problems.append(Problem(f"cargo quantity must be positive (got {qty:g})", field="cargo"))
    if word.lower() not in _UNIT_WORDS:
        problems.append(Problem(f"{_unit_problem(word, scenario, qty)}; {forms}", field="cargo"))
    com = None
    if rest:
        com, problem = find_commodity(scenario, " ".join(rest))
        if com is None:
            problems.append(Problem(problem, field="cargo"))
    if problems:
        raise UserError(problems, "the cargo")
    unit, factor = _UNIT_WORDS[word.lower()]
    if com is None:
        com = _main_commodity(scenario, unit)
    if unit == com.unit:
        units = qty * factor
    elif unit == "tonne":
        units = qty * factor / com.tonnes_per_unit
    else:
        raise UserError([Problem(f"commodity '{com.id}' is handled in {com.unit}, not {unit}",
                                 field="cargo")], "the cargo")
    return Cargo(com.id, com.unit, units, units * com.tonnes_per_unit, text)


def _main_commodity(scenario: Scenario, unit: str) -> Any:
    """The scenario's commodity handled in ``unit`` with the most demand (UserError: none)."""
    demand: dict[str, float] = {}
    for d in scenario.doc.demand:
        demand[d.commodity] = demand.get(d.commodity, 0.0) + d.annual_units
    same = [c for c in scenario.doc.commodities if c.unit == unit]
    if not same:
        raise UserError([Problem(f"the scenario has no commodity handled in {unit}", field="cargo")],
                        "the cargo")
    return max(same, key=lambda c: demand.get(c.id, 0.0))


class QuoteOptions(EngineOptions):
    """What to quote: the shipment, its ends and how to rank the itineraries.

    Examples
    --------
    >>> QuoteOptions.build(origin="xian", destination="constanta").record()["k"]
    3
    """

    origin: str = Field(..., min_length=1, description="Origin node id")
    destination: str = Field(..., min_length=1, description="Destination node id")
    cargo: str = Field("1 FEU", min_length=1, description="Shipment as QUANTITY UNIT [COMMODITY], "
                       "e.g. '2 FEU', '500 t crude', '3 wagons grain' (FEU = 2 TEU)")
    k: int = Field(3, ge=1, le=20, description="Number of corridor itineraries returned (itineraries)")
    by: Literal["time", "cost", "co2e"] = Field(
        "time", description="Ranking: expected transit time (h), price (USD: through tariff where "
        "one covers the itinerary, else the sum of leg tariffs) or WTW CO2e (kg)")
    through_tariff: str | None = Field(
        None, min_length=1, max_length=100, description="Through-tariff level AMOUNT/UNIT (USD), e.g. "
        "'2500/FEU', '1250/TEU', '1800/wagon', '60/tonne': prices the itineraries that follow a "
        "through-tariff route at this level (adds the through_parties and demand_response tables)")


def check_nodes(scenario: Scenario, options: QuoteOptions, problems: list[Problem]) -> None:
    """Add a problem naming ``origin`` or ``destination`` for an unknown or repeated node."""
    nodes = list(scenario.network.nodes)
    for name, value in (("origin", options.origin), ("destination", options.destination)):
        if value not in scenario.network.nodes:
            problems.append(Problem(f"unknown node '{value}'{suggest(value, nodes)}", field=name))
    if options.origin == options.destination and options.origin in scenario.network.nodes:
        problems.append(Problem("origin and destination are the same node", field="destination"))


def evaluate(planner: RoutePlanner, itinerary: Itinerary, cargo: Cargo,
             through_level: float | None = None) -> dict[str, Any]:
    """Totals of one itinerary for a cargo: times (h), leg-sum and through tariff (USD),
    CO2e (kg), from the planner's cached per-unit and per-tonne totals; ``through_level``
    (USD per unit) replaces the rate of a through tariff that covers the itinerary."""
    t = planner.totals(itinerary, cargo.unit)
    net = planner.scenario.network
    through = t["through_usd_per_unit"]
    if through is not None and through_level is not None:
        through = through_level
    return {
        "itinerary": itinerary,
        "name": " -> ".join((itinerary.nodes[0],
                             *(n for n in itinerary.nodes[1:-1] if net.nodes[n].kind == "seaport"),
                             itinerary.nodes[-1])),
        "via": itinerary.via(planner.scenario), "route": itinerary.route_id or "",
        "nodes": " ".join(itinerary.nodes), "distance_km": itinerary.distance_km,
        "transit_h": t["transit_h"], "moving_h": t["moving_h"], "dwell_h": t["dwell_h"],
        "wait_h": t["wait_h"], "cost_usd": t["cost_usd_per_unit"] * cargo.units,
        "through_tariff_usd": through * cargo.units if through is not None else None,
        "price_usd": (through if through is not None else t["cost_usd_per_unit"]) * cargo.units,
        "co2e_wtw_kg": t["co2e_wtw_kg_per_t"] * cargo.tonnes,
        "co2e_ttw_kg": t["co2e_ttw_kg_per_t"] * cargo.tonnes,
        "saturated": t["saturated"], "co2e_complete": t["co2e_complete"],
    }


SIMULATED_COLUMNS = ["origin", "destination", "commodity", "direction", "lots", "p50_days",
                     "p90_days", "p95_days", "mean_days", "mean_days_ci95"]


def simulated_transit(transit_times: pd.DataFrame, origin: str, destination: str,
                      commodity: str) -> pd.DataFrame:
    """Simulated transit days for one origin-destination pair and commodity.

    Parameters
    ----------
    transit_times
        The ``transit_times`` table of a simulation result (hours).

    Returns
    -------
    DataFrame with :data:`SIMULATED_COLUMNS` (days); empty when the simulation has no such flow.
    """
    t = transit_times
    sel = t[(t["origin"] == origin) & (t["destination"] == destination) & (t["commodity"] == commodity)]
    out = pd.DataFrame({"origin": sel["origin"], "destination": sel["destination"],
                        "commodity": sel["commodity"], "direction": sel["direction"],
                        "lots": sel["lots"], "p50_days": sel["p50_h"] / 24.0,
                        "p90_days": sel["p90_h"] / 24.0, "p95_days": sel["p95_h"] / 24.0,
                        "mean_days": sel["mean_h"] / 24.0, "mean_days_ci95": sel["mean_h_ci95"] / 24.0})
    return out.reset_index(drop=True)[SIMULATED_COLUMNS]


THROUGH_PARTY_COLUMNS = ["option", "through_tariff", "route", "party", "share", "usd_per_unit", "units",
                         "revenue_usd", "scenario_usd_per_unit"]
DEMAND_RESPONSE_COLUMNS = ["market", "origin", "destination", "commodity", "route", "basis_today",
                           "tariff_usd_per_t_today", "tariff_usd_per_t", "days", "response", "tonnes_today",
                           "tonnes"]


def demand_response_rows(planner: RoutePlanner, origin: str, destination: str, commodity: str,
                         level: tuple[float, str]) -> list[dict[str, Any]]:
    """The response of every market with a flow of this pair and commodity to a through-tariff level.

    ``level`` is ``(usd_per_unit, unit)`` of :func:`~transcaspian.analysis.tariff.parse_through_tariff`;
    each market's corridor price becomes that level (per tonne of its largest flow's commodity;
    :func:`~transcaspian.analysis.demand.corridor_terms`) at unchanged days, and its
    calibration volume (t/yr) is scaled by :func:`~transcaspian.analysis.demand.response`.
    A market whose commodity is counted in another unit than the level's is left out.
    """
    scenario = planner.scenario
    rows = []
    for mid in markets_covering(scenario, origin, destination, commodity):
        today = corridor_terms(scenario, mid, planner=planner)
        try:
            per_unit = level_per_unit(*level, today.unit, today.tonnes_per_unit)
        except UserError:
            continue
        m = calibrate_market(scenario, mid, today)
        tariff_t = per_unit / today.tonnes_per_unit
        factor = response(m, tariff_t, today.days)
        rows.append({"market": mid, "origin": today.od[0], "destination": today.od[1],
                     "commodity": today.commodity, "route": today.route, "basis_today": today.basis,
                     "tariff_usd_per_t_today": today.tariff_usd_per_t, "tariff_usd_per_t": tariff_t,
                     "days": today.days, "response": factor, "tonnes_today": m.volume_t,
                     "tonnes": factor * m.volume_t})
    return rows


def option_id(rank: int) -> str:
    """Id of the corridor option ranked ``rank`` (1-based): ``opt1``, ``opt2``, ...

    Examples
    --------
    >>> option_id(2)
    'opt2'
    """
    return f"opt{rank}"


def _ranked(planner: RoutePlanner, options: QuoteOptions, cg: Cargo, through_level: float | None = None
            ) -> tuple[list[dict[str, Any]], int]:
    """The k best evaluated itineraries and the number considered (UserError naming
    ``destination`` when none carries the cargo's unit)."""
    its = planner.itineraries(options.origin, options.destination, cg.unit)
    if not its:
        raise UserError([Problem(f"no itinerary carries {cg.unit} from {options.origin} to "
                                 f"{options.destination}", field="destination")], "the quote")
    evaluated = [evaluate(planner, it, cg, through_level) for it in its]
    metric = RANK_BY[options.by]
    others = [m for m in ("transit_h", "price_usd", "co2e_wtw_kg") if m != metric]
    evaluated.sort(key=lambda e: (e[metric], e[others[0]], e[others[1]], e["nodes"]))
    return evaluated[: options.k], len(its)


def _corridor_tables(planner: RoutePlanner, best: list[dict[str, Any]], cg: Cargo,
                     through_level: float | None = None) -> dict[str, list[dict[str, Any]]]:
    """Rows of the options, legs, tariffs, parties, emissions and through_parties tables for the
    corridor options."""
    scenario = planner.scenario
    out: dict[str, list[dict[str, Any]]] = {n: [] for n in ("options", "legs", "tariffs", "parties",
                                                             "emissions", "through_parties")}
    for rank, e in enumerate(best, start=1):
        opt = option_id(rank)
        out["options"].append({
            "option": opt, "rank": rank, "kind": "corridor",
            **{c: e[c] for c in ("name", "via", "route", "nodes", "distance_km", "transit_h", "moving_h",
                                 "dwell_h", "wait_h", "cost_usd", "through_tariff_usd", "price_usd",
                                 "co2e_wtw_kg", "co2e_ttw_kg", "saturated", "co2e_complete")},
            "transit_days": e["transit_h"] / 24.0, "transit_days_low": math.nan,
            "transit_days_high": math.nan, "cost_usd_low": math.nan, "cost_usd_high": math.nan})
        it = e["itinerary"]
        lines, through = tariff_rows(scenario, it, cg.unit, cg.units)
        if through is not None and through_level is not None:
            out["through_parties"] += [
                {"option": opt, "through_tariff": through.id, "route": through.route, "party": p,
                 "share": share, "usd_per_unit": through_level, "units": cg.units,
                 "revenue_usd": share * through_level * cg.units,
                 "scenario_usd_per_unit": through.usd_per_unit}
                for p, share in sorted(through.shares.items())]
            through = through.model_copy(update={"usd_per_unit": through_level})
        em = emission_rows(scenario, it, cg.tonnes)
        out["legs"] += [{"option": opt, **x} for x in leg_rows(planner, it, cg.unit, lines, em)]
        out["tariffs"] += [{"option": opt, **x} for x in lines]
        out["parties"] += [{"option": opt, **x} for x in party_rows(lines, through, cg.units)]
        out["emissions"] += [{"option": opt, **x} for x in em]
    return out


def _checked_input(scenario: Scenario, options: QuoteOptions, simulation: Result | None
                   ) -> tuple[Cargo, tuple[float, str] | None, float | None]:
    """The cargo, the through-tariff level as parsed and in USD per cargo unit; a UserError
    naming every bad option (cargo, nodes, through tariff, a simulation of another scenario)."""
    problems: list[Problem] = []
    cg: Cargo | None = None
    try:
        cg = parse_cargo(scenario, options.cargo)
    except UserError as exc:
        problems.extend(exc.problems)
    check_nodes(scenario, options, problems)
    level: tuple[float, str] | None = None
    through_level: float | None = None
    if options.through_tariff is not None:
        try:
            level = parse_through_tariff(options.through_tariff)
            if cg is not None:
                through_level = level_per_unit(*level, cg.unit, cg.tonnes / cg.units)
        except UserError as exc:
            problems.extend(exc.problems)
    if simulation is not None and simulation.meta.get("scenario_hash") != scenario.hash:
        problems.append(Problem("the simulation result is of another scenario "
                                f"({simulation.meta.get('scenario')}, hash "
                                f"{str(simulation.meta.get('scenario_hash'))[:12]})", field="simulation"))
    if problems or cg is None:
        raise UserError(problems, "the quote")
    return cg, level, through_level


def quote(scenario: Scenario, options: QuoteOptions, *, planner: RoutePlanner | None = None,
          simulation: Result | None = None) -> Result:
    """The k best itineraries for a shipment, with legs, tariffs, CO2e and reference routes.

    Parameters
    ----------
    options
        :class:`QuoteOptions`: origin, destination, cargo, k, ranking, through-tariff level.
    planner
        A :class:`~transcaspian.analysis.routes.RoutePlanner` to reuse across quotes
        (it holds the capacity result the queue waits come from); by default one is
        built on :func:`~transcaspian.analysis.capacity.capacity` of the scenario.
    simulation
        A result of the simulator on the same scenario (its ``transit_times`` table): adds
        the simulated typical (P50) and P90 days for this origin, destination and commodity.

    Returns
    -------
    Result with tables (``meta["options"]`` holds the options)

    ``options``
        The k itineraries (``kind`` = corridor, ``rank`` 1..k, ``option`` = ``opt1``..) then,
        for container cargo, the reference routes whose end points fit the origin and
        destination (``kind`` = reference, ``option`` = its id; see
        :func:`~transcaspian.analysis.references.fitting_references`):
        ``option, rank, kind, name, via, route, nodes, distance_km,
        transit_h, transit_days, transit_days_low, transit_days_high, moving_h, dwell_h,
        wait_h, cost_usd`` (leg tariffs; reference: mid of the range x FEU),
        ``cost_usd_low, cost_usd_high, through_tariff_usd, price_usd`` (through tariff if
        any, else leg sum), ``co2e_wtw_kg, co2e_ttw_kg,
        saturated`` (a queue on the way is at its utilisation cap), ``co2e_complete``.
    ``legs``
        Rows of every option (see :func:`~transcaspian.analysis.routes.itinerary_legs`)
        with ``option`` first.
    ``tariffs``
        Per-element charges with ``option`` (see
        :func:`~transcaspian.analysis.tariff.itinerary_tariff`).
    ``parties``
        ``option, party, leg_sum_usd, leg_sum_share, through_usd, through_share``.
    ``emissions``
        ISO 14083 transport chain elements with ``option``.
    ``demand_routes``
        The scenario's demand of this origin, destination and commodity on its routes
        (:func:`demand_route_rows`; may be empty).
    ``simulated``
        Only with ``simulation``: :data:`SIMULATED_COLUMNS` for the pair (may be empty).
    ``through_parties``
        Only with ``options.through_tariff``: each party's share and revenue for the shipment
        on the options that follow a through-tariff route, priced at the given level
        (:data:`THROUGH_PARTY_COLUMNS`; their ``price_usd`` and ``parties`` use it too).
    ``demand_response``
        Only with ``options.through_tariff``: :func:`demand_response_rows` of the pair (empty
        without a market that has such a flow).

    ``meta["expected_days"]`` is the quote's expected days (:func:`expected_days`): the
    simulated mean of the pair when ``simulation`` delivered such cargo; else over the
    demand's routes at their shares where the scenario has such demand (the simulator's mean
    transit of the flow measures the same), else the first option's;
    ``meta["expected_saturated"]`` says whether a saturated queue sets it (analytic),
    ``meta["expected_basis"]`` which basis it is (``simulation``, ``demand routes`` or an
    option id) and ``meta["analytic_days"]`` the analytic figure whatever the basis.

    Raises
    ------
    UserError
        Naming ``origin``, ``destination`` (unknown nodes with suggestions, or no itinerary
        carrying the cargo's unit), ``cargo`` or ``simulation`` (of another scenario).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> try:
    ...     quote(s, QuoteOptions.build(origin="xain", destination="alat"))
    ... except UserError as e:
    ...     print(e.problems[0].field)
    origin
    """
    cg, level, through_level = _checked_input(scenario, options, simulation)
    planner = planner or RoutePlanner(scenario, capacity(scenario))
    best, considered = _ranked(planner, options, cg, through_level)
    rows = _corridor_tables(planner, best, cg, through_level)
    rows["options"] += reference_rows(scenario, options.origin, options.destination, unit=cg.unit,
                                      units=cg.units, tonnes=cg.tonnes)
    meta = scenario.metadata(engine="quote", options=options.record(), commodity=cg.commodity,
                             unit=cg.unit, units=cg.units, tonnes=cg.tonnes,
                             itineraries_considered=considered)
    columns = {"options": OPTION_COLUMNS, "legs": ["option", *LEG_COLUMNS],
               "tariffs": ["option", *LINE_COLUMNS], "parties": ["option", *PARTY_COLUMNS],
               "emissions": ["option", *EM_COLUMNS]}
    tables = {name: pd.DataFrame(rows[name], columns=cols) for name, cols in columns.items()}
    parties = tables["parties"]
    for col in ("through_usd", "through_share"):   # None where no through tariff, as declared
        parties[col] = parties[col].astype(object).where(parties[col].notna(), None)
    if level is not None:
        tables["through_parties"] = pd.DataFrame(rows["through_parties"], columns=THROUGH_PARTY_COLUMNS)
        tables["demand_response"] = pd.DataFrame(
            demand_response_rows(planner, options.origin, options.destination, cg.commodity, level),
            columns=DEMAND_RESPONSE_COLUMNS)
    tables["demand_routes"] = pd.DataFrame(
        demand_route_rows(planner, options.origin, options.destination, cg.commodity),
        columns=DEMAND_ROUTE_COLUMNS)
    analytic, _, _ = expected_days(tables["demand_routes"], tables["options"])
    if simulation is not None:
        tables["simulated"] = simulated_transit(simulation["transit_times"], options.origin,
                                                options.destination, cg.commodity)
        meta.update({f"simulation_{key}": simulation.meta.get(key)
                     for key in ("seed", "replications", "years")})
    days, saturated, basis = expected_days(tables["demand_routes"], tables["options"],
                                           tables.get("simulated"))
    meta.update(expected_days=days, expected_saturated=saturated, expected_basis=basis,
                analytic_days=analytic)
    return Result(meta, tables)
