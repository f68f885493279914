"""The one rule that scales demand: a flow's annual units times a factor, with an assumption note.

The planner (a year's demand on its path) and the sweep (``demand.multiplier``) both change
flows' volumes with :func:`scaled_demand`, as overlay ``patch`` entries of ``demand``.

Examples
--------
>>> scaled_demand({"a": 1000.0, "b": 50}, {"b": 1.5}, "x 1.5: demand growth")
[{'id': 'b', 'annual_units': {'value': 75.0, 'assumption': 'x 1.5: demand growth'}}]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from transcaspian.model.base import is_wrapped


def scaled_demand(units: Mapping[str, Any], factors: Mapping[str, float], note: str
                  ) -> list[dict[str, Any]]:
    """Demand patch entries: each flow in ``factors`` with its annual units times its factor.

    Parameters
    ----------
    units
        Flow id -> annual units (units/yr; a number or a ``{"value": ...}`` dict), in the
        flows' order.
    factors
        Flow id -> multiplier (1); flows not listed are left out.
    note
        The assumption recorded with each scaled value.

    Returns
    -------
    list of dict
        ``{"id": flow, "annual_units": {"value": units/yr, "assumption": note}}`` in the
        order of ``units``.
    """
    out = []
    for fid, value in units.items():
        if fid in factors:
            plain = value["value"] if is_wrapped(value) else value
            out.append({"id": fid, "annual_units": {"value": float(plain) * float(factors[fid]),
                                                    "assumption": note}})
    return out
