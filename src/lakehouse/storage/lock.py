"""One writer per root (contract §5): a flock on this machine first, then the root's lease (storage/lease.py).

The lease holds wherever the root lives, across machines, and ends by itself when its holder dies: its records expire
one TTL after their last renewal. The flock on `ops/_lock` is a fast path on one machine: the kernel drops it when its
holder ends, however it ends (SIGKILL included), so a second run here is refused at once, and a run that gets the flock
knows that a lease record of this host is left over from a dead process. The lock file's content only names the
holder for the error message.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from lakehouse.errors import UserError
from lakehouse.storage.layout import Layout
from lakehouse.storage.lease import RootLease, refusal

log = logging.getLogger(__name__)

_FLOCK_UNSUPPORTED = {errno.ENOLCK, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}


@contextmanager
def root_lock(layout: Layout, run_id: str, job: str) -> Iterator[RootLease]:
    """The root's lease held for the block, checked once more on a normal exit, then released."""
    fd = _take_flock(layout)
    try:
        lease = RootLease(layout, run_id, job, holds_host_lock=fd is not None)
        lease.acquire()
        try:
            if fd is not None:
                _write_holder(fd, {"run_id": run_id, "job": job, "pid": os.getpid(), "host": lease.host,
                                   "since": lease.acquired_at.isoformat(timespec="seconds")})
            yield lease
            lease.check()
        finally:
            lease.release()  # before the flock: a run of this host that gets the flock may take the lease at once
    finally:
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the flock


@contextmanager
def locked_root(layout: Layout, run_id: str, job: str) -> Iterator[RootLease]:
    """A job's whole run: the root lock held, and a root it may not write turned into one sentence."""
    try:
        with root_lock(layout, run_id, job) as lease:
            yield lease
    except PermissionError as error:
        raise UserError(f"cannot write under root {layout.root}: {error.strerror} ({error.filename})") from None


def _take_flock(layout: Layout) -> int | None:
    """flock on ops/_lock, refused at once if another process of this machine holds it; None where there is none."""
    layout.lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(layout.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        raise refusal(layout.root, holder) from None
    except OSError as error:
        os.close(fd)
        if error.errno not in _FLOCK_UNSUPPORTED:
            raise
        log.debug("no flock on %s (%s): the lease alone decides", layout.lock_file, error)
        return None
    return fd


def _write_holder(fd: int, holder: dict) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(holder).encode(), 0)


def _holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        return "holder unknown"
    if not info:
        return "holder unknown"
    return f"run {info.get('run_id')} ({info.get('job')}), pid {info.get('pid')} on {info.get('host')} " \
           f"since {info.get('since')}"
