"""The Python daemon of a local session's workers: PySpark's own (`pyspark.daemon`), with one cost taken out.

Before every task a PySpark worker calls `importlib.invalidate_caches()` (after adding the job's files to its path).
On Python 3.11 that makes every `zipimport.zipimporter` on the worker re-read its archive's whole directory at once,
and Spark puts archives on the worker's path: pyspark.zip, py4j's zip and spark-core's jar (5,261 entries, no Python
in it), each with one importer per package imported from it. Measured here: 0.14 s per task on a quiet machine, 0.8 s
on a loaded one, before the task does anything; a run's small Python tasks (the per-file parse, any frame built from
Python rows) paid it every time.

Here an importer re-reads its archive only when the file changed (size, modification time or inode), which is what
invalidation is for: a file the job added is a new path with an importer of its own, read when first used. Set for
local sessions (and clusters started from a laptop) by `lakehouse.spark` through `spark.python.daemon.module`; the
workers are forked from this process, so they inherit the change. Where `zipimport` is not as expected (another
Python), the daemon is PySpark's unchanged.
"""

from __future__ import annotations

import os
import zipimport
from typing import Any

_stamps: dict[str, tuple[int, int, int]] = {}


def _stamp(archive: str) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(archive)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns, stat.st_ino


def install() -> bool:
    """Make zip importers re-read an archive's directory only when it changed; False where that cannot be done."""
    cache: Any = getattr(zipimport, "_zip_directory_cache", None)
    original = getattr(zipimport.zipimporter, "invalidate_caches", None)
    if not isinstance(cache, dict) or original is None or getattr(original, "_lakehouse", False):
        return False

    def invalidate_caches(self: Any) -> None:
        stamp = _stamp(self.archive)
        if stamp is not None and _stamps.get(self.archive) == stamp and self.archive in cache:
            self._files = cache[self.archive]
            return
        original(self)
        if stamp is not None:
            _stamps[self.archive] = stamp

    invalidate_caches._lakehouse = True  # type: ignore[attr-defined]
    zipimport.zipimporter.invalidate_caches = invalidate_caches  # type: ignore[method-assign]
    return True


def remember_read_archives() -> None:
    """The archives read so far are current: stamp them here, in the daemon, so that the workers it forks do not
    each re-read them once."""
    for archive in list(getattr(zipimport, "_zip_directory_cache", {})):
        stamp = _stamp(archive)
        if stamp is not None:
            _stamps.setdefault(archive, stamp)


if __name__ == "__main__":
    installed = install()
    from pyspark import daemon

    if installed:
        remember_read_archives()
    daemon.manager()
