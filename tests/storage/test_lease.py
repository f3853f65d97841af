"""The root lease behind one writer per root (DATA_CONTRACT.md §5), on one machine and as if on several.

Unit tests play other machines with another host name and drive time with a clock of their own; the process tests race
real Python processes for the lease with the flock fast path off, so that exclusion rests on the records alone, and
kill the holder with SIGKILL.
"""

from __future__ import annotations

import errno
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lakehouse.errors import UserError
from lakehouse.storage import lease as lease_module
from lakehouse.storage.layout import Layout
from lakehouse.storage.lease import KEEP_GENERATIONS, TTL_ENV, RootLease
from lakehouse.storage.lock import locked_root, root_lock

TTL = 30.0
JOB = "bronze_to_silver"


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 6, 3, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def machine(layout: Layout, run_id: str, host: str, clock=lease_module.utc_now, ttl_s: float = TTL) -> RootLease:
    """A run on machine `host` that sees no flock of the others: only the lease records stand between them."""
    return RootLease(layout, run_id, JOB, ttl_s=ttl_s, heartbeat=False, host=host, clock=clock)


def record_names(layout: Layout) -> list[str]:
    return sorted(os.listdir(layout.lease_dir))


def read_record(layout: Layout, generation: int) -> dict:
    return json.loads((layout.lease_dir / f"{generation:020d}.json").read_text())


def write_record(layout: Layout, generation: int, **fields) -> None:
    layout.lease_dir.mkdir(parents=True, exist_ok=True)
    (layout.lease_dir / f"{generation:020d}.json").write_text(json.dumps(fields))


def without_hard_links(monkeypatch, code: int) -> list:
    """os.link failing as on a store without hard links (a Unity Catalog volume); returns the attempts."""
    attempts = []

    def link(source, target, *args, **kwargs):
        attempts.append(target)
        raise OSError(code, os.strerror(code), str(source))

    monkeypatch.setattr(os, "link", link)
    return attempts


# -- one machine against another, time by hand --------------------------------------------------------------------


def test_free_root_is_taken_and_released_in_immutable_records(tmp_path, clock):
    layout = Layout(tmp_path)
    first = machine(layout, "a", "host-a", clock)
    first.acquire()
    first.check()
    assert record_names(layout) == [f"{1:020d}.json"]
    held = read_record(layout, 1)
    assert held["state"] == "held" and held["run_id"] == "a" and held["job"] == JOB and held["host"] == "host-a"
    assert held["pid"] == os.getpid() and len(held["token"]) == 32
    assert datetime.fromisoformat(held["expires_at"]) == clock.now + timedelta(seconds=TTL)

    first.release()
    released = read_record(layout, 2)
    assert released["state"] == "released" and released["token"] == held["token"]
    assert read_record(layout, 1) == held  # records are never rewritten


def test_second_run_elsewhere_is_refused_with_the_holder_named(tmp_path, clock):
    layout = Layout(tmp_path)
    machine(layout, "a", "host-a", clock).acquire()
    with pytest.raises(UserError) as refused:
        machine(layout, "b", "host-b", clock).acquire()
    message = str(refused.value)
    assert message.startswith(f"root {tmp_path} is in use by another run (run a ({JOB}), pid {os.getpid()} on host-a "
                              f"since 2026-01-06T03:00:00+00:00, lease expires 2026-01-06T03:00:30+00:00)")
    assert message.endswith("wait for it to finish")
    assert record_names(layout) == [f"{1:020d}.json"]  # the refused run wrote nothing


def test_expired_lease_is_taken_over_and_a_renewed_one_is_not(tmp_path, clock):
    layout = Layout(tmp_path)
    first = machine(layout, "a", "host-a", clock)
    first.acquire()
    clock.advance(TTL * 2 / 3)
    assert first.renew()
    clock.advance(TTL * 2 / 3)  # past the first expiry, within the renewed one
    with pytest.raises(UserError, match="in use by another run"):
        machine(layout, "b", "host-b", clock).acquire()

    clock.advance(TTL)  # the holder stopped renewing (killed)
    second = machine(layout, "b", "host-b", clock)
    second.acquire()
    assert read_record(layout, 3)["run_id"] == "b"


