"""Deterministic Bronze data generator (pure Python, no Spark), with an exact oracle of planted faults.

Modules: `entities`, `cdc` and `stores` simulate the true business history; `transactions` and `cdc_files`
turn a day of it into files and plant faults (`faults`); `special` adds rejected and ignored files; `dialect`
renders CSV variations the contract allows; `writer` writes atomically; `api` ties the days together.
"""

from lakehouse.generate.api import generate
from lakehouse.generate.model import ExpectedFault, GenerateSummary

__all__ = ["ExpectedFault", "GenerateSummary", "generate"]
