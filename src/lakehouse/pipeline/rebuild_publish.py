"""Publishing a rebuild (contract §8, §5): the scratch root's Silver, manifests and Gold made the root's, crash-safely.

`pipeline.rebuild` reprocesses the Bronze files in a scratch root under `ops/_rebuild/<run_id>/`, which no reader
of the root looks at. Once that succeeded it writes `_PUBLISH.json` there, atomically; from then on the rebuild
happens whatever stops it, because every job of the root (`finish_rebuilds`, called under the root lease before
anything else) completes a published rebuild and deletes an unpublished one. Each step is idempotent:
- Silver (tables, quarantine, key indexes): the root's `silver/` is renamed into the scratch folder, then the
  scratch's `silver/` into the root: two renames, each done at most once (the folders say which were done);
- `ops/file_manifest` and `ops/gold_manifest` replaced by the scratch's, and every Gold table built from Silver
  overwritten with the scratch's rows, each in one commit whose idempotency key names the rebuild: a new version,
  the older ones kept (time travel to before the rebuild still works);
- the scratch's rows of `gold/data_quality`, `ops/quality_results` and `ops/pipeline_runs` appended (these record
  runs: the root keeps its earlier runs' rows);
- the scratch folder deleted, and with it the Silver it replaced.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql.types import StructType

from lakehouse.failpoints import failpoint
from lakehouse.gold import tables as gold_tables
from lakehouse.storage import ops_tables
from lakehouse.storage.delta_tables import Commit, DeltaEngine, Rows
from lakehouse.storage.layout import Layout

log = logging.getLogger(__name__)

JOB = "rebuild"
PUBLISH_FILE = "_PUBLISH.json"
REPLACED_OPS = (ops_tables.FILE_MANIFEST, ops_tables.GOLD_MANIFEST)  # what the root has processed: the scratch's
APPENDED_OPS = (ops_tables.QUALITY_RESULTS, ops_tables.PIPELINE_RUNS)  # records of runs: the root keeps its own


@dataclass(frozen=True)
class Published:
    run_id: str
    gold_versions: dict[str, int | None]  # each Gold table's version after the rebuild


def scratch_of(layout: Layout, run_id: str) -> Path:
    return layout.rebuilds / run_id


def mark_published(scratch: Path, run_id: str) -> None:
    """The rebuild's point of no return: written atomically (write, fsync, rename)."""
    temporary = scratch / f"{PUBLISH_FILE}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump({"run_id": run_id}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, scratch / PUBLISH_FILE)


def finish_rebuilds(layout: Layout, engine: DeltaEngine) -> list[str]:
    """Complete every published rebuild left by a killed run and delete every unpublished one; the completed ids."""
    completed: list[str] = []
    if not layout.rebuilds.is_dir():
        return completed
    for scratch in sorted(layout.rebuilds.iterdir()):
        if (scratch / PUBLISH_FILE).is_file():
            run_id = json.loads((scratch / PUBLISH_FILE).read_text(encoding="utf-8"))["run_id"]
            publish(layout, engine, run_id)
            completed.append(run_id)
        else:
            log.warning("deleting the unfinished rebuild %s (it was stopped before it published anything)",
                        scratch.name)
            remove_scratch(layout, scratch)
    return completed


def publish(layout: Layout, engine: DeltaEngine, run_id: str) -> Published:
    scratch = scratch_of(layout, run_id)
    source = Layout(scratch)
    _swap_silver(layout, scratch)
    failpoint("rebuild:silver_swapped")
    commit = Commit(run_id, JOB, f"{JOB}:{run_id}")
    for name in REPLACED_OPS:
        _overwrite(engine, source.ops_table(name), layout.ops_table(name), ops_tables.SCHEMAS[name], (), commit)
    for table in gold_tables.FROM_SILVER:
        _overwrite(engine, source.gold_table(table.name), layout.gold_table(table.name), table.schema,
                   table.partition_by, commit, table.statistics_columns)
        failpoint(f"rebuild:published:{table.name}")
    quality = gold_tables.DATA_QUALITY
    _append(engine, source.gold_table(quality.name), layout.gold_table(quality.name), quality.schema,
            quality.partition_by, commit)
    for name in APPENDED_OPS:
        _append(engine, source.ops_table(name), layout.ops_table(name), ops_tables.SCHEMAS[name], (), commit)
    failpoint("rebuild:before_cleanup")
    versions = {table.name: engine.version(layout.gold_table(table.name)) for table in gold_tables.ALL}
    remove_scratch(layout, scratch)
    return Published(run_id, versions)


def remove_scratch(layout: Layout, scratch: Path) -> None:
    """The scratch root, and `ops/_rebuild` itself once no other rebuild's scratch is left in it."""
    shutil.rmtree(scratch, ignore_errors=True)
    with contextlib.suppress(OSError):  # not empty, or already gone
        layout.rebuilds.rmdir()


def _swap_silver(layout: Layout, scratch: Path) -> None:
    new_silver, old_silver = scratch / "silver", scratch / "silver_before"
    if not new_silver.is_dir():
        return  # both renames done
    root_silver = layout.root / "silver"
    if root_silver.exists() and not old_silver.exists():
        os.replace(root_silver, old_silver)
    failpoint("rebuild:silver_set_aside")
    os.replace(new_silver, root_silver)


def _overwrite(engine: DeltaEngine, source: Path, target: Path, schema: StructType, partition_by: tuple[str, ...],
               commit: Commit, statistics_columns: int | None = None) -> None:
    if not engine.exists(source) and not engine.exists(target):
        return
    engine.replace(engine.read(source, schema), target, schema, partition_by, Rows.all(), commit, statistics_columns)


def _append(engine: DeltaEngine, source: Path, target: Path, schema: StructType, partition_by: tuple[str, ...],
            commit: Commit) -> None:
    if engine.exists(source):
        engine.append(engine.read(source, schema), target, schema, commit, partition_by)
