"""bronze-to-silver's Spark work: parse the new files on the executors, classify their records, stage Silver, the
quarantine and the key index, and validate the staged Silver (contract §2, §3).

Per source, in landing order, one Spark pass parses the new files on the executors (`bronze.records`: each task
takes the required columns by its files' headers) and classifies their records (`silver.classify`: rule verdicts,
erasures, keys); it is kept (`spark.keep`) with one small row per file (its md5, rejection or extra columns, record
count), which is all the driver collects. The duplicate check, the per-file counts, the writes and validation read the
kept records, so nothing is parsed or classified twice and nothing just written is read back. Duplicates are found
on a narrow projection (key and place) and marked on the kept records by a broadcast lookup, so whole records are
never shuffled for them.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from pyspark import StorageLevel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse import contract as c
from lakehouse.bronze.discovery import BronzeFile
from lakehouse.bronze.records import FileToParse, ParsedFile, file_rows_of, read_bronze, records_of
from lakehouse.failpoints import failpoint
from lakehouse.pipeline.context import RunContext
from lakehouse.pipeline.parallel import side_by_side
from lakehouse.pipeline.timing import timed
from lakehouse.silver import io as silver_io
from lakehouse.silver.build import build_quarantine, build_silver
from lakehouse.silver.classify import (
    KEY,
    classify_rows,
    duplicate_records,
    mark_duplicates,
    mark_erased,
    with_key,
)
from lakehouse.spark import (
    KEPT_BYTES_PER_BRONZE_BYTE,
    SMALL_BATCH_SETTINGS,
    is_small_input,
    keep,
    release,
    session_settings,
)
from lakehouse.storage.layout import Layout

if TYPE_CHECKING:
    from lakehouse.quality.report import QualityReport

log = logging.getLogger(__name__)

# At most this many duplicates are marked on a batch's records through a broadcast lookup (each task holds them all,
# about 40 bytes each); more (a whole extract sent again under a new name) are joined by a shuffle instead.
BROADCAST_DUPLICATES = 1_000_000


@dataclass
class SplitOutcome:
    files: list[ParsedFile] = field(default_factory=list)
    counts: dict[str, Counter[str | None]] = field(default_factory=dict)  # source file -> reason -> rows
    moves: list[tuple[str, str]] = field(default_factory=list)
    quality: QualityReport | None = None


def rows_by_outcome(outcome: SplitOutcome, files: list[ParsedFile]) -> tuple[int, int, int]:
    """(Silver rows, quarantined rows, records of erased customers) of these files, from the per-file counts."""
    counts = [outcome.counts.get(parsed.file.path, Counter()) for parsed in files]
    silver_rows = sum(counter[None] for counter in counts)
    erased = sum(counter[c.ERASED_SUBJECT] for counter in counts)
    return silver_rows, sum(sum(counter.values()) for counter in counts) - silver_rows - erased, erased


def _parsed_files(file_rows: list, by_seq: dict[int, BronzeFile]) -> list[ParsedFile]:
    return sorted((
        ParsedFile(
            by_seq[row["_file_seq"]], row["_file_seq"], row["_md5"], row["_records_read"], row["_rejected_reason"],
            tuple(row["_extra_columns"] or ()),
        )
        for row in file_rows
    ), key=lambda parsed: parsed.file_seq)


def _stage_moves(layout: Layout, staged_dir: Path, final_dir: Path, run_id: str) -> list[tuple[str, str]]:
    """(staged, final) root-relative paths of the files Spark wrote; final names start with the run id."""
    moves = []
    for path in silver_io.data_files(staged_dir):
        relative = path.relative_to(staged_dir)
        final = final_dir / relative.parent / f"{run_id}-{relative.name}"
        moves.append((path.relative_to(layout.root).as_posix(), final.relative_to(layout.root).as_posix()))
    return moves


@dataclass(frozen=True)
class StagedDirs:
    """Where one source's batch is staged under `silver/_staging/<run_id>/`, and where each part goes on commit."""

    silver: Path
    quarantine: Path
    keys: Path
    key_dates: Path

    @classmethod
    def of(cls, layout: Layout, run_id: str, source: str) -> StagedDirs:
        run_dir = layout.run_staging(run_id)
        return cls(run_dir / "silver" / source, run_dir / "quarantine" / source, run_dir / "keys" / source,
                   run_dir / "key_dates" / source)

    def moves(self, layout: Layout, source: str, run_id: str) -> list[tuple[str, str]]:
        finals = ((self.silver, layout.silver_table(source)), (self.quarantine, layout.quarantine(source)),
                  (self.keys, layout.key_index(source)), (self.key_dates, layout.key_dates(source)))
        return [move for staged, final in finals for move in _stage_moves(layout, staged, final, run_id)]


