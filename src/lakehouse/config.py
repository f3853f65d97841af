"""The one configuration object every job takes. Built by the CLI, a notebook or a Databricks task."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from lakehouse.errors import UserError

DEFAULT_ROOT = Path("lakehouse_data")
DEFAULT_MAX_QUARANTINE_RATIO = 0.05
RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")

# Gold's Delta engine (storage.delta_tables): auto = delta-spark when Delta is on Spark's classpath, else delta-rs.
ENGINE_AUTO = "auto"
ENGINE_DELTA_RS = "delta-rs"
ENGINE_DELTA_SPARK = "delta-spark"
ENGINES = (ENGINE_AUTO, ENGINE_DELTA_RS, ENGINE_DELTA_SPARK)
ENGINE_ENV = "LAKEHOUSE_DELTA_ENGINE"


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class LakehouseConfig:
    root: Path
    run_id: str
    started_at: datetime  # the run's clock: lineage `_ingested_at` and ops timestamps come from it
    max_quarantine_ratio: float = DEFAULT_MAX_QUARANTINE_RATIO
    delta_engine: str = ENGINE_AUTO  # one of ENGINES

    @classmethod
    def create(cls, root: str | Path | None = None, run_id: str | None = None,
               max_quarantine_ratio: float = DEFAULT_MAX_QUARANTINE_RATIO,
               delta_engine: str | None = None) -> LakehouseConfig:
        now = datetime.now(UTC).replace(microsecond=0)
        chosen = run_id or new_run_id(now)
        if not RUN_ID_PATTERN.match(chosen):
            raise UserError(f"run id {chosen!r} is not usable: use letters, digits and _ . - (at most 128)")
        if not 0 <= max_quarantine_ratio <= 1:
            raise UserError(f"quarantine ratio limit must be between 0 and 1, not {max_quarantine_ratio}")
        engine = delta_engine or os.environ.get(ENGINE_ENV) or ENGINE_AUTO
        if engine not in ENGINES:
            raise UserError(f"unknown Delta engine {engine!r} (from --delta-engine or ${ENGINE_ENV}): "
                            f"use one of {', '.join(ENGINES)}")
        return cls(Path(root) if root else DEFAULT_ROOT, chosen, now, max_quarantine_ratio, engine)