def test_released_lease_is_taken_over_at_once(tmp_path, clock):
    layout = Layout(tmp_path)
    first = machine(layout, "a", "host-a", clock)
    first.acquire()
    first.release()
    machine(layout, "b", "host-b", clock).acquire()
    assert [read_record(layout, g)["state"] for g in (1, 2, 3)] == ["held", "released", "held"]


def test_lost_lease_is_detected_and_the_loser_writes_nothing_more(tmp_path, clock):
    layout = Layout(tmp_path)
    first = machine(layout, "a", "host-a", clock)
    first.acquire()
    clock.advance(TTL + 1)  # a's renewals did not get through: its lease expired
    with pytest.raises(UserError, match=r"run a on .* expired at 2026-01-06T03:00:30\+00:00 before it could be re"):
        first.check()
    machine(layout, "b", "host-b", clock).acquire()

    with pytest.raises(UserError, match=r"^run a lost the lease of root .* to run b \(bronze_to_silver\), pid \d+ on "
                                        r"host-b .*; stopping before writing more$"):
        first.check()
    assert not first.renew()
    first.release()  # never raises
    assert record_names(layout) == [f"{1:020d}.json", f"{2:020d}.json"]
    assert read_record(layout, 2)["run_id"] == "b"


def test_lost_lease_is_noticed_by_the_renewal(tmp_path, clock, caplog):
    layout = Layout(tmp_path)
    first = machine(layout, "a", "host-a", clock)
    first.acquire()
    clock.advance(TTL + 1)
    machine(layout, "b", "host-b", clock).acquire()
    assert not first.renew()
    assert "run a lost the lease" in caplog.text and "the run must stop" in caplog.text
    with pytest.raises(UserError, match="lost the lease .* to run b"):
        first.check()


def test_housekeeping_keeps_the_folder_small(tmp_path, clock):
    layout = Layout(tmp_path)
    first = machine(layout, "a", "host-a", clock)
    first.acquire()
    (layout.lease_dir / f".{2:020d}.0123abcd.tmp").write_text("{")  # left by a writer killed before its link
    for _ in range(40):
        clock.advance(TTL / 3)
        assert first.renew()
    first.release()
    names = record_names(layout)
    assert len(names) == KEEP_GENERATIONS + 1 and names[-1] == f"{42:020d}.json"
    machine(layout, "b", "host-b", clock).acquire()
    assert record_names(layout)[-1] == f"{43:020d}.json"


def test_a_generation_cleaned_up_while_a_contender_paused_does_not_revive(tmp_path, clock, monkeypatch):
    """A contender that read an old latest record, then paused, must not win a generation housekeeping deleted."""
    layout = Layout(tmp_path)
    first = machine(layout, "a", "host-a", clock)
    first.acquire()
    first.release()
    paused = machine(layout, "p", "host-p", clock)
    stale_view = paused.latest()  # generation 2, released: free

    holder = machine(layout, "c", "host-c", clock)
    holder.acquire()
    for _ in range(KEEP_GENERATIONS + 5):
        clock.advance(1)
        assert holder.renew()
    assert not (layout.lease_dir / f"{3:020d}.json").exists()

    views = iter([stale_view])
    monkeypatch.setattr(paused, "latest", lambda: next(views, None) or RootLease.latest(paused))
    with pytest.raises(UserError, match="in use by another run .*run c"):
        paused.acquire()
    holder.check()  # the holder still holds


# -- records created without hard links (FUSE mounts) -------------------------------------------------------------


def test_record_whose_write_failed_is_removed(tmp_path, clock, monkeypatch):
    without_hard_links(monkeypatch, errno.EXDEV)
    real_write = os.write

    def failing_write(fd, data):
        real_write(fd, bytes(data)[:5])
        raise OSError(errno.EIO, "Input/output error")

    layout = Layout(tmp_path)
    monkeypatch.setattr(os, "write", failing_write)
    with pytest.raises(OSError, match="Input/output error"):
        machine(layout, "a", "host-a", clock).acquire()
    assert record_names(layout) == []  # no half record left to block the next run
    monkeypatch.setattr(os, "write", real_write)
    machine(layout, "b", "host-b", clock).acquire()
    assert read_record(layout, 1)["run_id"] == "b"


