"""Reference models kept as yardsticks for the engines (SimPy simulator)."""
