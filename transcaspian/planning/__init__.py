"""Investment planning: which projects, in which year, paid by whom, and do they pay off.

>>> from transcaspian.planning import PlanOptions
>>> PlanOptions.build(target_mt=10.0, year=2030).start_year
2024
"""

from transcaspian.planning.engine import plan
from transcaspian.planning.options import PlanOptions
from transcaspian.planning.tables import PLAN

__all__ = ["PLAN", "PlanOptions", "plan"]
