"""Compatibility alias of :mod:`transcaspian.model.physics` (import from there).

Kept so that modules still importing ``transcaspian.model.derived`` keep working while
the branches of issue 7 merge; it holds no rule of its own.
"""

from transcaspian.model.physics import (
    HOURS_PER_YEAR,
    KM_PER_NM,
    closed_share,
    crossing_h,
    draft_deficit_m,
    level_change_at,
    payload_factor,
    voyage_payload_factor,
)

__all__ = ["HOURS_PER_YEAR", "KM_PER_NM", "closed_share", "crossing_h", "draft_deficit_m",
           "level_change_at", "payload_factor", "voyage_payload_factor"]