def _write_staged(context: RunContext, source: str, classified_df: DataFrame, silver_df: DataFrame,
                  silver_rows: int, quarantined_rows: int, dirs: StagedDirs, spread: bool) -> None:
    """Silver rows, the key index and (transactions) the key-dates index, and the quarantine, all from the one
    persisted classification (`spread`: its rows still lie as the parse tasks left them, `silver.io._in_tasks`),
    side by side (`pipeline.parallel`): the key-dates index is mostly Python work (Bloom filters) and the Silver
    write the JVM's, so together they keep both kinds of worker busy. bronze-to-silver at 2.1M: 46.0, 46.1 s against
    46.8, 47.1 s one after another; a tiny run within noise."""
    config = context.config
    steps: list[Callable[[], None]] = []
    if silver_rows:
        steps.append(partial(silver_io.write_staged_silver, silver_df, source, dirs.silver, silver_rows, spread))
        steps.append(partial(silver_io.write_staged_keys, classified_df.where(F.col("reason").isNull()), dirs.keys,
                             silver_rows, spread))
        if source == c.TRANSACTIONS:
            steps.append(partial(silver_io.write_staged_key_dates, silver_df, dirs.key_dates))
    if quarantined_rows:
        quarantine_df = build_quarantine(classified_df, source, config.run_id, config.started_at)
        steps.append(partial(silver_io.write_staged_quarantine, quarantine_df, dirs.quarantine, quarantined_rows))
    side_by_side(steps)


def _split_source(context: RunContext, source: str, files: list[BronzeFile], first_seq: int, batch_bytes: int,
                  steps: dict[str, float]) -> tuple[SplitOutcome, DataFrame | None]:
    """Parse, classify and stage one source's new files: what came of them, and their Silver rows (persisted) for
    validation (None when no record was accepted). `batch_bytes`: the Bronze bytes of every source's new files, whose
    rows are kept side by side (`spark.keep`)."""
    outcome = SplitOutcome()
    spark, layout, config = context.spark, context.layout, context.config
    by_seq = {first_seq + index: file for index, file in enumerate(files)}
    to_parse = [FileToParse(seq, str(config.root / file.path), file.size, file.path, file.ingest_date)
                for seq, file in by_seq.items()]
    # One pass parses the files and classifies their records (the rule verdicts, erasures and keys), kept with the
    # files' own rows: the file rows are collected from it, and the key lookup, the duplicate check, the counts,
    # every write and validation read its records, so nothing is parsed or classified twice.
    with timed(steps, f"parse:{source}"):
        bronze_df = keep(read_bronze(spark, to_parse, source)
                         .transform(lambda df: classify_rows(df, source))
                         .transform(lambda df: mark_erased(df, source, context.erased))
                         .transform(lambda df: with_key(df, source)), StorageLevel.MEMORY_AND_DISK,
                         object_bytes=batch_bytes * KEPT_BYTES_PER_BRONZE_BYTE)
        context.persisted.append(bronze_df)
        parsed = _parsed_files(file_rows_of(bronze_df).collect(), by_seq)
    outcome.files += parsed
    accepted = [p for p in parsed if p.rejected_reason is None]
    if not any(p.records_read for p in accepted):
        release(bronze_df)
        return outcome, None
    keyed_df = records_of(bronze_df)
    with timed(steps, f"classify:{source}"):
        stored_df = silver_io.key_index_for(spark, layout, source, keyed_df.where(F.col(KEY).isNotNull()))
        duplicates_df = keep(duplicate_records(keyed_df, stored_df), StorageLevel.MEMORY_AND_DISK)
        context.persisted.append(duplicates_df)
        few = duplicates_df.count() <= BROADCAST_DUPLICATES
        classified_df = mark_duplicates(keyed_df, duplicates_df, broadcast=few)
        if not few:  # each use would shuffle the records again
            classified_df = keep(classified_df, StorageLevel.MEMORY_AND_DISK)
            context.persisted.append(classified_df)
        for row in classified_df.groupBy("_source_file", "reason").count().collect():
            outcome.counts.setdefault(row["_source_file"], Counter())[row["reason"]] += row["count"]
    silver_rows, quarantined_rows, _ = rows_by_outcome(outcome, accepted)
    dirs = StagedDirs.of(layout, config.run_id, source)
    silver_df = build_silver(classified_df, source, config.run_id, config.started_at)
    with timed(steps, f"write:{source}"):
        _write_staged(context, source, classified_df, silver_df, silver_rows, quarantined_rows, dirs, spread=few)
    failpoint(f"b2s:staged_silver:{source}")
    outcome.moves += dirs.moves(layout, source, config.run_id)
    return outcome, silver_df


