"""ideas domain."""
