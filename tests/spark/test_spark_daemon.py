"""lakehouse.spark_daemon: a zip importer re-reads its archive only when the archive changed, and a local session's
Python workers run under it.

The importer's behaviour is checked in a separate interpreter (the change is process-wide), against what
invalidation must keep doing: a module added to an archive after the first import is found after
`importlib.invalidate_caches()`, and an unchanged archive is not read again.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

SCRIPT = textwrap.dedent("""
    import importlib, os, sys, zipfile, zipimport
    from lakehouse import spark_daemon

    archive = sys.argv[1]
    sys.path.insert(0, archive)
    reads = []
    original_read = zipimport._read_directory
    zipimport._read_directory = lambda path: reads.append(path) or original_read(path)
    assert spark_daemon.install() and not spark_daemon.install()  # once only

    import first
    assert first.VALUE == 1
    spark_daemon.remember_read_archives()
    reads.clear()
    for _ in range(5):
        importlib.invalidate_caches()
    unchanged_reads = len(reads)

    with zipfile.ZipFile(archive, "a") as zf:  # a new module, as a job shipping a new version would
        zf.writestr("second.py", "VALUE = 2\\n")
    os.utime(archive, ns=(1, 1))  # a different modification time even on a coarse clock
    importlib.invalidate_caches()
    changed_reads = len(reads) - unchanged_reads
    import second
    print(unchanged_reads, changed_reads, second.VALUE)
""")


def test_an_unchanged_archive_is_not_read_again_and_a_changed_one_is(tmp_path: Path) -> None:
    archive = tmp_path / "code.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("first.py", "VALUE = 1\n")
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(archive)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    unchanged_reads, changed_reads, value = map(int, result.stdout.split())
    assert unchanged_reads == 0
    assert changed_reads >= 1 and value == 2


def test_the_sessions_python_workers_run_under_the_daemon(spark) -> None:
    """The local session's setting reaches the workers: a Python task sees the changed importer."""
    import zipimport

    def flags(batches):
        import pyarrow as pa

        changed = bool(getattr(zipimport.zipimporter.invalidate_caches, "_lakehouse", False))
        for batch in batches:
            yield pa.RecordBatch.from_pydict({"changed": [changed] * batch.num_rows})

    seen = spark.range(4).repartition(2).mapInArrow(flags, "changed boolean").collect()
    assert [row.changed for row in seen] == [True] * 4
