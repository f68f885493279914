"""Static engines: capacity and bottlenecks, itineraries and quotes, tariffs and the through-tariff
scan, CO2e, TCD; the demand response of markets (:mod:`transcaspian.analysis.demand`).

Each engine is a function ``engine(scenario, options) -> Result`` returning DataFrames whose
column names carry their units, plus the scenario's metadata (name, hash, version) and the
options (``meta["options"]``).

Examples
--------
>>> from transcaspian.model import load_scenario
>>> from transcaspian.analysis import capacity, quote, QuoteOptions
>>> s = load_scenario("baseline-2024")
>>> round(float(capacity(s)["summary"]["served_share"].iloc[0]), 2) <= 1.0
True
>>> q = quote(s, QuoteOptions.build(origin="aktau", destination="alat", cargo="2 FEU", k=1))
>>> q.meta["options"]["k"]
1
"""

from transcaspian.analysis.capacity import CapacityOptions, capacity, element_capacities
from transcaspian.analysis.emissions import chain_emissions
from transcaspian.analysis.quote import Cargo, QuoteOptions, parse_cargo, quote
from transcaspian.analysis.routes import RoutePlanner, itinerary_legs
from transcaspian.analysis.tariff import itinerary_tariff, parse_through_tariff
from transcaspian.analysis.tariff_scan import TariffScanOptions, tariff_scan
from transcaspian.analysis.tcd import TcdOptions, cpmm_borders, cpmm_sections, tcd_table, time_cost_distance
from transcaspian.model.physics import vessel_cycle

__all__ = [
    "CapacityOptions",
    "Cargo",
    "QuoteOptions",
    "RoutePlanner",
    "TariffScanOptions",
    "TcdOptions",
    "capacity",
    "chain_emissions",
    "cpmm_borders",
    "cpmm_sections",
    "element_capacities",
    "itinerary_legs",
    "itinerary_tariff",
    "parse_cargo",
    "parse_through_tariff",
    "quote",
    "tariff_scan",
    "tcd_table",
    "time_cost_distance",
    "vessel_cycle",
]
