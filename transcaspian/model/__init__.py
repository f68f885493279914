"""The corridor data model: schema, Scenario, overlays, loading, saving, validation."""

from transcaspian.model.distributions import Distribution
from transcaspian.model.errors import Problem, ScenarioError
from transcaspian.model.loading import builtin_names
from transcaspian.model.network import Leg, Network
from transcaspian.model.scenario import Scenario, load_scenario

__all__ = ["Distribution", "Leg", "Network", "Problem", "Scenario", "ScenarioError",
           "builtin_names", "load_scenario"]