def test_partial_record_counts_as_held_until_one_ttl_after_it_was_written(tmp_path, monkeypatch):
    monkeypatch.setattr(lease_module, "PARTIAL_READ_WAIT_S", 0.2)
    layout = Layout(tmp_path)
    layout.lease_dir.mkdir(parents=True)
    partial = layout.lease_dir / f"{1:020d}.json"
    partial.write_text('{"state": "he')  # its writer died mid-write
    with pytest.raises(UserError, match="in use by another run .*lease record 1 is being written"):
        machine(layout, "b", "host-b").acquire()

    os.utime(partial, (time.time() - TTL - 1, time.time() - TTL - 1))
    machine(layout, "b", "host-b").acquire()
    assert read_record(layout, 2)["run_id"] == "b"


def test_record_completed_while_a_reader_waits_is_read_whole(tmp_path):
    layout, elsewhere = Layout(tmp_path / "root"), Layout(tmp_path / "elsewhere")
    machine(elsewhere, "a", "host-a").acquire()
    complete = (elsewhere.lease_dir / f"{1:020d}.json").read_bytes()
    layout.lease_dir.mkdir(parents=True)
    being_written = layout.lease_dir / f"{1:020d}.json"
    being_written.touch()  # created with O_EXCL, not yet written
    writer = threading.Timer(0.2, being_written.write_bytes, [complete])
    writer.start()
    with pytest.raises(UserError, match=r"in use by another run \(run a \(bronze_to_silver\), pid \d+ on host-a"):
        machine(layout, "b", "host-b").acquire()
    writer.join()


def test_without_hard_links_records_are_created_exclusively(tmp_path, clock, monkeypatch):
    links = without_hard_links(monkeypatch, errno.EPERM)
    layout = Layout(tmp_path)
    first = machine(layout, "a", "host-a", clock)
    first.acquire()
    assert first.renew()
    with pytest.raises(UserError, match="in use by another run .*run a"):
        machine(layout, "b", "host-b", clock).acquire()
    first.release()
    assert len(links) == 1  # tried once, then remembered
    assert record_names(layout) == [f"{g:020d}.json" for g in (1, 2, 3)]  # no temporary file left
    assert read_record(layout, 3)["state"] == "released"
    machine(layout, "b", "host-b", clock).acquire()


# -- this machine: the flock fast path and dead processes ---------------------------------------------------------


def test_flock_refuses_a_second_run_of_this_machine_at_once(tmp_path):
    layout = Layout(tmp_path)
    with root_lock(layout, "first", JOB):
        holder = json.loads(layout.lock_file.read_text())
        assert holder["run_id"] == "first" and holder["pid"] == os.getpid()
        with pytest.raises(UserError, match=rf"^root {tmp_path} is in use by another run \(run first .*"
                                            rf"pid {os.getpid()} .*\); wait for it to finish$"), \
                root_lock(layout, "second", JOB):
            pass
    assert record_names(layout) == [f"{1:020d}.json", f"{2:020d}.json"]  # the refused run wrote no record
    with root_lock(layout, "third", JOB):
        assert read_record(layout, 3)["run_id"] == "third"


def test_record_of_this_machine_without_its_flock_is_stale(tmp_path):
    """Holding the flock proves that a holder of this host is gone, even if its pid now belongs to another process."""
    layout = Layout(tmp_path)
    far_future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    write_record(layout, 1, state="held", run_id="gone", job=JOB, host=socket.gethostname(), pid=1, token="t",
                 acquired_at=far_future, expires_at=far_future)
    with pytest.raises(UserError, match="run gone"):
        machine(layout, "b", socket.gethostname()).acquire()  # without the flock, pid 1 looks alive
    with root_lock(layout, "b", JOB):
        assert read_record(layout, 2)["run_id"] == "b"


