"""One writer per root wherever the root lives (contract §5): a lease made of immutable, numbered records.

`flock` holds only within one machine: two Databricks clusters on one Unity Catalog volume would both get it. The
lease lives in the root itself, as records `ops/_lease/<generation>.json` that are never changed once written. Taking,
renewing or releasing the lease means creating the next generation with an exclusive create, so of two contenders for
one generation exactly one wins, on any store whose exclusive create is atomic. Only the latest generation counts.
Each record carries an expiry: a holder renews it every third of its TTL, and a holder that dies without releasing
stops renewing, so its lease ends by itself.

A record is written under a temporary name and hard-linked to its final one: `link` fails if the name exists, and a
reader never sees half a record. Where hard links are not supported (Unity Catalog volume FUSE mounts, delta-rs issue
2540) it is created with O_CREAT|O_EXCL and then written, so a reader takes an empty or partial record for one being
written, and one that stays partial for a whole TTL (after its mtime) for one whose writer died.

On one machine, storage/lock.py takes a `flock` first as a fast path; a run that holds it tells the lease so, and a
record of this host is then known to be stale (the kernel drops a flock with its holder, however it died). Without
it, a record of this host is stale when its pid is gone; a record of another host, when it expires.
"""

from __future__ import annotations

import errno
import json
import logging
import math
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lakehouse.errors import UserError
from lakehouse.storage.layout import Layout

log = logging.getLogger(__name__)

TTL_ENV = "LAKEHOUSE_LEASE_TTL_S"
DEFAULT_TTL_S = 120.0
KEEP_GENERATIONS = 10  # older records are deleted after each successful create
PARTIAL_READ_WAIT_S = 1.0  # how long a reader waits for a record written without hard links to be complete
_RECORD_NAME = re.compile(r"^(\d{20})\.json$")
_TEMP_NAME = re.compile(r"^\.(\d{20})\.[0-9a-f]+\.tmp$")
_LINKS_UNSUPPORTED = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.ENOSYS}

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def lease_ttl_s() -> float:
    """The lease's time to live: $LAKEHOUSE_LEASE_TTL_S seconds, else two minutes."""
    raw = os.environ.get(TTL_ENV, "").strip()
    if not raw:
        return DEFAULT_TTL_S
    try:
        ttl = float(raw)
    except ValueError:
        ttl = math.nan
    if not (math.isfinite(ttl) and ttl > 0):
        raise UserError(f"${TTL_ENV} must be a positive number of seconds, not {raw!r}")
    return ttl


@dataclass(frozen=True)
class LeaseRecord:
    generation: int
    state: str  # "held" or "released"
    expires_at: datetime
    run_id: str | None = None
    job: str | None = None
    host: str | None = None
    pid: int | None = None
    token: str | None = None
    acquired_at: datetime | None = None
    is_partial: bool = False  # created without hard links and not (yet) completely written

    def describe(self) -> str:
        expires = self.expires_at.isoformat(timespec="seconds")
        if self.is_partial:
            return f"a run whose lease record {self.generation} is being written, lease expires {expires}"
        since = self.acquired_at.isoformat(timespec="seconds") if self.acquired_at else "?"
        return f"run {self.run_id} ({self.job}), pid {self.pid} on {self.host} since {since}, lease expires {expires}"


def refusal(root: Path, holder: str) -> UserError:
    return UserError(f"root {root} is in use by another run ({holder}); wait for it to finish")