def split_and_validate(context: RunContext, files: list[BronzeFile], steps: dict[str, float]) -> SplitOutcome:
    """Every new file (in landing order) parsed, classified, staged and validated; nothing committed yet. The
    sources share nothing until validation, so they are split side by side (`pipeline.parallel`)."""
    from lakehouse.quality.gx_runner import preload

    preload()  # Great Expectations' import overlaps the Spark work below
    batch_bytes = sum(file.size for file in files)
    with session_settings(context.spark, SMALL_BATCH_SETTINGS if is_small_input(batch_bytes) else {}):
        return _split_and_validate(context, files, batch_bytes, steps)


def _split_and_validate(context: RunContext, files: list[BronzeFile], batch_bytes: int,
                        steps: dict[str, float]) -> SplitOutcome:
    from lakehouse.quality.gx_runner import validate_silver_batches

    by_source = [(source, [file for file in files if file.source == source]) for source in c.SOURCES]
    by_source = [(source, source_files) for source, source_files in by_source if source_files]
    first_seqs = [sum(len(source_files) for _, source_files in by_source[:index]) for index in range(len(by_source))]
    for source, source_files in by_source:
        log.info("splitting %s: %d files", source, len(source_files))
    splits = side_by_side([
        partial(_split_source, context, source, source_files, first_seq, batch_bytes, steps)
        for (source, source_files), first_seq in zip(by_source, first_seqs, strict=True)
    ])
    outcome = SplitOutcome()
    batches: dict[str, DataFrame] = {}
    expected: dict[str, int] = {}
    for (source, _), (split, silver_df) in zip(by_source, splits, strict=True):
        outcome.files += split.files
        outcome.counts.update(split.counts)
        outcome.moves += split.moves
        if silver_df is not None:
            accepted = [p for p in split.files if p.rejected_reason is None]
            table = c.SOURCE_SPECS[source].silver_table
            batches[table] = silver_df
            # Conservation (§3.4): what the parser read, less what was quarantined or erased (§8), must be in the
            # Silver batch.
            _, quarantined_rows, erased = rows_by_outcome(split, accepted)
            expected[table] = sum(p.records_read for p in accepted) - quarantined_rows - erased
    log.info("validating %d Silver batches with Great Expectations", len(batches))
    with timed(steps, "validate"):
        outcome.quality = validate_silver_batches(
            batches, expected, docs_dir=str(context.layout.data_docs), run_id=context.config.run_id
        )
    return outcome
