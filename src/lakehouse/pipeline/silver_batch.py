"""The Spark part of bronze-to-silver: classify staged Bronze records, stage Silver and quarantine, validate."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lakehouse import contract as c
from lakehouse.bronze.staging import StagedFile
from lakehouse.config import LakehouseConfig
from lakehouse.failpoints import failpoint
from lakehouse.silver import io as silver_io
from lakehouse.silver import schemas
from lakehouse.silver.build import build_quarantine, build_silver
from lakehouse.silver.classify import classify, dedup_key_columns
from lakehouse.spark import get_spark
from lakehouse.storage.layout import Layout

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from lakehouse.quality.gx_runner import QualityReport


@dataclass
class SplitOutcome:
    counts: dict[str, Counter[str | None]] = field(default_factory=dict)  # source file -> reason -> rows
    moves: list[tuple[str, str]] = field(default_factory=list)
    quality: QualityReport | None = None


def rows_by_outcome(outcome: SplitOutcome, staged: list[StagedFile]) -> tuple[int, int]:
    """(Silver rows, quarantined rows) of these files, from the per-file counts."""
    counts = [outcome.counts.get(s.file.path, Counter()) for s in staged]
    silver_rows = sum(counter[None] for counter in counts)
    return silver_rows, sum(sum(counter.values()) for counter in counts) - silver_rows


def _files_df(spark: SparkSession, staged: list[StagedFile]) -> DataFrame:
    rows = [(s.file_seq, s.file.path, s.file.ingest_date, list(s.positions), s.header_len) for s in staged]
    return spark.createDataFrame(rows, schemas.BRONZE_FILES)


def _stored_keys(spark: SparkSession, layout: Layout, source: str) -> DataFrame | None:
    if not silver_io.has_parquet(layout.silver_table(source)):
        return None
    return silver_io.read_silver(spark, layout, source).select(*dedup_key_columns(source))


def _final_name(layout: Layout, staged_file: Path, staged_dir: Path, final_dir: Path, run_id: str) -> str:
    relative = staged_file.relative_to(staged_dir)
    final = final_dir / relative.parent / f"{run_id}-{relative.name}"
    return final.relative_to(layout.root).as_posix()


def _stage_moves(layout: Layout, staged_dir: Path, final_dir: Path, run_id: str) -> list[tuple[str, str]]:
    return [
        (path.relative_to(layout.root).as_posix(), _final_name(layout, path, staged_dir, final_dir, run_id))
        for path in silver_io.data_files(staged_dir)
    ]


def split_source(spark: SparkSession, config: LakehouseConfig, layout: Layout, source: str,
                 staged: list[StagedFile], outcome: SplitOutcome) -> DataFrame:
    """Classify one source's new records, stage its Silver and quarantine files; returns the staged Silver."""
    run_dir = layout.run_staging(config.run_id)
    records_df = spark.read.schema(schemas.BRONZE_RECORDS).parquet(str(run_dir / "bronze" / source))
    classified_df = classify(records_df, _files_df(spark, staged), source, _stored_keys(spark, layout, source))
    classified_df = classified_df.persist()
    try:
        for row in classified_df.groupBy("_source_file", "reason").count().collect():
            outcome.counts.setdefault(row["_source_file"], Counter())[row["reason"]] += row["count"]
        silver_rows, quarantined_rows = rows_by_outcome(outcome, staged)
        silver_dir, quarantine_dir = run_dir / "silver" / source, run_dir / "quarantine" / source
        if silver_rows:
            silver_io.write_staged_silver(
                build_silver(classified_df, source, config.run_id, config.started_at), source, silver_dir
            )
        if quarantined_rows:
            silver_io.write_staged_quarantine(
                build_quarantine(classified_df, source, config.run_id, config.started_at), quarantine_dir
            )
        failpoint(f"b2s:staged_silver:{source}")
    finally:
        classified_df.unpersist()
    outcome.moves += _stage_moves(layout, silver_dir, layout.silver_table(source), config.run_id)
    outcome.moves += _stage_moves(layout, quarantine_dir, layout.quarantine(source), config.run_id)
    return silver_io.read_parquet_dir(spark, silver_dir, schemas.SILVER_SCHEMAS[source])


def split_and_validate(config: LakehouseConfig, layout: Layout, staged: list[StagedFile]) -> SplitOutcome:
    from lakehouse.quality.gx_runner import validate_silver_batches

    log.info("starting Spark")
    spark = get_spark()
    outcome = SplitOutcome()
    batches: dict[str, DataFrame] = {}
    expected: dict[str, int] = {}
    for source in c.SOURCES:
        accepted = [s for s in staged if s.file.source == source and s.rejected_reason is None]
        if not accepted:
            continue
        table = c.SOURCE_SPECS[source].silver_table
        log.info("splitting %s: %d files", source, len(accepted))
        batches[table] = split_source(spark, config, layout, source, accepted, outcome)
        # Conservation (§3.4): what the parser read, less what was quarantined, must be in the staged Silver.
        expected[table] = sum(s.records_read for s in accepted) - rows_by_outcome(outcome, accepted)[1]
    log.info("validating %d Silver batches with Great Expectations", len(batches))
    outcome.quality = validate_silver_batches(
        batches, expected, docs_dir=str(layout.data_docs), run_id=config.run_id
    )
    return outcome
