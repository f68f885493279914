"""Investment planning: which projects, in which year, paid by whom, and do they pay off."""
