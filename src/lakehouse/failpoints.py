"""Named crash points, for the tests that kill real runs (contract §5, crash safety).

When the environment variable LAKEHOUSE_CRASH_AT names a point, the process sends itself SIGKILL on reaching it,
and first to the Spark JVM it started, if any: no cleanup, no `finally`, exactly like a machine that dies there.
(Left alive, that JVM would finish its running tasks after the driver was gone, writing into the killed run's
staging folder while the next run was clearing it.) Unset (always, outside those tests), a failpoint is a
dictionary lookup.
"""

from __future__ import annotations

import os
import signal
import sys

ENV = "LAKEHOUSE_CRASH_AT"


def failpoint(name: str) -> None:
    if os.environ.get(ENV) == name:
        _kill_local_jvm()
        os.kill(os.getpid(), signal.SIGKILL)


def _kill_local_jvm() -> None:
    """SIGKILL the JVM PySpark launched from this process (a local session), if it did."""
    if "pyspark" not in sys.modules:
        return
    from pyspark import SparkContext

    launched = getattr(SparkContext._gateway, "proc", None)
    if launched is not None:
        os.kill(launched.pid, signal.SIGKILL)
