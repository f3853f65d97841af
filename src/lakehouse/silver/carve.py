"""A root's Silver and quarantine without the rows of some Bronze files, into another root (contract §8: a rebuild of
an `ingest_date` range starts from the Silver the files outside the range left).

File by file with pyarrow: a file none of whose rows came from a dropped Bronze file is linked (copied where the file
system has no hard links), one with some is written without them (Spark's INT96 timestamps kept, `silver.erase`), one
with only such rows is left out. Names and partition folders stay as they were: Gold finds a run's Silver files by
their run-id prefix (`silver.io.read_silver_of_files`). The key indexes are not carved (their entries name no file):
`silver.io.index_silver` derives them from the carved rows.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from lakehouse import contract as c
from lakehouse.silver import io as silver_io
from lakehouse.silver.erase import read_file, write_file
from lakehouse.storage.layout import Layout


def carve(source: Layout, target: Layout, dropped: frozenset[str]) -> None:
    """Copy `source`'s Silver tables and quarantine into `target` without the rows whose `_source_file` is in
    `dropped`."""
    for name in c.SOURCES:
        for from_dir, to_dir in ((source.silver_table(name), target.silver_table(name)),
                                 (source.quarantine(name), target.quarantine(name))):
            for path in silver_io.data_files(from_dir):
                _carve_file(path, to_dir / path.relative_to(from_dir), dropped)


def _carve_file(path: Path, target: Path, dropped: frozenset[str]) -> None:
    table = read_file(path)
    is_dropped = pc.is_in(table.column("_source_file"), value_set=pa.array(sorted(dropped), pa.string()))
    count = pc.sum(is_dropped).as_py() or 0
    if count == table.num_rows:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if count:
        write_file(table.filter(pc.invert(is_dropped)), target, temporary=target.with_name(f".carve-{target.name}"))
    else:
        link_or_copy(path, target)


def link_or_copy(path: Path, target: Path) -> None:
    """`target` as a hard link to `path` (same bytes, size and modification time), a copy of it where the file system
    has no hard links (Unity Catalog volumes)."""
    try:
        os.link(path, target)
    except OSError:
        shutil.copy2(path, target)
