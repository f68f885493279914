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

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from transcaspian.model.base import Component
from transcaspian.model.distributions import Distribution

UnitKind = Literal["teu", "wagon", "truck", "tonne"]
UNIT_KINDS: tuple[str, ...] = ("teu", "wagon", "truck", "tonne")
Gauge = Literal[1435, 1520]
Id = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9_.\-]*$",
                          description="Identifier: lower-case letters, digits, '-', '_', '.'")]
Ref = Annotated[str, Field(min_length=1, max_length=80)]
PosFloat = Annotated[float, Field(gt=0)]
NonNegFloat = Annotated[float, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]
Monthly = Annotated[list[NonNegFloat], Field(min_length=12, max_length=12)]


class SourceEntry(BaseModel):
    """One publication that figures in the scenario cite by ``id``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Id
    title: str = Field(..., min_length=1, description="What the source is (publisher, headline)")
    url: str = Field(..., pattern=r"^https?://", description="Where it can be read")
    year: int = Field(..., ge=1990, le=2100, description="Year published (or of the figure)")
    note: str | None = Field(None, description="Caveats, conflicts with other sources")

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class Commodity(Component):
    """A kind of cargo and the unit it is handled in."""

    id: Id
    name: str
    unit: UnitKind = Field(..., description="Handling unit: teu | wagon | truck | tonne")
    category: Literal["container", "dry_bulk", "general", "liquid_bulk", "roro"] = Field(
        ..., description="Cargo family")
    tonnes_per_unit: PosFloat = Field(..., description="Cargo mass per handling unit (t/unit); 1 for tonne")
    hazard_class: str | None = Field(None, description="UN dangerous-goods class, where relevant")


class Node(Component):
    """A place on the network: terminal, border, gauge change, junction, seaport, pipeline end."""

    id: Id
    name: str
    country: str = Field(..., pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code")
    lat: float = Field(..., ge=-90, le=90, description="Latitude (degrees)")
    lon: float = Field(..., ge=-180, le=180, description="Longitude (degrees)")
    kind: Literal["city", "terminal", "border", "gauge_change", "junction", "seaport",
                  "pipeline_terminal"]
    capacity_trains_per_day: PosFloat | None = Field(
        None, description="Processing capacity (trains/day, both directions) at borders, "
        "gauge changes, junctions and terminals")
    dwell_h: Distribution | None = Field(None, description="Time a train or lot spends here (h)")
    fixed_time_h: NonNegFloat | None = Field(
        None, description="Fixed extra time per passing train (h), e.g. a locomotive change")
    max_draft_m: PosFloat | None = Field(
        None, description="Seaport: maximum draft at the berths at the reference sea level (m)")
    water_body: Literal["caspian", "black_sea", "other"] | None = Field(
        None, description="Seaport: the sea it lies on; the scenario's sea_level change applies "
        "to Caspian ports (and ports that leave this empty) only")
    port_time_h: NonNegFloat | None = Field(
        None, description="Seaport: non-handling time per vessel call: pilotage, mooring, "
        "formalities (h)")
    formation_max_wait_h: PosFloat | None = Field(
        None, description="Seaport: longest time discharged units wait for an onward train before "
        "a part-filled train leaves (h); 72 h when empty")
    yard_capacity_teu: PosFloat | None = Field(
        None, description="Seaport or terminal: container yard (TEU)")
    yard_capacity_wagons: PosFloat | None = Field(
        None, description="Seaport or terminal: wagon sidings (wagons)")
    declared_capacity_t_per_year: PosFloat | None = Field(
        None, description="Published annual capacity (t/yr), kept for comparison")
    emission_factor: Ref | None = Field(None, description="Hub emission factor id (transshipment)")
    operator: str | None = Field(None, description="Party operating the node (for tariff shares)")


class Berth(Component):
    """A group of identical berths at a seaport and their handling rates."""

    id: Id
    node: Ref = Field(..., description="Seaport node id")
    kind: Literal["container", "ferry", "roro", "oil", "general", "multipurpose"]
    count: int = Field(1, ge=1, le=100, description="Number of identical berths")
    handling_per_h: dict[UnitKind, PosFloat] = Field(
        ..., min_length=1, description="Units loaded or discharged per hour at one berth, by unit")
    operating_h_per_day: float = Field(24.0, gt=0, le=24, description="Working hours per day (h)")


class Link(Component):
    """A land link between two nodes: rail section, road or pipeline (both directions)."""

    id: Id
    name: str | None = None
    from_node: Ref = Field(..., alias="from", description="Node id at one end")
    to_node: Ref = Field(..., alias="to", description="Node id at the other end")
    mode: Literal["rail", "road", "pipeline"]
    distance_km: PosFloat = Field(..., description="Length (km)")
    speed_kmh: PosFloat | None = Field(
        None, description="Average moving speed of a freight train or truck (km/h)")
    gauge_mm: Gauge | None = Field(None, description="Rail: track gauge (1435 or 1520 mm)")
    trains_per_day: PosFloat | None = Field(
        None, description="Rail: freight paths per day available to corridor trains, "
        "from -> to (trains/day)")
    trains_per_day_reverse: PosFloat | None = Field(
        None, description="Rail: paths per day to -> from; defaults to trains_per_day")
    max_units_per_train: dict[UnitKind, PosFloat] | None = Field(
        None, description="Rail: longest train allowed, in units (e.g. wagon: 57, teu: 114)")
    delay_h: Distribution | None = Field(None, description="Extra delay per passage (h)")
    trucks_per_day: PosFloat | None = Field(None, description="Road: trucks/day each direction")
    capacity_t_per_year: PosFloat | None = Field(None, description="Pipeline: throughput (t/yr)")
    transit_h: PosFloat | None = Field(None, description="Pipeline: transit time (h)")
    emission_factor: Ref | None = Field(None, description="Transport emission factor id")
    operator: str | None = Field(None, description="Infrastructure / traction party")

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
            for f in ("gauge_mm", "trains_per_day", "trains_per_day_reverse", "max_units_per_train"):
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
    name: str
    kind: Literal["container_feeder", "rail_ferry", "roro", "ropax", "tanker", "black_sea_feeder"]
    from_node: Ref = Field(..., alias="from", description="Seaport id where the cycle starts")
    to_node: Ref = Field(..., alias="to", description="Seaport id at the other end")
    distance_km: PosFloat = Field(..., description="Sea distance port to port (km)")
    policy: Literal["load_and_go", "scheduled"] = Field(
        ..., description="load_and_go: sail at min_fill_share or after max_wait_h; "
        "scheduled: fixed departures")
    min_fill_share: Share | None = Field(
        None, description="load_and_go: share of capacity that triggers departure")
    max_wait_h: PosFloat | None = Field(
        None, description="load_and_go: longest a vessel waits for cargo before sailing (h)")
    departures_per_week: PosFloat | None = Field(
        None, description="scheduled: departures per week from each end")
    operator: str | None = Field(None, description="Shipping line (for tariff shares)")
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
    name: str
    service: Ref = Field(..., description="Service id the vessels cycle on")
    count: int = Field(..., ge=1, le=200, description="Number of identical vessels")
    capacity: dict[UnitKind, PosFloat] = Field(
        ..., min_length=1, description="Units per voyage if only that unit is loaded")
    mixed_load: Literal["shared", "separate"] = Field(
        "shared", description="shared: unit types compete for one deck, sum(n_u / capacity_u) <= 1; "
        "separate: each type has its own space")
    deadweight_t: PosFloat = Field(..., description="Deadweight at design draft (t)")
    speed_kn: PosFloat = Field(..., description="Service speed (knots)")
    design_draft_m: PosFloat = Field(..., description="Draft fully loaded (m)")
    tonnes_per_cm: PosFloat = Field(..., description="Tonnes per cm immersion (t/cm)")

    def crossing_h(self, distance_km: float) -> float:
        """Sailing time over ``distance_km`` at service speed (h); 1 kn = 1.852 km/h."""
        return distance_km / (self.speed_kn * 1.852)


class WeatherRegime(Component):
    """Storm closures at one port: events by month and how long each lasts."""

    id: Id
    node: Ref = Field(..., description="Seaport id")
    closures_per_month: Monthly = Field(
        ..., description="Expected closure events starting in each month, Jan..Dec (events)")
    closure_duration_h: Distribution = Field(..., description="Length of one closure (h)")

    def expected_closed_h_per_year(self) -> float:
        """Expected closed hours per year (h), ignoring overlaps."""
        return sum(self.closures_per_month) * self.closure_duration_h.mean_value()


class SeaLevel(Component):
    """Caspian level relative to the reference at which port drafts are given.

    Applies to seaports whose ``water_body`` is ``caspian`` or empty; Black Sea ports keep
    their drafts.
    """

    change_m: float = Field(0.0, ge=-10, le=10, description="Level change vs reference (m); "
                            "negative = lower sea, less draft")
    reference_year: int = Field(2024, ge=1900, le=2100, description="Year the port drafts refer to")


class RouteOption(Component):
    """One route a demand flow may use, with its share under the ``shares`` rule."""

    route: Ref
    share: Share | None = Field(None, description="Share of the flow on this route (0..1)")


class Route(Component):
    """A path through the network as a list of node ids, origin first."""

    id: Id
    name: str | None = None
    nodes: list[Ref] = Field(..., min_length=2, max_length=200)


class DemandFlow(Component):
    """Annual cargo between two nodes in one direction."""

    id: Id
    origin: Ref
    destination: Ref
    commodity: Ref
    direction: Literal["westbound", "eastbound"]
    annual_units: NonNegFloat = Field(..., description="Units per year in the commodity's unit")
    seasonality: Monthly = Field(
        default_factory=lambda: [1.0] * 12,
        description="Monthly factors, Jan..Dec, averaging 1 (dimensionless)")
    units_per_train: PosFloat = Field(
        ..., description="Units that arrive together: a train (wagons or TEU), a truck convoy, "
        "or an oil parcel (t)")
    arrivals: Literal["poisson", "regular"] = Field(
        "poisson", description="Arrival pattern of trains at the origin")
    route_options: list[RouteOption] = Field(..., min_length=1, max_length=50)
    choice: Literal["shares", "optimal"] = Field(
        "shares", description="shares: fixed split; optimal: engines choose the best split")

    @field_validator("seasonality")
    @classmethod
    def _mean_one(cls, v: list[float]) -> list[float]:
        mean = sum(v) / 12.0
        if abs(mean - 1.0) > 0.01:
            raise ValueError(f"monthly factors must average 1 (they average {mean:.3f})")
        return v


class Tariff(Component):
    """A rate charged for using one element (link, service or node)."""

    id: Id
    element: Ref = Field(..., description="Link, service or node id the rate applies to")
    unit: UnitKind = Field(..., description="Unit the rate is charged per")
    usd_per_unit: NonNegFloat = Field(0.0, description="Flat rate (USD/unit)")
    usd_per_unit_km: NonNegFloat = Field(0.0, description="Distance rate (USD/unit/km)")
    party: str = Field(..., description="Who receives it (railway, port, line)")


class ThroughTariff(Component):
    """A unified rate for a whole route and how it is split between parties."""

    id: Id
    route: Ref
    unit: UnitKind
    usd_per_unit: PosFloat = Field(..., description="Through rate (USD/unit)")
    shares: dict[str, Share] = Field(..., min_length=1, description="Share of revenue by party")

    @field_validator("shares")
    @classmethod
    def _sum_one(cls, v: dict[str, float]) -> dict[str, float]:
        if abs(sum(v.values()) - 1.0) > 1e-6:
            raise ValueError(f"party shares must sum to 1 (they sum to {sum(v.values()):.4f})")
        return v


class EmissionFactor(Component):
    """GLEC / ISO 14083 emission intensity of a transport or hub operation category."""

    id: Id
    category: str = Field(..., description="GLEC category name")
    kind: Literal["transport", "hub"]
    wtw_g_per_tkm: NonNegFloat | None = Field(None, description="Transport well-to-wake (gCO2e/t-km)")
    ttw_g_per_tkm: NonNegFloat | None = Field(None, description="Transport tank-to-wake (gCO2e/t-km)")
    wtw_kg_per_t: NonNegFloat | None = Field(None, description="Hub well-to-wake (kgCO2e/t handled)")
    ttw_kg_per_t: NonNegFloat | None = Field(None, description="Hub tank-to-wake (kgCO2e/t handled)")

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


class Changes(BaseModel):
    """Add / patch / remove operations on components, by component type then id."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    add: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    patch: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    remove: dict[str, list[str]] = Field(default_factory=dict)


