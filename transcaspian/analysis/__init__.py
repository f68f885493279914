"""Static engines: capacity and bottlenecks, itineraries and quotes, tariffs, CO2e, TCD.

Each engine is a function ``engine(scenario, ...) -> Result`` returning DataFrames whose
column names carry their units, plus the scenario's metadata (name, hash, version).

>>> from transcaspian.model import load_scenario
>>> from transcaspian.analysis import capacity, quote
>>> s = load_scenario("baseline-2024")                         # doctest: +SKIP
>>> capacity(s)["bottlenecks"].head()                          # doctest: +SKIP
>>> quote(s, "xian", "constanta", "2 FEU")["options"]          # doctest: +SKIP
"""

from transcaspian.analysis.capacity import CapacityOptions, capacity, element_capacities, vessel_cycle
from transcaspian.analysis.emissions import chain_emissions
from transcaspian.analysis.quote import Cargo, parse_cargo, quote
from transcaspian.analysis.routes import RoutePlanner, itinerary_legs
from transcaspian.analysis.tariff import itinerary_tariff
from transcaspian.analysis.tcd import cpmm_borders, cpmm_sections, tcd_table, time_cost_distance

__all__ = [
    "CapacityOptions",
    "Cargo",
    "RoutePlanner",
    "capacity",
    "chain_emissions",
    "cpmm_borders",
    "cpmm_sections",
    "element_capacities",
    "itinerary_legs",
    "itinerary_tariff",
    "parse_cargo",
    "quote",
    "tcd_table",
    "time_cost_distance",
    "vessel_cycle",
]
