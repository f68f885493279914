"""Investment planning: which candidate projects to build and when (a MILP solved with HiGHS)."""
