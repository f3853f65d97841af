"""Silver's files without one customer's rows (contract §8, forget), read and rewritten with pyarrow, file by file.

Silver, the quarantine and the key index are plain Parquet files that readers list by directory: a file is rewritten
beside itself under a name readers skip (a leading `.`) and renamed over the original, so a reader sees the old file
or the new one, and a rewrite killed half-way leaves the original whole (`lakehouse forget` run again finishes it).
A file left with no row is deleted. Every other row, its columns and its Parquet schema (with Spark's own schema in
the file's metadata) stay as they were.

What holds the id: a Silver row's `customer_id`; a quarantine row whose raw field at the position of `customer_id` in
its Bronze file's header equals it once trimmed (the field the row rules read, as `bronze.erase` cuts Bronze); a
key-index entry of a customers' change (`lsn|seqval|operation|customer_id`, `silver.classify.dedup_key`).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lakehouse import contract as c
from lakehouse.bronze.csv_reader import ASCII_WHITESPACE, FileRejected
from lakehouse.bronze.fast_csv import parse_bronze
from lakehouse.silver import io as silver_io
from lakehouse.silver.classify import KEY, SUBJECT_COLUMN, SUBJECT_SOURCES
from lakehouse.storage.layout import Layout

Selector = Callable[[pa.Table], pa.Array]  # a file's rows -> which of them hold the subject


def _holds_in_column(column: str, subject: str) -> Selector:
    return lambda table: pc.fill_null(pc.equal(table.column(column), subject), False)


def _holds_key_suffix(subject: str) -> Selector:
    return lambda table: pc.fill_null(pc.ends_with(table.column(KEY), f"|{subject}"), False)


class _QuarantineSelector:
    """Quarantine rows whose raw field at the Bronze header's position of `customer_id` is the subject."""

    def __init__(self, root: Path, source: str, subject: str):
        self.root, self.source, self.subject = root, source, subject
        self.positions: dict[str, int | None] = {}

    def _position(self, source_file: str) -> int | None:
        if source_file not in self.positions:
            required = c.SOURCE_SPECS[self.source].required_columns
            try:
                header, _ = parse_bronze((self.root / source_file).read_bytes(), required)
                self.positions[source_file] = header.positions[list(required).index(SUBJECT_COLUMN)]
            except (OSError, FileRejected):
                self.positions[source_file] = None
        return self.positions[source_file]

    def _holds(self, source_file: str, raw: str) -> bool:
        position = self._position(source_file)
        fields = json.loads(raw)
        return position is not None and position < len(fields) and \
            fields[position].strip(ASCII_WHITESPACE) == self.subject

    def __call__(self, table: pa.Table) -> pa.Array:
        candidates = pc.fill_null(pc.match_substring(table.column("raw"), self.subject), False).to_pylist()
        files, raws = table.column("_source_file").to_pylist(), table.column("raw").to_pylist()
        return pa.array([bool(candidate) and self._holds(file, raw)
                         for candidate, file, raw in zip(candidates, files, raws, strict=True)])


def _targets(layout: Layout, subject: str) -> list[tuple[str, Path, Selector]]:
    """(what, directory, selector) of every Silver folder that can hold the subject."""
    targets: list[tuple[str, Path, Selector]] = []
    for source in SUBJECT_SOURCES:
        table = c.SOURCE_SPECS[source].silver_table
        targets.append((f"silver/{table}", layout.silver_table(source), _holds_in_column(SUBJECT_COLUMN, subject)))
        targets.append((f"quarantine/{source}", layout.quarantine(source),
                        _QuarantineSelector(layout.root, source, subject)))
    targets.append((f"key index/{c.CUSTOMERS}", layout.key_index(c.CUSTOMERS), _holds_key_suffix(subject)))
    return targets


def read_file(path: Path) -> pa.Table:
    return pq.ParquetFile(path).read()  # this file only: no partition columns taken from the directory names


def find(layout: Layout, subject: str) -> dict[str, Counter[str]]:
    """What holds the subject: per target, rows per `_source_file` (the key index: per index file)."""
    found: dict[str, Counter[str]] = {}
    for what, directory, selector in _targets(layout, subject):
        for path in silver_io.data_files(directory):
            table = read_file(path)
            held = table.filter(selector(table))
            if held.num_rows:
                names = held.column("_source_file").to_pylist() if "_source_file" in held.column_names \
                    else [path.relative_to(layout.root).as_posix()] * held.num_rows
                found.setdefault(what, Counter()).update(names)
    return found


def erase(layout: Layout, subject: str) -> dict[str, int]:
    """Rewrite every file holding the subject without its rows; rows removed per target."""
    removed: Counter[str] = Counter()
    for what, directory, selector in _targets(layout, subject):
        for path in silver_io.data_files(directory):
            table = read_file(path)
            holds = selector(table)
            count = pc.sum(holds).as_py() or 0
            if count:
                _replace(path, table.filter(pc.invert(holds)))
                removed[what] += count
    return dict(removed)


def rows_per_file(layout: Layout, source: str) -> tuple[Counter[str], Counter[str]]:
    """(Silver rows, quarantined rows) per `_source_file` of a source, as the files hold them now."""
    counts = []
    for directory in (layout.silver_table(source), layout.quarantine(source)):
        counter: Counter[str] = Counter()
        for path in silver_io.data_files(directory):
            counter.update(pq.ParquetFile(path).read(columns=["_source_file"]).column(0).to_pylist())
        counts.append(counter)
    return counts[0], counts[1]


def _replace(path: Path, table: pa.Table) -> None:
    if not table.num_rows:
        path.unlink()
        return
    write_file(table, path, temporary=path.with_name(f".forget-{path.name}"))


def write_file(table: pa.Table, path: Path, temporary: Path) -> None:
    """`table` as the Parquet file `path`, whole or not at all: written to `temporary` (a name readers skip), synced,
    renamed. Timestamps as Spark writes them (INT96 instants, its default), so the rows read back as Spark's."""
    pq.write_table(table, temporary, use_deprecated_int96_timestamps=True)
    with open(temporary, "rb") as file:
        os.fsync(file.fileno())
    os.replace(temporary, path)
