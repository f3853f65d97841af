"""Silver quality checks (DATA_CONTRACT.md §3, §5): rules as data in `suites`, the GX engine in `gx_runner`.

Importing this package does not import Great Expectations (about 3 s); `validate_silver_batches` does, on first use.
"""

from lakehouse.quality.gx_runner import validate_silver_batches
from lakehouse.quality.report import ExpectationResult, QualityReport
from lakehouse.quality.suites import SILVER_TABLES, SilverExpectation, silver_expectations

__all__ = [
    "SILVER_TABLES",
    "ExpectationResult",
    "QualityReport",
    "SilverExpectation",
    "silver_expectations",
    "validate_silver_batches",
]
