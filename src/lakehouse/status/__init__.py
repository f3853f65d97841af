"""`lakehouse status` (contract §8): what a root holds and whether it needs attention, as text or one HTML page."""