def test_record_of_a_dead_process_of_this_machine_is_stale_without_flock(tmp_path):
    layout = Layout(tmp_path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    far_future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    write_record(layout, 1, state="held", run_id="gone", job=JOB, host=socket.gethostname(), pid=int(dead.stdout),
                 token="t", acquired_at=far_future, expires_at=far_future)
    machine(layout, "b", socket.gethostname()).acquire()
    with pytest.raises(UserError, match="run b"):  # b's own pid is alive
        machine(layout, "c", socket.gethostname()).acquire()


def test_ttl_comes_from_the_environment(tmp_path, monkeypatch):
    layout = Layout(tmp_path)
    assert RootLease(layout, "r", JOB).ttl == timedelta(seconds=120)
    monkeypatch.setenv(TTL_ENV, "2.5")
    assert RootLease(layout, "r", JOB).ttl == timedelta(seconds=2.5)
    for wrong in ("0", "-1", "soon", "nan"):
        monkeypatch.setenv(TTL_ENV, wrong)
        with pytest.raises(UserError, match=f"{TTL_ENV} must be a positive number of seconds, not '{wrong}'"):
            RootLease(layout, "r", JOB)


def test_locked_root_checks_the_lease_before_releasing_it(tmp_path):
    layout = Layout(tmp_path)
    with pytest.raises(UserError, match="^run r1 lost the lease of root .* to run intruder"), \
            locked_root(layout, "r1", JOB) as lease:
        lease.check()
        expires = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
        write_record(layout, 2, state="held", run_id="intruder", job=JOB, host="elsewhere", pid=7, token="x",
                     acquired_at=expires, expires_at=expires)
    assert record_names(layout) == [f"{1:020d}.json", f"{2:020d}.json"]  # no release over the intruder's lease
    with locked_root(Layout(tmp_path / "other"), "r2", JOB):
        pass
    assert read_record(Layout(tmp_path / "other"), 2)["state"] == "released"


# -- real processes ------------------------------------------------------------------------------------------------

RACER = r"""
import errno, json, os, sys, time
from pathlib import Path
from lakehouse.errors import UserError
from lakehouse.storage.layout import Layout
from lakehouse.storage.lease import RootLease

name, plan, use_links = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3] == "1"
collisions = 0
real_link, real_open = os.link, os.open

def link(source, target, *args, **kwargs):
    global collisions
    if not use_links:
        raise OSError(errno.EPERM, "Operation not permitted")
    try:
        return real_link(source, target, *args, **kwargs)
    except FileExistsError:
        collisions += 1
        raise

def open_(path, flags, *args, **kwargs):
    global collisions
    try:
        return real_open(path, flags, *args, **kwargs)
    except FileExistsError:
        collisions += str(path).endswith(".json")
        raise

os.link, os.open = link, open_
for number, race in enumerate(plan):
    lease = RootLease(Layout(Path(race["root"])), f"{name}-r{number}", "race", ttl_s=60, heartbeat=False)
    collisions = 0
    while race["at"] - time.time() > 0.005:
        time.sleep(0.001)
    while time.time() < race["at"]:
        pass
    try:
        lease.acquire()
        won, message = True, ""
    except UserError as error:
        won, message = False, str(error)
    print(json.dumps({"race": number, "won": won, "message": message, "collisions": collisions}), flush=True)
"""

RACES = 20
RACERS = 4
RACE_DIR_ENV = "LAKEHOUSE_LEASE_RACE_DIR"  # race on another store, e.g. a Unity Catalog volume: /Volumes/...


@pytest.fixture
def race_dir(tmp_path):
    """Where the races run: a temporary folder, or a fresh folder under $LAKEHOUSE_LEASE_RACE_DIR."""
    if not os.environ.get(RACE_DIR_ENV):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="lease-race-", dir=os.environ[RACE_DIR_ENV]))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def prepare_race_root(root: Path, number: int) -> int:
    """Each race starts from a free root of another kind: never leased, released, or expired. Returns its generation."""
    layout = Layout(root)
    if number % 3 == 0:
        return 0
    if number % 3 == 1:
        previous = machine(layout, "earlier", "host-e")
        previous.acquire()
        previous.release()
        return 2
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    machine(layout, "expired", "host-e", clock=lambda: long_ago).acquire()
    return 1


