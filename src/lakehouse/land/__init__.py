"""Landing source extracts into Bronze (`lakehouse land`), locally or on ADLS Gen2."""

from lakehouse.land.land import LandResult, land_files
from lakehouse.land.roots import open_target
from lakehouse.land.targets import RetrySettings

__all__ = ["LandResult", "RetrySettings", "land_files", "open_target"]
