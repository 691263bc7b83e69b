"""dashboards domain."""