class Project(Component):
    """A candidate investment: changes to components, with its cost, timing and payer."""

    id: Id
    name: str
    capex_musd: NonNegFloat = Field(..., description="Capital cost (million USD)")
    opex_musd_per_year: NonNegFloat = Field(0.0, description="Operating cost (million USD/yr)")
    build_start_year: int = Field(..., ge=1990, le=2100)
    in_service_year: int = Field(..., ge=1990, le=2100)
    payer: str = Field(..., description="Country, company or fund that pays")
    country: str = Field(..., pattern=r"^[A-Z]{2}$")
    status: Literal["announced", "under_construction", "completed", "candidate"] = "announced"
    changes: Changes = Field(..., description="What the project changes when applied")

    @model_validator(mode="after")
    def _years(self) -> Project:
        if self.in_service_year < self.build_start_year:
            raise ValueError("in_service_year is before build_start_year")
        return self


class ReferenceRoute(Component):
    """A competing route China -> Europe, for side-by-side comparison (coarse, sourced)."""

    id: Id
    name: str
    kind: Literal["rail", "sea"]
    via: str = Field(..., description="Main passage, e.g. 'Russia, Belarus' or 'Suez Canal'")
    origin: str
    destination: str
    distance_km: PosFloat
    transit_days_low: PosFloat
    transit_days_high: PosFloat
    cost_usd_per_feu_low: PosFloat
    cost_usd_per_feu_high: PosFloat
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
    "routes": Route,
    "demand": DemandFlow,
    "tariffs": Tariff,
    "through_tariffs": ThroughTariff,
    "emission_factors": EmissionFactor,
    "projects": Project,
    "references": ReferenceRoute,
}


