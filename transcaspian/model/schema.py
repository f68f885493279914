"""The scenario schema: every component, every field, its unit and meaning.

This module is the single source of truth for the scenario format. Field names
carry their units (``distance_km``, ``dwell_h``, ``capacity``: units per voyage).
Time is hours, money USD of the scenario's ``price_year``, mass tonnes.

Handling units (``UnitKind``):

- ``teu``   a twenty-foot-equivalent container (an FEU counts 2 TEU)
- ``wagon`` a loaded rail wagon carried as such (ferries carry wagons)
- ``truck`` a road vehicle on a Ro-Ro / Ro-Pax deck
- ``tonne`` liquid or dry bulk counted by mass (tankers, pipelines)
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from transcaspian.model.base import LINE_PATTERN, TEXT_PATTERN, Component, quantity
from transcaspian.model.distributions import Distribution

UnitKind = Literal["teu", "wagon", "truck", "tonne"]
UNIT_KINDS: tuple[str, ...] = ("teu", "wagon", "truck", "tonne")
Gauge = Literal[1435, 1520]
#: The one id pattern: lower-case letters, digits, '-', '_', '.', starting with a letter or digit.
ID_PATTERN = r"^[a-z0-9][a-z0-9_.\-]{0,63}$"
ID_MAX_LENGTH = 64
Id = Annotated[str, Field(min_length=1, max_length=ID_MAX_LENGTH, pattern=ID_PATTERN,
                          description="Identifier: lower-case letters, digits, '-', '_', '.' "
                          "(at most 64 characters)")]
Ref = Annotated[str, Field(min_length=1, max_length=ID_MAX_LENGTH, pattern=ID_PATTERN,
                           description="Id of another component")]
#: A name or short label: one line, at most 200 characters.
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=LINE_PATTERN)]
#: Free text (descriptions): at most 200,000 characters, no control characters but tab/newline.
Text = Annotated[str, Field(max_length=200_000, pattern=TEXT_PATTERN)]
Share = Annotated[float, Field(ge=0, le=1, strict=True, allow_inf_nan=False)]
#: Per-unit figures (dict values keyed by handling unit): finite and positive.
PerUnit = Annotated[float, Field(ge=0.01, le=100_000, strict=True, allow_inf_nan=False)]
TrainUnits = Annotated[float, Field(ge=1, le=200, strict=True, allow_inf_nan=False)]
Events = Annotated[float, Field(ge=0, le=31, strict=True, allow_inf_nan=False)]
Factor = Annotated[float, Field(ge=0, le=12, strict=True, allow_inf_nan=False)]
Monthly = Annotated[list[Events], Field(min_length=12, max_length=12)]
Year = Annotated[int, Field(ge=1990, le=2100, strict=True)]
#: Most rail paths a day a link may declare: 1e6 stands for an unconstrained section.
MAX_PATHS_PER_DAY = 1_000_000
#: Most tonnes one handling unit can hold (t/unit): a TEU ~30 t gross, a wagon, a truck.
MAX_TONNES_PER_UNIT: dict[str, float] = {"teu": 30.0, "wagon": 150.0, "truck": 60.0, "tonne": 1.0}


class SourceEntry(BaseModel):
    """One publication that figures in the scenario cite by ``id``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Id
    title: Name = Field(..., description="What the source is (publisher, headline)")
    url: str = Field(..., max_length=2_000, pattern=r"^https?://[^\x00-\x20\x7f]+$",
                     description="Where it can be read")
    year: Year = quantity(unit="year", description="Year published (or of the figure)")
    note: Text | None = Field(None, description="Caveats, conflicts with other sources")

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class Commodity(Component):
    """A kind of cargo and the unit it is handled in."""

    id: Id
    name: Name = Field(..., description="Readable name")
    unit: UnitKind = Field(..., description="Handling unit: teu | wagon | truck | tonne")
    category: Literal["container", "dry_bulk", "general", "liquid_bulk", "roro"] = Field(
        ..., description="Cargo family")
    tonnes_per_unit: float = quantity(
        unit="t/unit", ge=0.001, le=150, description="Cargo mass per handling unit; at most 30 for a "
        "TEU, 150 for a wagon, 60 for a truck, exactly 1 for tonne")
    hazard_class: Name | None = Field(None, description="UN dangerous-goods class, where relevant")
    value_usd_per_t: float | None = quantity(
        None, unit="USD/t", ge=0, le=10_000_000, description="Trade value of one tonne (for the value "
        "of time and the trade value carried)")

    @model_validator(mode="after")
    def _mass_fits_unit(self) -> Commodity:
        most = MAX_TONNES_PER_UNIT[self.unit]
        if self.unit == "tonne" and self.tonnes_per_unit != 1.0:
            raise ValueError("tonnes_per_unit must be 1 for a commodity counted in tonnes")
        if self.tonnes_per_unit > most:
            raise ValueError(f"tonnes_per_unit {self.tonnes_per_unit:g} exceeds {most:g} t, "
                             f"the most one {self.unit} holds")
        return self


