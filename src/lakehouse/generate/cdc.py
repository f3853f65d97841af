"""The true change history of customers and products, as a SQL Server CDC change table would record it (§3.2).

The simulator knows nothing about files or faults: it yields, day by day, the committed changes grouped in units
(an insert, a delete, a before/after-image pair, or a transaction of several rows sharing one start_lsn). Faults
and late delivery are decided later, so the valid history is the same at every fault rate.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from lakehouse import contract as c
from lakehouse.generate.entities import Attrs, Customers, Products
from lakehouse.generate.model import Row, Settings

Unit = list[Row]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SECOND = 1_000_000
# Daily change kinds and their weights; `multi` changes one key several times, `same_ts` twice at one instant,
# `txn` changes several keys in one transaction.
KINDS = ("update", "noop", "delete", "insert", "reinsert", "multi", "same_ts", "txn")
KIND_WEIGHTS = (58, 6, 5, 12, 4, 5, 4, 6)
# Day 2 always holds one of each notable case, so small data sets have them too.
SCRIPTED_DAY2 = ("delete", "noop", "multi", "same_ts", "txn")
OFFSET_MINUTES = (0,) * 18 + (60, -300)  # commit_ts mostly in UTC, some at +01:00 or -05:00


@dataclass(frozen=True)
class CdcDay:
    units: list[Unit]  # in commit (= LSN) order
    attrs: dict[str, Attrs]  # keys alive after the day's changes, with their attributes
    deleted: set[str]  # keys deleted during the day


def lsn_text(value: int) -> str:
    return f"0x{value:020X}"


def format_instant(micros: int, offset_minutes: int, digits: int) -> str:
    """ISO-8601 for an instant, shown at the given UTC offset; fractions only when the instant has one."""
    local = EPOCH + timedelta(microseconds=micros + offset_minutes * 60 * SECOND)
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    if micros % SECOND:
        text += f".{local.microsecond:06d}"[: digits + 1]
    if offset_minutes == 0:
        return text + "Z"
    sign, minutes = ("+" if offset_minutes > 0 else "-"), abs(offset_minutes)
    return f"{text}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


class Population:
    """Alive keys with O(1) random pick and removal (a plain list would make large days quadratic)."""

    def __init__(self) -> None:
        self.attrs: dict[str, Attrs] = {}
        self._keys: list[str] = []
        self._pos: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def put(self, key: str, attrs: Attrs) -> None:
        if key not in self._pos:
            self._pos[key] = len(self._keys)
            self._keys.append(key)
        self.attrs[key] = attrs

    def remove(self, key: str) -> Attrs:
        index, last = self._pos.pop(key), self._keys.pop()
        if last != key:
            self._keys[index] = last
            self._pos[last] = index
        return self.attrs.pop(key)

    def pick(self, rng: random.Random) -> str:
        return self._keys[rng.randrange(len(self._keys))]


class CdcSimulator:
    def __init__(self, settings: Settings, kind: type[Customers] | type[Products], lsn_base: int) -> None:
        self.settings, self.kind = settings, kind
        self.alive = Population()
        self.gone: dict[str, Attrs] = {}  # deleted keys, candidates for re-insert
        self.next_number = 1
        self.lsn = lsn_base
        self.last_micros = 0
        self.day_number = 0
        self.width = len(c.SOURCE_SPECS[kind.source].required_columns) - len(c.CDC_META_COLUMNS)  # key + attributes

    def next_day(self) -> CdcDay:
        self.day_number += 1
        rng = self.settings.rng(self.kind.source, "cdc", self.day_number)
        deleted: set[str] = set()
        units = self._initial_load(rng) if self.day_number == 1 else self._daily_changes(rng, deleted)
        return CdcDay(units, dict(self.alive.attrs), deleted)

    def _window(self) -> tuple[int, int]:
        """Commit window in microseconds: the initial load runs the night before day 1; later extracts hold
        the changes of the previous day up to 20:00 UTC, so they precede all of the ingest day's sales."""
        if self.day_number == 1:
            start = datetime.combine(self.settings.day_date(0), datetime.min.time(), UTC) + timedelta(hours=1)
            return _micros(start), 4 * 3600 * SECOND
        start = datetime.combine(self.settings.day_date(self.day_number - 1), datetime.min.time(), UTC)
        return _micros(start), 20 * 3600 * SECOND

    def _times(self, rng: random.Random, count: int) -> list[int]:
        start, length = self._window()
        times = []
        for _ in range(count):
            micros = rng.randrange(length // SECOND) * SECOND
            if rng.random() < 0.1:  # some commits carry milliseconds
                micros += rng.randrange(1, 1000) * 1000
            times.append(start + micros)
        return sorted(times)

    def _initial_load(self, rng: random.Random) -> list[Unit]:
        count = self.kind.initial_count(self.settings.rows_per_day)
        units: list[Unit] = []
        times = self._times(rng, (count + 49) // 50)
        for batch, micros in enumerate(times):
            size = min(50, count - batch * 50)
            rows = []
            ts, lsn = self._commit(rng, micros), self._next_lsn(rng)
            for i in range(size):
                key, attrs = self._new_entity(rng, self.kind.initial_joined(rng, self.settings.start_date))
                rows.append(self._row(lsn, lsn + 1 + 2 * i, c.OP_INSERT, ts, key, attrs, attrs))
            units.append(rows)
        return units

    def _daily_changes(self, rng: random.Random, deleted: set[str]) -> list[Unit]:
        kinds = rng.choices(KINDS, KIND_WEIGHTS, k=self.kind.daily_units(len(self.alive)))
        if self.day_number == 2:
            kinds[: len(SCRIPTED_DAY2)] = SCRIPTED_DAY2
            kinds.append("reinsert")  # late in the day: re-inserts the key deleted first thing
        units: list[Unit] = []
        for kind, micros in zip(kinds, self._times(rng, len(kinds)), strict=True):
            units.extend(self._apply(rng, kind, micros, deleted))
        return units

    def _apply(self, rng: random.Random, kind: str, micros: int, deleted: set[str]) -> list[Unit]:
        if len(self.alive) < 5 and kind != "reinsert":
            kind = "insert"
        if kind == "reinsert" and not self.gone:
            kind = "insert"
        ts = self._commit(rng, micros)
        if kind == "insert":
            key, attrs = self._new_entity(rng, self._commit_date())
            return [[self._single(rng, c.OP_INSERT, ts, key, attrs)]]
        if kind == "reinsert":
            key = sorted(self.gone)[rng.randrange(len(self.gone))]
            old = self.gone.pop(key)
            attrs = old if rng.random() < 0.5 else self.kind.new(rng, self.next_number, self._commit_date())
            self.alive.put(key, attrs)
            return [[self._single(rng, c.OP_INSERT, ts, key, attrs)]]
        key = self.alive.pick(rng)
        if kind == "delete":
            attrs = self.alive.remove(key)
            self.gone[key] = attrs
            deleted.add(key)
            return [[self._single(rng, c.OP_DELETE, ts, key, attrs)]]
        if kind == "txn":
            keys = list(dict.fromkeys(self.alive.pick(rng) for _ in range(3)))
            return [self._update_rows(rng, keys, ts, noop=False)]
        repeats = {"multi": rng.randrange(2, 4), "same_ts": 2}.get(kind, 1)
        units = []
        for i in range(repeats):
            if i and kind == "multi":
                start, length = self._window()
                later = min(self.last_micros + rng.randrange(60, 3600) * SECOND, start + length - SECOND)
                ts = self._commit(rng, later)
            units.append(self._update_rows(rng, [key], ts, noop=kind == "noop"))
        return units

    def _update_rows(self, rng: random.Random, keys: list[str], ts: str, noop: bool) -> Unit:
        lsn, rows = self._next_lsn(rng), []
        for i, key in enumerate(keys):
            before = self.alive.attrs[key]
            after = before if noop else self.kind.change(rng, before, self.next_number)
            self.alive.put(key, after)
            seqval = lsn + 1 + 2 * i  # both images of one update share start_lsn and seqval
            rows.append(self._row(lsn, seqval, c.OP_BEFORE_IMAGE, ts, key, before, after))
            rows.append(self._row(lsn, seqval, c.OP_AFTER_IMAGE, ts, key, after, before))
        return rows

    def _single(self, rng: random.Random, op: int, ts: str, key: str, attrs: Attrs) -> Row:
        lsn = self._next_lsn(rng)
        return self._row(lsn, lsn + 1, op, ts, key, attrs, attrs)

    def _row(self, lsn: int, seqval: int, op: int, ts: str, key: str, attrs: Attrs, other: Attrs) -> Row:
        if op in (c.OP_INSERT, c.OP_DELETE):
            mask = (1 << self.width) - 1
        else:  # update mask: one bit per changed column, the key being column 0
            mask = sum(1 << (i + 1) for i, (a, b) in enumerate(zip(attrs, other, strict=True)) if a != b)
        return [lsn_text(lsn), lsn_text(seqval), str(op), f"0x{mask:02X}", ts, key, *attrs]

    def _new_entity(self, rng: random.Random, joined: date) -> tuple[str, Attrs]:
        key = self.kind.key_format.format(self.next_number)
        attrs = self.kind.new(rng, self.next_number, joined)
        self.next_number += 1
        self.alive.put(key, attrs)
        return key, attrs

    def _next_lsn(self, rng: random.Random) -> int:
        self.lsn += rng.randrange(16, 4096) * 16
        return self.lsn

    def _commit(self, rng: random.Random, micros: int) -> str:
        """Commit timestamps never decrease with the LSN (§3.2); some changes share the previous instant."""
        same_as_previous = self.last_micros and rng.random() < 0.05
        micros = self.last_micros if same_as_previous else max(micros, self.last_micros)
        self.last_micros = micros
        offset = rng.choice(OFFSET_MINUTES)
        return format_instant(micros, offset, rng.choice((3, 6)))

    def _commit_date(self) -> date:
        return (EPOCH + timedelta(microseconds=self.last_micros)).date()


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)