@pytest.mark.parametrize("use_links", [True, False], ids=["hard-links", "exclusive-open"])
def test_racing_processes_exactly_one_wins_each_race(race_dir, use_links):
    roots = [race_dir / f"race-{number}" for number in range(RACES)]
    generations = [prepare_race_root(root, number) for number, root in enumerate(roots)]
    start = time.time() + 2  # after every racer has imported the package
    plan = json.dumps([{"root": str(root), "at": start + 0.1 * number} for number, root in enumerate(roots)])
    racers = [subprocess.Popen([sys.executable, "-c", RACER, f"racer{i}", plan, "1" if use_links else "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(RACERS)]
    outcomes = []
    for racer in racers:
        out, err = racer.communicate(timeout=120)
        assert racer.returncode == 0, err
        outcomes += [json.loads(line) for line in out.splitlines()]

    collisions = 0
    for number, root in enumerate(roots):
        results = [o for o in outcomes if o["race"] == number]
        winners = [i for i, o in enumerate(results) if o["won"]]
        assert len(results) == RACERS and len(winners) == 1, (number, results)
        layout = Layout(root)
        latest = read_record(layout, generations[number] + 1)
        assert latest["state"] == "held"
        assert record_names(layout)[-1] == f"{generations[number] + 1:020d}.json"  # the winner's, and nothing after
        for result in results:
            if not result["won"]:
                assert f"in use by another run (run {latest['run_id']} (race)" in result["message"], result
        collisions += sum(o["collisions"] for o in results)
    assert collisions > 0  # some racers lost at the exclusive create itself: they did race
    print(f"{RACES} races of {RACERS} processes, links={use_links}: one winner each, {collisions} lost creates")


HOLDER = r"""
import os, sys, time
from pathlib import Path
from lakehouse.storage.layout import Layout
from lakehouse.storage.lease import RootLease
from lakehouse.storage.lock import root_lock

layout, use_flock = Layout(Path(sys.argv[1])), sys.argv[3] == "1"
os.environ["LAKEHOUSE_LEASE_TTL_S"] = sys.argv[2]
if use_flock:
    held = root_lock(layout, "holder", "bronze_to_silver")  # kept referenced: collected, it would release
    held.__enter__()
else:
    RootLease(layout, "holder", "bronze_to_silver").acquire()
print("held", flush=True)
time.sleep(600)
"""


def start_holder(root: Path, ttl_s: float, use_flock: bool) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(root), str(ttl_s), "1" if use_flock else "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready, _, _ = select.select([holder.stdout], [], [], 60)
    assert ready and holder.stdout.readline().strip() == "held", holder.stderr.read() if not ready else ""
    return holder


def kill(holder: subprocess.Popen) -> None:
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    holder.stdout.close()
    holder.stderr.close()


def test_killed_holder_on_this_machine_is_replaced_at_once(tmp_path):
    layout = Layout(tmp_path)
    holder = start_holder(tmp_path, 60, use_flock=True)
    try:
        with pytest.raises(UserError, match=rf"in use by another run \(run holder .*pid {holder.pid} "), \
                root_lock(layout, "next", JOB):
            pass
    finally:
        kill(holder)
    began = time.monotonic()
    with root_lock(layout, "next", JOB):  # the killed run's record has not expired, but its flock is gone
        assert time.monotonic() - began < 1
        assert read_record(layout, 2)["run_id"] == "next"


def test_killed_holder_elsewhere_is_replaced_once_its_lease_expires(tmp_path):
    ttl = 2.0
    layout = Layout(tmp_path)
    holder = start_holder(tmp_path, ttl, use_flock=False)
    try:
        deadline = time.monotonic() + 2 * ttl
        while time.monotonic() < deadline:  # the heartbeat renews the lease past its first expiry
            with pytest.raises(UserError, match="in use by another run .*run holder"):
                machine(layout, "next", "another-host", ttl_s=ttl).acquire()
            time.sleep(0.25)
    finally:
        kill(holder)
    last = machine(layout, "probe", "another-host", ttl_s=ttl).latest()
    assert last is not None and last.run_id == "holder" and last.generation >= 4  # renewed every ttl/3

    refused_at = []
    give_up = time.monotonic() + 3 * ttl
    while time.monotonic() < give_up:
        attempt_at = datetime.now(UTC)
        try:
            machine(layout, "next", "another-host", ttl_s=ttl).acquire()
            break
        except UserError:
            refused_at.append(attempt_at)
            time.sleep(0.05)
    else:
        pytest.fail("the killed holder's lease never expired")
    taken_at = datetime.now(UTC)
    assert refused_at and all(at < last.expires_at for at in refused_at)
    assert last.expires_at <= taken_at < last.expires_at + timedelta(seconds=1)
    assert read_record(layout, last.generation + 1)["run_id"] == "next"
