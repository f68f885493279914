"""Calibration: the model's KPIs beside observed figures, and fitting scenario fields to them.

Sits above the engines (it runs the capacity engine and the simulator) and below the
interfaces. ``model_kpis`` computes the observed-versus-modelled table; ``calibrate``
fits ``component[id].field`` values by minimising the weighted squared relative error;
``overlay_text`` / ``write_overlay`` write the fitted values as an overlay with provenance.

Examples
--------
>>> from transcaspian.calibration import KPI_ENGINES
>>> KPI_ENGINES["transit_days"]
('sim', 'capacity')
"""

from transcaspian.calibration.address import FitField, apply_values, parse_address, resolve_fields
from transcaspian.calibration.fit import CalibrateOptions, calibrate, observed_rows
from transcaspian.calibration.kpis import KPI_ENGINES, model_kpis
from transcaspian.calibration.overlay import overlay_text, write_overlay
from transcaspian.calibration.tables import CALIBRATION, CHECK

__all__ = [
    "CALIBRATION",
    "CHECK",
    "KPI_ENGINES",
    "CalibrateOptions",
    "FitField",
    "apply_values",
    "calibrate",
    "model_kpis",
    "observed_rows",
    "overlay_text",
    "parse_address",
    "resolve_fields",
    "write_overlay",
]
