"""Gold layer: dimensions, facts and aggregates (contract §4)."""
