"""`silver.io`'s view of a Silver table's files: which data files a set of partition dates holds, and their size (what
silver-to-gold sizes its kept fact rows by, `spark.keep`)."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq

from lakehouse import contract as c
from lakehouse.silver import io as silver_io
from lakehouse.storage.layout import Layout

DAYS = (date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3))


def _day_folder(layout: Layout, day: date):
    folder = layout.silver_table(c.TRANSACTIONS) / f"{c.SOURCE_SPECS[c.TRANSACTIONS].partition_column}={day}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_partition_files_are_the_data_files_of_the_named_days_only_and_their_bytes_add_up(tmp_path):
    layout = Layout(tmp_path)
    sizes = {}
    for index, day in enumerate(DAYS):
        folder = _day_folder(layout, day)
        for part in range(index + 1):
            path = folder / f"run-part-{part}.parquet"
            pq.write_table(pa.table({"value": list(range(100 * (index + 1) * (part + 1)))}), path)
            sizes[path] = path.stat().st_size
        (folder / "_SUCCESS").write_bytes(b"")  # Spark's side files are no data
        (folder / ".run-part-0.parquet.crc").write_bytes(b"12345678")
    wanted = [DAYS[2], DAYS[0], DAYS[2], date(2026, 4, 1)]  # unordered, repeated, and a day without a folder

    files = silver_io.partition_files(layout, c.TRANSACTIONS, wanted)

    assert sorted(files) == sorted(path for path in sizes if path.parent.name.endswith((str(DAYS[0]), str(DAYS[2]))))
    assert len(files) == len(set(files)) == 4
    assert silver_io.files_bytes(files) == sum(sizes[path] for path in files)
    assert silver_io.partition_files(layout, c.TRANSACTIONS, []) == []
    assert silver_io.files_bytes([]) == 0
