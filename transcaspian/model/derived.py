"""Quantities derived from components that several engines must compute the same way.

Capacity analysis and the simulator both call these, so a vessel's payload at a
shallow port or a port's weather availability means one thing everywhere.
"""

from __future__ import annotations

from transcaspian.model.schema import Node, Vessel, WeatherRegime

HOURS_PER_YEAR = 8760.0
KM_PER_NM = 1.852


def crossing_h(vessel: Vessel, distance_km: float) -> float:
    """Sailing time at service speed (h)."""
    return distance_km / (vessel.speed_kn * KM_PER_NM)


def draft_deficit_m(vessel: Vessel, port: Node, sea_level_change_m: float) -> float:
    """How much the vessel's design draft exceeds the water available at the port (m, >= 0).

    Available draft = port ``max_draft_m`` (at the reference sea level) + level change,
    where the change applies to Caspian ports only (see :func:`level_change_at`).
    A port without ``max_draft_m`` never limits draft.
    """
    if port.max_draft_m is None:
        return 0.0
    available = port.max_draft_m + level_change_at(port, sea_level_change_m)
    return max(0.0, vessel.design_draft_m - available)


def level_change_at(port: Node, caspian_change_m: float) -> float:
    """Water-level change at a port (m): the Caspian change, or 0 for other seas."""
    return caspian_change_m if port.water_body in (None, "caspian") else 0.0


def payload_factor(vessel: Vessel, port: Node, sea_level_change_m: float) -> float:
    """Share of the vessel's unit capacity usable at a port, in [0, 1].

    The draft deficit costs ``deficit_cm * tonnes_per_cm`` of deadweight; unit
    capacity shrinks in the same proportion: ``1 - deficit_cm * tpc / deadweight_t``.
    """
    lost_t = draft_deficit_m(vessel, port, sea_level_change_m) * 100.0 * vessel.tonnes_per_cm
    return min(1.0, max(0.0, 1.0 - lost_t / vessel.deadweight_t))


def voyage_payload_factor(vessel: Vessel, port_a: Node, port_b: Node,
                          sea_level_change_m: float) -> float:
    """Payload share for a voyage between two ports: the shallower end binds."""
    return min(payload_factor(vessel, port_a, sea_level_change_m),
               payload_factor(vessel, port_b, sea_level_change_m))


def closed_share(regime: WeatherRegime | None) -> float:
    """Expected share of the year a port is closed by storms (0..1, overlaps ignored)."""
    if regime is None:
        return 0.0
    return min(1.0, regime.expected_closed_h_per_year() / HOURS_PER_YEAR)
