"""How much data `lakehouse demo` generates: a few weeks, enough for every chart, under two minutes on a laptop."""

DEMO_DAYS = 21
DEMO_ROWS_PER_DAY = 2000
DEMO_FAULTS = 0.01
