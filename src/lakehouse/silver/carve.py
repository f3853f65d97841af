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
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from lakehouse import contract as c
from lakehouse.silver import io as silver_io
from lakehouse.silver.erase import read_file, write_file
from lakehouse.storage.layout import Layout


def carve(source: Layout, target: Layout, dropped: frozenset[str]) -> Counter[str]:
    """Copy `source`'s Silver tables and quarantine into `target` without the rows whose `_source_file` is in
    `dropped`; rows left out per folder (`silver/<table>`, `quarantine/<source>`)."""
    left_out: Counter[str] = Counter()
    for name in c.SOURCES:
        table = c.SOURCE_SPECS[name].silver_table
        folders = ((f"silver/{table}", source.silver_table(name), target.silver_table(name)),
                   (f"quarantine/{name}", source.quarantine(name), target.quarantine(name)))
        for what, from_dir, to_dir in folders:
            for path in silver_io.data_files(from_dir):
                left_out[what] += _carve_file(path, to_dir / path.relative_to(from_dir), dropped)
    return left_out


def _carve_file(path: Path, target: Path, dropped: frozenset[str]) -> int:
    table = read_file(path)
    is_dropped = pc.is_in(table.column("_source_file"), value_set=pa.array(sorted(dropped), pa.string()))
    count = pc.sum(is_dropped).as_py() or 0
    if count == table.num_rows:
        return count
    target.parent.mkdir(parents=True, exist_ok=True)
    if count:
        write_file(table.filter(pc.invert(is_dropped)), target, temporary=target.with_name(f".carve-{target.name}"))
        return count
    try:
        os.link(path, target)
    except OSError:
        shutil.copy2(path, target)
    return 0
