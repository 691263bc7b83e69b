"""followup domain."""
