"""Scenario sweeps and global sensitivity: many points of one scenario, run as parallel tasks.

A spec (:mod:`~transcaspian.sweep.spec`) names a base scenario, the assumptions to vary and
their ranges, a design (:mod:`~transcaspian.sweep.design`) and the KPIs to keep
(:mod:`~transcaspian.sweep.kpis`); each point is an overlay of the base
(:mod:`~transcaspian.sweep.apply`) run through the engines as one task on an executor
(:mod:`~transcaspian.sweep.run`); the KPI table gives sensitivity indices
(:mod:`~transcaspian.sweep.sensitivity`). Guide: docs/sweeps.md.
"""

from transcaspian.sweep.design import design_frame
from transcaspian.sweep.run import SweepPlan, SweepResult, load_sweep, plan_sweep, run_sweep, sweep
from transcaspian.sweep.sensitivity import ranking, sensitivity
from transcaspian.sweep.spec import SweepSpec, load_spec, parse_spec

__all__ = ["SweepPlan", "SweepResult", "SweepSpec", "design_frame", "load_spec", "load_sweep",
           "parse_spec", "plan_sweep", "ranking", "run_sweep", "sensitivity", "sweep"]
