"""Named crash points, for the tests that kill real runs (contract §5, crash safety).

When the environment variable LAKEHOUSE_CRASH_AT names a point, the process sends itself SIGKILL on reaching it:
no cleanup, no `finally`, exactly like a machine that dies there. Unset (always, outside those tests), a
failpoint is a dictionary lookup.
"""

from __future__ import annotations

import os
import signal

ENV = "LAKEHOUSE_CRASH_AT"


def failpoint(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
