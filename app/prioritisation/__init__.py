"""Portfolio prioritisation: scoring, the optimal selection, the frontier and scenarios."""
