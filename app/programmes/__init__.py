"""programmes domain."""
