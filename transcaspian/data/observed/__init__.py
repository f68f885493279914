"""Observed operating statistics (CSV) shipped with the package; see docs/calibration.md."""