class Node(Component):
    """A place on the network: terminal, border, gauge change, junction, seaport, pipeline end."""

    id: Id
    name: Name = Field(..., description="Readable name")
    country: str = Field(..., pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code")
    lat: float = quantity(unit="deg", ge=-90, le=90, description="Latitude")
    lon: float = quantity(unit="deg", ge=-180, le=180, description="Longitude")
    kind: Literal["city", "terminal", "border", "gauge_change", "junction", "seaport",
                  "pipeline_terminal"] = Field(..., description="What the place is")
    capacity_trains_per_day: float | None = quantity(
        None, unit="trains/day", ge=0.01, le=500, description="Processing capacity (both "
        "directions) at borders, gauge changes, junctions and terminals")
    dwell_h: Distribution | None = quantity(
        None, unit="h", container=True, description="Time a train or lot spends here")
    fixed_time_h: float | None = quantity(
        None, unit="h", ge=0, le=720, description="Fixed extra time per passing train, e.g. a "
        "locomotive change")
    max_draft_m: float | None = quantity(
        None, unit="m", ge=0.1, le=30, description="Seaport: maximum draft at the berths at the "
        "reference sea level")
    water_body: Literal["caspian", "black_sea", "other"] | None = Field(
        None, description="Seaport: the sea it lies on; the scenario's sea_level change applies "
        "to Caspian ports (and ports that leave this empty) only")
    port_time_h: float | None = quantity(
        None, unit="h", ge=0, le=720, description="Seaport: other fixed time per vessel call, "
        "besides pilotage_mooring_h, clearance_h and bunkering_h (port stay = these + handling)")
    pilotage_mooring_h: float | None = quantity(
        None, unit="h", ge=0, le=240, description="Seaport: pilotage in and out, berthing, mooring "
        "and unmooring per vessel call")
    clearance_h: float | None = quantity(
        None, unit="h", ge=0, le=240, description="Seaport: documents, customs, border and "
        "sanitary clearance of the vessel per call (time at berth not handling cargo)")
    bunkering_h: float | None = quantity(
        None, unit="h", ge=0, le=240, description="Seaport: mean bunkering, water and stores time "
        "per call (a bunkering every n calls counts 1/n of its duration)")
    formation_max_wait_h: float | None = quantity(
        None, unit="h", gt=0, le=8760, description="Seaport: longest time discharged units wait for "
        "an onward train before a part-filled train leaves; 72 h when empty")
    yard_capacity_teu: float | None = quantity(
        None, unit="TEU", ge=1, le=1_000_000, description="Seaport or terminal: container yard")
    yard_capacity_wagons: float | None = quantity(
        None, unit="wagons", ge=1, le=100_000, description="Seaport or terminal: wagon sidings")
    declared_capacity_t_per_year: float | None = quantity(
        None, unit="t/yr", ge=1, le=1e9, description="Published annual capacity, kept for "
        "comparison")
    emission_factor: Ref | None = Field(None, description="Hub emission factor id (transshipment)")
    dg_classes: list[Name] | None = Field(
        None, max_length=30, description="Seaport: UN dangerous-goods classes it may handle; empty = "
        "not declared (no restriction applied)")
    operator: Name | None = Field(None, description="Party operating the node (for tariff shares)")


class Berth(Component):
    """A group of identical berths at a seaport and their handling rates."""

    id: Id
    node: Ref = Field(..., description="Seaport node id")
    kind: Literal["container", "ferry", "roro", "oil", "general", "multipurpose"] = Field(
        ..., description="What the berths handle")
    count: int = quantity(1, unit="berths", ge=1, le=100, description="Number of identical berths")
    handling_per_h: dict[UnitKind, PerUnit] = quantity(
        unit="units/h", container=True, min_length=1,
        description="Units loaded or discharged per hour at one berth, by unit (at most 100,000)")
    operating_h_per_day: float = quantity(24.0, unit="h/day", ge=0.1, le=24,
                                          description="Working hours per day")
    max_occupancy: float | None = quantity(
        None, unit="share", ge=0.05, le=1, description="Highest berth occupancy planned for "
        "(practical capacity = berth-hours x this); empty = UNCTAD (1985) recommendation by number "
        "of berths (1: 0.40 ... 6 or more: 0.70)")


class Link(Component):
    """A land link between two nodes: rail section, road or pipeline (both directions)."""

    id: Id
    name: Name | None = Field(None, description="Readable name")
    from_node: Ref = Field(..., alias="from", description="Node id at one end")
    to_node: Ref = Field(..., alias="to", description="Node id at the other end")
    mode: Literal["rail", "road", "pipeline"] = Field(..., description="rail | road | pipeline")
    distance_km: float = quantity(unit="km", ge=0.01, le=20_000, description="Length")
    speed_kmh: float | None = quantity(
        None, unit="km/h", ge=1, le=200, description="Average moving speed of a freight train "
        "or truck")
    gauge_mm: Gauge | None = quantity(None, unit="mm", container=True,
                                      description="Rail: track gauge (1435 or 1520)")
    trains_per_day: float | None = quantity(
        None, unit="trains/day", ge=0.01, le=MAX_PATHS_PER_DAY, description="Rail: freight paths "
        "per day available to corridor trains, from -> to (a real line has at most a few "
        "hundred; up to 1e6 stands for 'unconstrained')")
    trains_per_day_reverse: float | None = quantity(
        None, unit="trains/day", ge=0.01, le=MAX_PATHS_PER_DAY, description="Rail: paths per day "
        "to -> from; defaults to trains_per_day")
    max_units_per_train: dict[UnitKind, TrainUnits] | None = quantity(
        None, unit="units/train", container=True,
        description="Rail: longest train allowed, in units, 1 to 200 (e.g. wagon: 57, teu: 114)")
    max_occupancy: float | None = quantity(
        None, unit="share", ge=0.05, le=1, description="Rail: capacity consumption the paths may be "
        "used to (practical paths = trains_per_day x this); empty = UIC Code 406 daily value for "
        "mixed-traffic lines, 0.60; 1.0 where trains_per_day is already a practical figure")
    delay_h: Distribution | None = quantity(None, unit="h", container=True,
                                            description="Extra delay per passage")
    trucks_per_day: float | None = quantity(None, unit="trucks/day", ge=0.01, le=100_000,
                                            description="Road: trucks per day each direction")
    capacity_t_per_year: float | None = quantity(None, unit="t/yr", ge=1, le=1e9,
                                                 description="Pipeline: throughput")
    transit_h: float | None = quantity(None, unit="h", ge=0.01, le=8_760,
                                       description="Pipeline: transit time")
    emission_factor: Ref | None = Field(None, description="Transport emission factor id")
    operator: Name | None = Field(None, description="Infrastructure / traction party")

    @model_validator(mode="after")
    def _mode_fields(self) -> Link:
        problems: list[str] = []
        if self.mode == "rail":
            for f in ("gauge_mm", "speed_kmh", "trains_per_day"):
                if getattr(self, f) is None:
                    problems.append(f"rail link needs {f}")
        if self.mode == "road":
            for f in ("speed_kmh", "trucks_per_day"):
                if getattr(self, f) is None:
                    problems.append(f"road link needs {f}")
        if self.mode == "pipeline":
            for f in ("capacity_t_per_year", "transit_h"):
                if getattr(self, f) is None:
                    problems.append(f"pipeline link needs {f}")
        if self.mode != "rail":
            for f in ("gauge_mm", "trains_per_day", "trains_per_day_reverse", "max_units_per_train",
                      "max_occupancy"):
                if getattr(self, f) is not None:
                    problems.append(f"{f} applies to rail links only")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def paths_per_day(self, reverse: bool) -> float | None:
        """Rail paths per day in a direction (trains/day)."""
        if reverse and self.trains_per_day_reverse is not None:
            return self.trains_per_day_reverse
        return self.trains_per_day

    def moving_time_h(self) -> float:
        """Time to traverse at the average speed, or the pipeline transit time (h)."""
        if self.mode == "pipeline":
            return float(self.transit_h)
        return self.distance_km / float(self.speed_kmh)


class Service(Component):
    """A sea service shuttling vessels between two ports (round trip from -> to -> from)."""

    id: Id
    name: Name = Field(..., description="Readable name")
    kind: Literal["container_feeder", "rail_ferry", "roro", "ropax", "tanker", "black_sea_feeder"] = (
        Field(..., description="What the service carries"))
    from_node: Ref = Field(..., alias="from", description="Seaport id where the cycle starts")
    to_node: Ref = Field(..., alias="to", description="Seaport id at the other end")
    distance_km: float = quantity(unit="km", ge=0.1, le=20_000, description="Sea distance port to port")
    policy: Literal["load_and_go", "scheduled"] = Field(
        ..., description="load_and_go: sail at min_fill_share or after max_wait_h; "
        "scheduled: fixed departures")
    min_fill_share: float | None = quantity(
        None, unit="1", ge=0, le=1, description="load_and_go: share of capacity that triggers "
        "departure")
    max_wait_h: float | None = quantity(
        None, unit="h", ge=0.01, le=100_000, description="load_and_go: longest a vessel waits for "
        "cargo before sailing (100,000 h, ~11 years, stands for 'until full')")
    departures_per_week: float | None = quantity(
        None, unit="departures/week", ge=0.01, le=7 * 24, description="scheduled: departures per week "
        "from each end (at most one an hour)")
    operator: Name | None = Field(None, description="Shipping line (for tariff shares)")
    emission_factor: Ref | None = Field(None, description="Transport emission factor id")

    @model_validator(mode="after")
    def _policy_fields(self) -> Service:
        if self.policy == "load_and_go" and (self.min_fill_share is None or self.max_wait_h is None):
            raise ValueError("load_and_go needs min_fill_share and max_wait_h")
        if self.policy == "scheduled" and self.departures_per_week is None:
            raise ValueError("scheduled needs departures_per_week")
        if self.from_node == self.to_node:
            raise ValueError("a service needs two different ports")
        return self


class Vessel(Component):
    """A class of identical vessels deployed on a service."""

    id: Id
    name: Name = Field(..., description="Readable name")
    service: Ref = Field(..., description="Service id the vessels cycle on")
    count: int = quantity(unit="vessels", ge=1, le=200, description="Number of identical vessels")
    capacity: dict[UnitKind, PerUnit] = quantity(
        unit="units/voyage", container=True, min_length=1,
        description="Units per voyage if only that unit is loaded (at most 100,000)")
    mixed_load: Literal["shared", "separate"] = Field(
        "shared", description="shared: unit types compete for one deck, sum(n_u / capacity_u) <= 1; "
        "separate: each type has its own space")
    deadweight_t: float = quantity(unit="t", ge=1, le=500_000, description="Deadweight at design draft")
    speed_kn: float = quantity(unit="kn", ge=1, le=40, description="Service speed")
    design_draft_m: float = quantity(unit="m", ge=0.1, le=30, description="Draft fully loaded")
    tonnes_per_cm: float = quantity(unit="t/cm", ge=0.01, le=500, description="Tonnes per cm immersion")
    offhire_days_per_year: float = quantity(
        0.0, unit="days/yr", ge=0, le=365,
        description="Days a year a vessel of the class is out of service (dry-dock, repairs)")
    dg_classes: list[Name] | None = Field(
        None, max_length=30, description="UN dangerous-goods classes the class may carry; empty = "
        "not declared (no restriction applied)")

    def crossing_h(self, distance_km: float) -> float:
        """Sailing time over ``distance_km`` at service speed (h); 1 kn = 1.852 km/h."""
        return distance_km / (self.speed_kn * 1.852)


class WeatherRegime(Component):
    """Storm closures at one port: events by month and how long each lasts."""

    id: Id
    node: Ref = Field(..., description="Seaport id")
    closures_per_month: Monthly = quantity(
        unit="events/month", container=True,
        description="Expected closure events starting in each month, Jan..Dec (0 to 31 each)")
    closure_duration_h: Distribution = quantity(unit="h", container=True,
                                                description="Length of one closure")

    def expected_closed_h_per_year(self) -> float:
        """Expected closed hours per year (h), ignoring overlaps."""
        return sum(self.closures_per_month) * self.closure_duration_h.mean_value()


class SeaLevel(Component):
    """Caspian level relative to the reference at which port drafts are given.

    Applies to seaports whose ``water_body`` is ``caspian`` or empty; Black Sea ports keep
    their drafts.
    """

    change_m: float = quantity(0.0, unit="m", ge=-10, le=10, description="Level change vs "
                               "reference; negative = lower sea, less draft")
    reference_year: Year = quantity(2024, unit="year", description="Year the port drafts refer to")


class RouteOption(Component):
    """One route a demand flow may use, with its share under the ``shares`` rule."""

    route: Ref
    share: float | None = quantity(None, unit="1", ge=0, le=1,
                                   description="Share of the flow on this route (0..1)")


class Route(Component):
    """A path through the network as a list of node ids, origin first."""

    id: Id
    name: Name | None = Field(None, description="Readable name")
    nodes: list[Ref] = Field(..., min_length=2, max_length=200,
                             description="Node ids in order, origin first (2 to 200)")


#: Most trains (or parcels) a demand flow may bring in a year: ~2,700 a day.
MAX_ARRIVALS_PER_YEAR = 1_000_000


class DemandFlow(Component):
    """Annual cargo between two nodes in one direction."""

    id: Id
    origin: Ref = Field(..., description="Node id where the cargo enters the network")
    destination: Ref = Field(..., description="Node id where it leaves")
    commodity: Ref = Field(..., description="Commodity id")
    direction: Literal["westbound", "eastbound"] = Field(..., description="westbound | eastbound")
    annual_units: float = quantity(
        unit="units/yr", ge=0, le=1e9, description="Units per year in the commodity's unit "
        f"(at most 1e9, and at most {MAX_ARRIVALS_PER_YEAR:,} arrivals of units_per_train)")
    seasonality: list[Factor] = quantity(
        default_factory=lambda: [1.0] * 12, unit="1", container=True, min_length=12, max_length=12,
        description="Monthly factors, Jan..Dec, averaging 1 (0 to 12 each)")
    units_per_train: float = quantity(
        unit="units", ge=1, le=1_000_000, description="Units that arrive together: a train "
        "(1 to 200 wagons or TEU), a truck convoy, or an oil parcel (t)")
    arrivals: Literal["poisson", "regular"] = Field(
        "poisson", description="Arrival pattern of trains at the origin")
    route_options: list[RouteOption] = Field(..., min_length=1, max_length=50,
                                             description="Routes the flow may take (1 to 50)")
    choice: Literal["shares", "optimal"] = Field(
        "shares", description="shares: fixed split; optimal: engines choose the best split")

    @field_validator("seasonality")
    @classmethod
    def _mean_one(cls, v: list[float]) -> list[float]:
        mean = sum(v) / 12.0
        if abs(mean - 1.0) > 0.01:
            raise ValueError(f"monthly factors must average 1 (they average {mean:.3f})")
        return v

    @model_validator(mode="after")
    def _bounded_arrivals(self) -> DemandFlow:
        arrivals = self.annual_units / self.units_per_train
        if arrivals > MAX_ARRIVALS_PER_YEAR:
            raise ValueError(f"annual_units / units_per_train = {arrivals:,.0f} arrivals a year; "
                             f"the limit is {MAX_ARRIVALS_PER_YEAR:,}")
        return self


class Tariff(Component):
    """A rate charged for using one element (link, service or node)."""

    id: Id
    element: Ref = Field(..., description="Link, service or node id the rate applies to")
    unit: UnitKind = Field(..., description="Unit the rate is charged per")
    usd_per_unit: float = quantity(0.0, unit="USD/unit", ge=0, le=1_000_000, description="Flat rate")
    usd_per_unit_km: float = quantity(0.0, unit="USD/unit/km", ge=0, le=1_000,
                                      description="Distance rate")
    party: Name = Field(..., description="Who receives it (railway, port, line)")


class ThroughTariff(Component):
    """A unified rate for a whole route and how it is split between parties."""

    id: Id
    route: Ref = Field(..., description="Route id")
    unit: UnitKind = Field(..., description="Unit the rate is charged per")
    usd_per_unit: float = quantity(unit="USD/unit", gt=0, le=1_000_000, description="Through rate")
    shares: dict[Annotated[str, Field(min_length=1, max_length=200, pattern=LINE_PATTERN)], Share] = (
        quantity(unit="1", container=True, min_length=1, max_length=100,
                 description="Share of revenue by party (each 0..1, summing to 1)"))
    costs_usd_per_unit: dict[Annotated[str, Field(min_length=1, max_length=200, pattern=LINE_PATTERN)],
                             Annotated[float, Field(ge=0, le=1_000_000, strict=True, allow_inf_nan=False)]
                             ] | None = quantity(
        None, unit="USD/unit", container=True, max_length=100,
        description="Each party's cost of carrying one unit over its part of the route (0 to 1e6); "
        "a party not listed (or no dict) is costed at its share of usd_per_unit x an operating "
        "ratio (the tariff engine's cost_ratio)")

    @field_validator("shares")
    @classmethod
    def _sum_one(cls, v: dict[str, float]) -> dict[str, float]:
        if abs(sum(v.values()) - 1.0) > 1e-6:
            raise ValueError(f"party shares must sum to 1 (they sum to {sum(v.values()):.4f})")
        return v

    @model_validator(mode="after")
    def _costed_parties_share(self) -> ThroughTariff:
        extra = sorted(set(self.costs_usd_per_unit or {}) - set(self.shares))
        if extra:
            raise ValueError(f"costs_usd_per_unit names parties without a share: {', '.join(extra)}")
        return self


class EmissionFactor(Component):
    """GLEC / ISO 14083 emission intensity of a transport or hub operation category."""

    id: Id
    category: Name = Field(..., description="GLEC category name")
    kind: Literal["transport", "hub"] = Field(..., description="transport | hub")
    wtw_g_per_tkm: float | None = quantity(None, unit="gCO2e/t-km", ge=0, le=10_000,
                                           description="Transport well-to-wake")
    ttw_g_per_tkm: float | None = quantity(None, unit="gCO2e/t-km", ge=0, le=10_000,
                                           description="Transport tank-to-wake")
    wtw_kg_per_t: float | None = quantity(None, unit="kgCO2e/t", ge=0, le=1_000,
                                          description="Hub well-to-wake, per tonne handled")
    ttw_kg_per_t: float | None = quantity(None, unit="kgCO2e/t", ge=0, le=1_000,
                                          description="Hub tank-to-wake, per tonne handled")

    @model_validator(mode="after")
    def _kind_fields(self) -> EmissionFactor:
        need = ("wtw_g_per_tkm", "ttw_g_per_tkm") if self.kind == "transport" else (
            "wtw_kg_per_t", "ttw_kg_per_t")
        missing = [f for f in need if getattr(self, f) is None]
        if missing:
            raise ValueError(f"{self.kind} factor needs {', '.join(missing)}")
        wtw, ttw = (getattr(self, f) for f in need)
        if ttw > wtw:
            raise ValueError("tank-to-wake cannot exceed well-to-wake")
        return self


#: Event kinds and the component their ``element`` names.
EVENT_TARGETS: dict[str, str] = {
    "port_closed": "seaport node", "berth_out": "berth group", "vessel_out": "vessel class",
    "section_closed": "rail or road link", "border_closed": "border, gauge_change, junction or terminal node",
    "demand_surge": "demand flow (or '*' for every flow)"}
#: An event's element: a component id, or ``*`` (every demand flow, for ``demand_surge``).
EventTarget = Annotated[str, Field(min_length=1, max_length=ID_MAX_LENGTH,
                                   pattern=r"^(\*|[a-z0-9][a-z0-9_.\-]{0,63})$",
                                   description="Id of the element the event acts on, or '*'")]
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


class Event(Component):
    """A dated disruption in the scenario year: a port, berth, vessel, section or border out of
    service, or a demand surge.

    Days are inclusive: ``start: 2024-01-01, end: 2024-01-14`` is 14 days, hours 0 to 336 of
    the scenario year (see :mod:`transcaspian.model.events`). Both engines apply it: capacity as
    lost availability in that year, the simulator at those hours in every replication.
    """

    id: Id
    kind: Literal["port_closed", "berth_out", "vessel_out", "section_closed", "border_closed",
                  "demand_surge"] = Field(..., description="What happens: " + "; ".join(
                      f"{k}: {v}" for k, v in EVENT_TARGETS.items()))
    element: EventTarget
    start: dt.date = Field(..., description="First day affected (YYYY-MM-DD, in the scenario year)")
    end: dt.date = Field(..., description="Last day affected, inclusive (YYYY-MM-DD, in the scenario "
                         "year): 1-14 January is start 2024-01-01, end 2024-01-14")
    count: int | None = quantity(
        None, unit="berths or vessels", ge=1, le=200, description="berth_out: berths of the group out "
        "(default all); vessel_out: vessels of the class out (default 1)")
    factor: float | None = quantity(
        None, unit="1", ge=0, le=12, description="demand_surge: multiplier on the flow's train arrivals "
        "during the event (2 = twice as many)")
    note: Text | None = Field(None, description="What the event is (free text)")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _iso_date(cls, v: Any) -> Any:
        if isinstance(v, dt.datetime) or not isinstance(v, dt.date | str):
            raise ValueError("must be a date written YYYY-MM-DD")
        if isinstance(v, str) and not re.match(_ISO_DATE, v):
            raise ValueError("must be a date written YYYY-MM-DD")
        return v

    @model_validator(mode="after")
    def _kind_fields(self) -> Event:
        problems: list[str] = []
        if self.end < self.start:
            problems.append(f"end {self.end} is before start {self.start}")
        if self.count is not None and self.kind not in ("berth_out", "vessel_out"):
            problems.append("count applies to berth_out and vessel_out only")
        if self.kind == "demand_surge" and self.factor is None:
            problems.append("demand_surge needs factor")
        if self.factor is not None and self.kind != "demand_surge":
            problems.append("factor applies to demand_surge only")
        if self.element == "*" and self.kind != "demand_surge":
            problems.append("element '*' (every flow) applies to demand_surge only")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def days(self) -> int:
        """Days affected, inclusive of both ends."""
        return (self.end - self.start).days + 1


class Changes(BaseModel):
    """Add / patch / remove operations on components, by component type then id."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    add: dict[str, list[dict[str, Any]]] = Field(
        default_factory=dict, description="New components, by component type")
    patch: dict[str, list[dict[str, Any]]] = Field(
        default_factory=dict, description="Field changes to existing components (by id), by type")
    remove: dict[str, list[Ref]] = Field(
        default_factory=dict, description="Ids of components to remove, by component type")


class Funding(Component):
    """A payer that may fund a project, and the largest share of its capital cost it may take."""

    payer: Ref = Field(..., description="Payer id")
    max_share: float = quantity(1.0, unit="1", gt=0, le=1,
                                description="Largest share of the project's capex this payer may fund")


#: Component lists a modular project's per-unit steps may change.
STEP_COMPONENTS = ("nodes", "berths", "links", "services", "vessels")
STEP_FIELD = r"^[a-z][a-z0-9_]{0,63}$"


class UnitStep(Component):
    """What one unit of a modular project adds to one numeric field of one component."""

    component: Literal["nodes", "berths", "links", "services", "vessels"] = Field(
        ..., description="Component list")
    id: Ref = Field(..., description="Component id")
    field: str = Field(..., pattern=STEP_FIELD, description="Numeric field the unit adds to")
    step: float = quantity(unit="field unit", gt=0, le=1_000_000,
                           description="Amount one unit adds, in the field's own unit")


class Project(Component):
    """A candidate investment: changes to components, with its cost, timing and payers.

    ``build_start_year`` is the planned (or, for a candidate, the earliest) start;
    ``in_service_year - build_start_year`` is the construction time. A modular project
    (``units_max`` > 1) is an integer decision: each unit costs ``capex_musd`` and adds its
    ``unit_steps``; ``changes`` then apply once, with the first unit.
    """

    id: Id
    name: Name = Field(..., description="Readable name")
    capex_musd: float = quantity(unit="MUSD", ge=0, le=1_000_000,
                                 description="Capital cost (per unit for a modular project)")
    opex_musd_per_year: float = quantity(0.0, unit="MUSD/yr", ge=0, le=100_000,
                                         description="Operating cost (per unit for a modular project)")
    build_start_year: Year = quantity(unit="year", description="Year construction starts (planned, "
                                      "or the earliest possible for a candidate)")
    in_service_year: Year = quantity(unit="year", description="Year the project enters service")
    latest_start_year: Year | None = quantity(None, unit="year",
                                              description="Latest year construction may start")
    lifetime_years: int = quantity(30, unit="years", ge=1, le=100, description="Economic life "
                                   "(residual value); EU CBA guide reference periods: rail 30, ports 25")
    payer: Name = Field(..., description="Country, company or fund that pays (as announced)")
    funding: list[Funding] = Field(default_factory=list, max_length=20,
                                   description="Payers that may fund it, with their largest shares")
    country: str = Field(..., pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code")
    status: Literal["announced", "under_construction", "completed", "candidate"] = Field(
        "announced", description="Where the project stands")
    category: Literal["infrastructure", "fleet", "facilitation", "operations"] = Field(
        "infrastructure", description="Hard investment, vessels, a soft (digital, border) measure "
        "or an operating change")
    requires: list[Ref] = Field(default_factory=list, max_length=50,
                                description="Projects that must be in service first")
    excludes: list[Ref] = Field(default_factory=list, max_length=50,
                                description="Projects that cannot be built together with this one")
    units_max: int = quantity(1, unit="units", ge=1, le=50,
                              description="Most units of a modular option (1 = a yes/no project)")
    unit_steps: list[UnitStep] = Field(default_factory=list, max_length=50,
                                       description="What each unit adds (modular projects)")
    changes: Changes = Field(default_factory=Changes,
                             description="What the project changes when applied")

    @model_validator(mode="after")
    def _years(self) -> Project:
        problems = []
        if self.in_service_year < self.build_start_year:
            problems.append("in_service_year is before build_start_year")
        if self.latest_start_year is not None and self.latest_start_year < self.build_start_year:
            problems.append("latest_start_year is before build_start_year")
        if self.units_max > 1 and not self.unit_steps:
            problems.append("a modular project (units_max > 1) needs unit_steps")
        if self.id in self.requires or self.id in self.excludes:
            problems.append("a project cannot require or exclude itself")
        if set(self.requires) & set(self.excludes):
            problems.append("a project cannot both require and exclude the same project")
        if self.funding and sum(f.max_share for f in self.funding) < 1 - 1e-9:
            problems.append("the funding shares sum to less than 1: the project cannot be paid for")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Payer(Component):
    """Who may fund projects: a state budget, a railway, a port, a fund, an IFI, an operator."""

    id: Id
    name: Name = Field(..., description="Readable name")
    kind: Literal["state_budget", "railway", "port", "fund", "ifi", "private_operator"] = Field(
        ..., description="state_budget | railway | port | fund | ifi | private_operator")
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$",
                                description="ISO 3166-1 alpha-2 code (none for an IFI or a fund)")
    budget_musd_per_year: float | None = quantity(
        None, unit="MUSD/yr", ge=0, le=1_000_000,
        description="Most it can fund in a year (empty = not limited unless the plan says so)")


def _year_key(v: Any) -> Any:
    """A year key written as text ('2030'), as JSON and CSV round trips write dict keys."""
    return int(v) if isinstance(v, str) and re.fullmatch(r"\d{4}", v) else v


#: A year used as a mapping key: an integer, or its four digits as text (JSON keys are text).
YearKey = Annotated[int, BeforeValidator(_year_key), Field(ge=1990, le=2100, strict=True)]
PathIndex = Annotated[dict[YearKey, Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]],
                      Field(min_length=2, max_length=200)]


class DemandPath(Component):
    """Yearly demand index for some commodities on three paths (low, central, high).

    A flow's volume in year t on a path is its scenario volume x index(t) / central(scenario
    year), linear between the given years and flat beyond them.
    """

    id: Id
    name: Name = Field(..., description="Readable name")
    commodities: list[Ref] = Field(default_factory=list, max_length=100,
                                   description="Commodity ids it applies to (empty = every other)")
    low: PathIndex = quantity(unit="1", container=True, description="Index by year, low path")
    central: PathIndex = quantity(unit="1", container=True, description="Index by year, central path")
    high: PathIndex = quantity(unit="1", container=True, description="Index by year, high path")


class Market(Component):
    """Cargo that chooses between the corridor and reference routes by a logit of generalised cost.

    Generalised cost per tonne = tariff + transit days x value of time, the value of time =
    the commodity's value per tonne x ``interest_rate`` / 365. The logit's constants are
    calibrated so that the scenario year reproduces ``corridor_share``; its scale from
    ``cost_elasticity``.
    """

    id: Id
    name: Name = Field(..., description="Readable name")
    flows: list[Ref] = Field(..., min_length=1, max_length=200, description="Demand flow ids")
    alternatives: list[Ref] = Field(..., min_length=1, max_length=20,
                                    description="Reference route ids competing for the cargo")
    corridor_share: float = quantity(unit="1", gt=0, lt=1, description="Corridor's share of the "
                                     "market in the scenario year (calibration)")
    cost_elasticity: float = quantity(unit="1", ge=-20, lt=0, description="Corridor volume change "
                                      "(%) per 1% change in its generalised cost, at calibration")
    interest_rate: float = quantity(unit="1/yr", gt=0, le=1, description="Annual cost of capital "
                                    "tied up in cargo (value of time)")


#: An ISO 3166-1 alpha-2 country code.
Iso2 = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
#: A non-empty list of country codes (at most the world's ~250).
Countries = Annotated[list[Iso2], Field(min_length=1, max_length=250)]


class ReferenceRoute(Component):
    """A competing route (northern rail, deep sea) for side-by-side comparison (coarse, sourced).

    A quote shows it only when the quoted origin's country is in ``origin_countries`` and
    the destination's in ``destination_countries`` (a missing list matches any country).
    """

    id: Id
    name: Name = Field(..., description="Readable name")
    kind: Literal["rail", "sea"] = Field(..., description="rail | sea")
    via: Name = Field(..., description="Main passage, e.g. 'Russia, Belarus' or 'Suez Canal'")
    origin: Name = Field(..., description="Where the route starts (place name)")
    destination: Name = Field(..., description="Where it ends (place name)")
    origin_countries: Countries | None = Field(
        None, description="ISO 3166-1 alpha-2 codes of the origins the route serves (none: any)")
    destination_countries: Countries | None = Field(
        None, description="ISO 3166-1 alpha-2 codes of the destinations it serves (none: any)")
    distance_km: float = quantity(unit="km", gt=0, le=40_000,
                                  description="Length (a sea route round the Cape is ~26,000)")
    transit_days_low: float = quantity(unit="days", gt=0, le=365, description="Fastest transit")
    transit_days_high: float = quantity(unit="days", gt=0, le=365, description="Slowest transit")
    cost_usd_per_feu_low: float = quantity(unit="USD/FEU", gt=0, le=1_000_000,
                                           description="Lowest published rate")
    cost_usd_per_feu_high: float = quantity(unit="USD/FEU", gt=0, le=1_000_000,
                                            description="Highest published rate")
    emission_factor: Ref = Field(..., description="Transport emission factor id for the main mode")

    @model_validator(mode="after")
    def _ranges(self) -> ReferenceRoute:
        if self.transit_days_low > self.transit_days_high:
            raise ValueError("transit_days_low exceeds transit_days_high")
        if self.cost_usd_per_feu_low > self.cost_usd_per_feu_high:
            raise ValueError("cost_usd_per_feu_low exceeds cost_usd_per_feu_high")
        return self


#: Component lists of a scenario, in file order, with their model.
COMPONENTS: dict[str, type[Component]] = {
    "commodities": Commodity,
    "nodes": Node,
    "berths": Berth,
    "links": Link,
    "services": Service,
    "vessels": Vessel,
    "weather": WeatherRegime,
    "events": Event,
    "routes": Route,
    "demand": DemandFlow,
    "tariffs": Tariff,
    "through_tariffs": ThroughTariff,
    "emission_factors": EmissionFactor,
    "projects": Project,
    "references": ReferenceRoute,
    "payers": Payer,
    "demand_paths": DemandPath,
    "markets": Market,
}


class ScenarioDoc(BaseModel):
    """A whole, resolved scenario (no ``extends``): metadata, sources and component lists."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Id = Field(..., description="Scenario name, e.g. baseline-2024")
    title: Annotated[str, Field(max_length=200, pattern=LINE_PATTERN)] = Field(
        "", description="One-line title")
    description: Text = Field("", description="What the scenario represents")
    year: Year = quantity(unit="year", description="Year the scenario represents")
    price_year: Year = quantity(unit="year", description="Year of the USD prices")
    tonnage_definition: Annotated[str, Field(max_length=5_000, pattern=TEXT_PATTERN)] = Field(
        "", description="Which published tonnage the demand matches")
    applied_projects: list[Ref] = Field(
        default_factory=list, max_length=1_000,
        description="Projects already applied to the components")
    sources: list[SourceEntry] = Field(default_factory=list, description="Publications the figures cite")
    sea_level: SeaLevel = Field(default_factory=SeaLevel,
                                description="Caspian level change the port drafts see")
    commodities: list[Commodity] = Field(default_factory=list,
        description="Component list: see the commodities section")
    nodes: list[Node] = Field(default_factory=list,
        description="Component list: see the nodes section")
    berths: list[Berth] = Field(default_factory=list,
        description="Component list: see the berths section")
    links: list[Link] = Field(default_factory=list,
        description="Component list: see the links section")
    services: list[Service] = Field(default_factory=list,
        description="Component list: see the services section")
    vessels: list[Vessel] = Field(default_factory=list,
        description="Component list: see the vessels section")
    weather: list[WeatherRegime] = Field(default_factory=list,
        description="Component list: see the weather section")
    events: list[Event] = Field(default_factory=list,
        description="Component list: see the events section")
    routes: list[Route] = Field(default_factory=list,
        description="Component list: see the routes section")
    demand: list[DemandFlow] = Field(default_factory=list,
        description="Component list: see the demand section")
    tariffs: list[Tariff] = Field(default_factory=list,
        description="Component list: see the tariffs section")
    through_tariffs: list[ThroughTariff] = Field(default_factory=list,
        description="Component list: see the through_tariffs section")
    emission_factors: list[EmissionFactor] = Field(default_factory=list,
        description="Component list: see the emission_factors section")
    projects: list[Project] = Field(default_factory=list,
        description="Component list: see the projects section")
    references: list[ReferenceRoute] = Field(default_factory=list,
        description="Component list: see the references section")
    payers: list[Payer] = Field(default_factory=list,
        description="Component list: see the payers section")
    demand_paths: list[DemandPath] = Field(default_factory=list,
        description="Component list: see the demand_paths section")
    markets: list[Market] = Field(default_factory=list,
        description="Component list: see the markets section")

    def to_dict(self) -> dict[str, Any]:
        """YAML-ready dict with sourced fields in their ``{value:, source:}`` form."""
        out: dict[str, Any] = {}
        for name in ("name", "title", "description", "year", "price_year", "tonnage_definition",
                     "applied_projects"):
            value = getattr(self, name)
            if value not in ("", []):
                out[name] = value
        out["sources"] = [s.to_dict() for s in self.sources]
        out["sea_level"] = self.sea_level.to_dict()
        for ctype in COMPONENTS:
            items = getattr(self, ctype)
            if items:
                out[ctype] = [c.to_dict() for c in items]
        return out


#: Top-level keys of a scenario file that are not component lists.
META_KEYS = ("name", "title", "description", "year", "price_year", "tonnage_definition",
             "applied_projects", "sources", "sea_level")
#: Extra top-level keys an overlay file may hold.
OVERLAY_KEYS = ("extends", "add", "patch", "remove", "apply_projects")