class RootLease:
    """The write lease of one root for one run: `acquire()`, `check()` before each commit point, `release()`.

    `holds_host_lock`: the caller holds this host's flock on the root (storage/lock.py), so no other process of this
    host holds the lease. `host`, `clock` and `heartbeat=False` let tests play several machines and drive time.
    """

    def __init__(self, layout: Layout, run_id: str, job: str, *, ttl_s: float | None = None,
                 holds_host_lock: bool = False, heartbeat: bool = True, host: str | None = None,
                 clock: Clock = utc_now) -> None:
        self.layout = layout
        self.run_id = run_id
        self.job = job
        self.ttl = timedelta(seconds=ttl_s if ttl_s is not None else lease_ttl_s())
        self.host = host or socket.gethostname()
        self._holds_host_lock = holds_host_lock
        self._use_links = True
        self._heartbeat = heartbeat
        self._clock = clock
        self._token = secrets.token_hex(16)
        self._generation: int | None = None  # of our latest record while we hold the lease
        self._acquired_at: datetime | None = None
        self._expires_at: datetime | None = None
        self._lost_to: LeaseRecord | None = None
        self._is_lost = False
        self._mutex = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def acquired_at(self) -> datetime:
        if self._acquired_at is None:
            raise RuntimeError("the lease was never acquired")
        return self._acquired_at

    # -- the lease's life ------------------------------------------------------------------------------------------

    def acquire(self) -> None:
        """Take the lease, or refuse with the holder named (UserError)."""
        self._take()
        if self._heartbeat:
            self._thread = threading.Thread(target=self._beat, name=f"lakehouse-lease-{self.run_id}", daemon=True)
            self._thread.start()

    def renew(self) -> bool:
        """Push the expiry one TTL ahead; False once the lease is lost (another run took it after ours expired)."""
        with self._mutex:
            if self._generation is None or self._is_lost:
                return False
            if self._create(self._generation + 1, "held"):
                return True
            self._mark_lost(self.latest())
            log.error("%s; the run must stop", self._lost_message())
            return False

    def check(self) -> None:
        """Raise UserError unless we still hold the lease: call before each commit point."""
        with self._mutex:
            if self._is_lost:
                raise UserError(self._lost_message())
            if self._generation is None or self._expires_at is None:
                raise UserError(f"run {self.run_id} does not hold the lease of root {self.layout.root}")
            latest = self.latest()
            if latest is None or latest.token != self._token:
                self._mark_lost(latest)
                raise UserError(self._lost_message())
            if self._clock() >= self._expires_at:  # nobody took it yet, but anybody may from now on
                raise UserError(f"the root lease of run {self.run_id} on {self.layout.root} expired at "
                                f"{_iso(self._expires_at)} before it could be renewed; stopping before writing more")

    def release(self) -> None:
        """Give the lease back (a `released` record). Never raises: it runs in `finally` blocks."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        try:
            with self._mutex:
                generation = self._generation
                if generation is not None and not self._is_lost and not self._create(generation + 1, "released"):
                    self._mark_lost(self.latest())
                    log.error("%s before releasing it", self._lost_message())
        except OSError as error:
            log.error("run %s could not release the lease of root %s (%s); it ends by itself at %s",
                      self.run_id, self.layout.root, error, _iso(self._expires_at))
        finally:
            self._generation = None

    # -- reading -----------------------------------------------------------------------------------------------------

    def latest(self) -> LeaseRecord | None:
        """The record of the highest generation (None on a root never leased)."""
        deadline = time.monotonic() + PARTIAL_READ_WAIT_S
        while True:
            generations = self._generations()
            if not generations:
                return None
            path = self._record_path(generations[-1])
            try:
                modified = path.stat().st_mtime
                record = _parse(generations[-1], path.read_bytes())
            except FileNotFoundError:
                continue  # deleted by housekeeping, so newer records exist: list again
            if record is not None:
                return record
            if time.monotonic() >= deadline:  # still partial: its writer may have died; it ends one TTL after
                expires = datetime.fromtimestamp(modified, UTC) + self.ttl
                return LeaseRecord(generations[-1], "held", expires, is_partial=True)
            time.sleep(0.05)

    def _is_free(self, record: LeaseRecord | None) -> bool:
        if record is None or record.state == "released" or record.expires_at <= self._clock():
            return True
        if record.is_partial or record.host != self.host:
            return False
        # Same host: a live holder would hold the flock we hold now; without the flock, ask whether its pid lives.
        return self._holds_host_lock or not _pid_alive(record.pid)

    def _generations(self) -> list[int]:
        try:
            names = os.listdir(self.layout.lease_dir)
        except FileNotFoundError:
            return []
        return sorted(int(match[1]) for name in names if (match := _RECORD_NAME.match(name)))

    def _record_path(self, generation: int) -> Path:
        return self.layout.lease_dir / f"{generation:020d}.json"

    # -- writing -----------------------------------------------------------------------------------------------------

    def _take(self) -> None:
        self.layout.lease_dir.mkdir(parents=True, exist_ok=True)
        current = self.latest()
        if not self._is_free(current):
            raise refusal(self.layout.root, current.describe() if current else "holder unknown")
        self._acquired_at = self._clock()
        if not self._create(current.generation + 1 if current else 1, "held"):
            winner = self.latest()  # another run took this generation first
            raise refusal(self.layout.root, winner.describe() if winner else "holder unknown")

    def _create(self, generation: int, state: str) -> bool:
        """Create our record of `generation`; False if another run's record of it, or a newer one, exists."""
        now = self._clock()
        expires_at = now + self.ttl if state == "held" else now
        record = {"state": state, "run_id": self.run_id, "job": self.job, "host": self.host, "pid": os.getpid(),
                  "token": self._token, "acquired_at": _iso(self._acquired_at), "expires_at": _iso(expires_at)}
        try:
            self._create_exclusive(self._record_path(generation), json.dumps(record).encode())
        except FileExistsError:
            return False
        if max(self._generations(), default=generation) > generation:
            # Our generation had been taken and cleaned up by housekeeping while we were paused: the lease moved on.
            return False
        self._generation, self._expires_at = generation, expires_at
        self._housekeep(generation)
        return True

    def _create_exclusive(self, final: Path, payload: bytes) -> None:
        if self._use_links:
            temp = final.with_name(f".{final.stem}.{secrets.token_hex(8)}.tmp")
            try:
                _write_and_close(os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644), payload)
                os.link(temp, final)  # atomic, fails if `final` exists; readers never see a partial record
                return
            except OSError as error:
                if isinstance(error, FileExistsError) or error.errno not in _LINKS_UNSUPPORTED:
                    raise
                log.debug("no hard links under %s (%s): exclusive create instead", final.parent, error)
                self._use_links = False
            finally:
                temp.unlink(missing_ok=True)
        fd = os.open(final, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)  # FileExistsError: another run's
        try:
            _write_and_close(fd, payload)
        except BaseException:
            final.unlink(missing_ok=True)  # ours, created exclusively: a half-written record must not stay
            raise

    def _housekeep(self, generation: int) -> None:
        """Delete records (and temporary files of killed writers) more than KEEP_GENERATIONS behind; best effort."""
        oldest_kept = generation - KEEP_GENERATIONS
        try:
            for name in os.listdir(self.layout.lease_dir):
                match = _RECORD_NAME.match(name) or _TEMP_NAME.match(name)
                if match and int(match[1]) < oldest_kept:
                    (self.layout.lease_dir / name).unlink(missing_ok=True)
        except OSError as error:  # the lease is ours all the same; the next create tries again
            log.warning("could not clean up old lease records under %s (%s)", self.layout.lease_dir, error)

    def _beat(self) -> None:
        interval = self.ttl.total_seconds() / 3
        while not self._stop.wait(interval):
            try:
                if not self.renew():
                    return
            except OSError as error:
                log.warning("run %s could not renew the lease of root %s (%s); retrying", self.run_id,
                            self.layout.root, error)

    def _mark_lost(self, holder: LeaseRecord | None) -> None:
        self._is_lost, self._lost_to = True, holder

    def _lost_message(self) -> str:
        holder = self._lost_to.describe() if self._lost_to else "an unknown run"
        return f"run {self.run_id} lost the lease of root {self.layout.root} to {holder}; stopping before writing more"


def _write_and_close(fd: int, payload: bytes) -> None:
    try:
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def _parse(generation: int, raw: bytes) -> LeaseRecord | None:
    """The record, or None while it is empty or partial (written without hard links)."""
    try:
        data = json.loads(raw)
        acquired_at = data.get("acquired_at")
        expires_at = datetime.fromisoformat(data["expires_at"])
        if expires_at.tzinfo is None:
            return None  # not a record this module wrote: let it expire like a partial one
        return LeaseRecord(
            generation, str(data["state"]), expires_at,
            run_id=data.get("run_id"), job=data.get("job"), host=data.get("host"), pid=data.get("pid"),
            token=data.get("token"), acquired_at=datetime.fromisoformat(acquired_at) if acquired_at else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _pid_alive(pid: int | None) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return True  # cannot tell: let the expiry decide
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
