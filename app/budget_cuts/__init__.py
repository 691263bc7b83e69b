"""budget cuts domain."""
