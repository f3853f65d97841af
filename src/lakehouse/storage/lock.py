"""One writer per root (contract §5): an exclusive lock that the operating system drops when its holder dies.

`flock` is released by the kernel when the process ends, however it ends (SIGKILL included), so a killed run
never leaves a lock that blocks forever. The file's content only names the holder for the error message.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from lakehouse.errors import UserError
from lakehouse.storage.layout import Layout


@contextmanager
def root_lock(lock_file: Path, run_id: str, job: str) -> Iterator[None]:
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(f"root {lock_file.parent.parent} is in use by another run ({_holder(fd)}); "
                            "wait for it to finish") from None
        holder = {"run_id": run_id, "job": job, "pid": os.getpid(), "host": socket.gethostname(),
                  "since": datetime.now(UTC).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextmanager
def locked_root(layout: Layout, run_id: str, job: str) -> Iterator[None]:
    """A job's whole run: the root lock held, and a root it may not write turned into one sentence."""
    try:
        with root_lock(layout.lock_file, run_id, job):
            yield
    except PermissionError as error:
        raise UserError(f"cannot write under root {layout.root}: {error.strerror} ({error.filename})") from None


def _holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        return "holder unknown"
    if not info:
        return "holder unknown"
    return f"run {info.get('run_id')} ({info.get('job')}), pid {info.get('pid')} on {info.get('host')} " \
           f"since {info.get('since')}"
