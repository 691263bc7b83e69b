"""benefits domain."""