class ScenarioDoc(BaseModel):
    """A whole, resolved scenario (no ``extends``): metadata, sources and component lists."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Id = Field(..., description="Scenario name, e.g. baseline-2024")
    title: str = Field("", description="One-line title")
    description: str = Field("", description="What the scenario represents")
    year: int = Field(..., ge=1990, le=2100, description="Year the scenario represents")
    price_year: int = Field(..., ge=1990, le=2100, description="Year of the USD prices")
    tonnage_definition: str = Field("", description="Which published tonnage the demand matches")
    applied_projects: list[Ref] = Field(
        default_factory=list, description="Projects already applied to the components")
    sources: list[SourceEntry] = Field(default_factory=list)
    sea_level: SeaLevel = Field(default_factory=SeaLevel)
    commodities: list[Commodity] = Field(default_factory=list)
    nodes: list[Node] = Field(default_factory=list)
    berths: list[Berth] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    vessels: list[Vessel] = Field(default_factory=list)
    weather: list[WeatherRegime] = Field(default_factory=list)
    routes: list[Route] = Field(default_factory=list)
    demand: list[DemandFlow] = Field(default_factory=list)
    tariffs: list[Tariff] = Field(default_factory=list)
    through_tariffs: list[ThroughTariff] = Field(default_factory=list)
    emission_factors: list[EmissionFactor] = Field(default_factory=list)
    projects: list[Project] = Field(default_factory=list)
    references: list[ReferenceRoute] = Field(default_factory=list)

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
