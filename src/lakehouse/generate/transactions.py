"""Sales events (§3.1): `rows_per_day` transactions a day over two files, with faults replacing some rows.

Built for volume (the benchmark writes 2M rows): choices are drawn in bulk and timestamps are assembled from
precomputed clock strings, so a row costs a few list lookups and one f-string.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from lakehouse import contract as c
from lakehouse.generate.entities import money
from lakehouse.generate.faults import FaultPlanner, break_row, reason_codes
from lakehouse.generate.model import CsvFile, Row, Settings, bronze_path

COLUMNS = c.SOURCE_SPECS[c.TRANSACTIONS].required_columns


def _expand(weights: dict) -> tuple:
    return tuple(value for value, weight in weights.items() for _ in range(weight))


# Weighted choices are drawn from expanded pools: an unweighted pick is several times cheaper than a bisect.
SALE_POOL = _expand({  # payment method, channel, quantity
    (pay, channel, quantity): pw * cw * qw
    for pay, pw in zip(c.PAYMENT_METHODS, (12, 4, 3, 1), strict=True)
    for channel, cw in zip(c.CHANNELS, (13, 5, 2), strict=True)
    for quantity, qw in {"1": 45, "2": 25, "3": 13, "4": 8, "5": 4, "6": 2, "8": 1, "10": 1, "12": 1}.items()
})
# 12% of sales get 5-25% off, 3% leave discount empty (null means 0, §7), the rest write 0.00
DISCOUNT_POOL = _expand({"0.00": 85, "": 3, 5: 3, 10: 4, 15: 2, 20: 2, 25: 1})
# Local time zones of the tills. Offsets stay within +02:00..-08:00, so a day's sales fall between 22:00 UTC the
# day before and 08:00 UTC the day after; near midnight the UTC date differs from the local one.
ZONES = {"Z": 80, "+01:00": 6, "+02:00": 4, "+00:00": 1, "-05:00": 5, "-08:00": 2, "-03:00": 2}
FRACTIONS = {"": 90, ".5": 2, ".25": 2, ".123": 3, ".987654": 2, ".042": 1}
SUFFIX_POOL = _expand({fraction + zone: fw * zw for fraction, fw in FRACTIONS.items() for zone, zw in ZONES.items()})
PREVIOUS_DAY_POOL = 1000  # accepted rows kept for re-sending on the next day


@dataclass(frozen=True)
class SalesContext:
    """What exists throughout the sales day, so every reference points at a real customer, product or store."""

    customers: list[str]
    products: list[tuple[str, str, int]]  # product_id, list price text, list price in cents
    stores: list[str]  # physical stores (channel `store`)
    online_stores: list[str]  # channel `online` and `mobile`


@cache
def _clock() -> tuple[str, ...]:
    return tuple(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400))


@cache
def _second_pool() -> tuple[int, ...]:
    """Seconds of the local day: shop hours (07:00-22:00) mostly, about 6% at any time (online, night shifts)."""
    return tuple(range(86400)) + tuple(range(25200, 79200)) * 25


@cache
def _numbers(count: int) -> tuple[str, ...]:
    return tuple(f"{i:07d}" for i in range(1, count + 1))


def file_name(settings: Settings, day: int, number: int) -> str:
    return f"transactions_{settings.day_date(day):%Y%m%d}_{number:02d}.csv"


class TransactionBuilder:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.planner = FaultPlanner(settings.faults, reason_codes(c.TRANSACTIONS))
        self.previous: list[Row] = []  # a sample of yesterday's accepted rows
        self.resends = 0  # duplicates so far: their originals rotate over this file, an earlier file, yesterday

    def build_day(self, day: int, context: SalesContext) -> list[CsvFile]:
        rows = self._sales(self.settings.rng(c.TRANSACTIONS, "sales", day), day, context)
        rng = self.settings.rng(c.TRANSACTIONS, "faults", day)
        self.planner.start_day(len(rows))
        half = (len(rows) + 1) // 2
        files: list[CsvFile] = []
        accepted_today: list[Row] = []
        index = 0
        for number, chunk in enumerate((rows[:half], rows[half:]), start=1):
            path = bronze_path(c.TRANSACTIONS, self.settings.day_date(day), file_name(self.settings, day, number))
            f = CsvFile(c.TRANSACTIONS, path, COLUMNS)
            if self.planner.rate:
                accepted_here = self._plant_faults(rng, f, chunk, accepted_today, index)
            else:
                f.rows, accepted_here = chunk, chunk
            index += len(chunk)
            accepted_today.extend(accepted_here)
            files.append(f)
        self.previous = rng.sample(accepted_today, min(PREVIOUS_DAY_POOL, len(accepted_today)))
        return files

    def _plant_faults(self, rng: random.Random, f: CsvFile, chunk: list[Row], accepted_today: list[Row],
                      index: int) -> list[Row]:
        """Adds the chunk's rows to f, some replaced by faulted ones; returns the rows that will be accepted."""
        accepted_here: list[Row] = []
        pools = (accepted_here, accepted_today, self.previous)
        applicable = lambda code: code != c.DUPLICATE_KEY or any(pools)  # noqa: E731
        position = 0
        while position < len(chunk):
            clean_until = min(self.planner.next_candidate(rng, index + position) - index, len(chunk))
            if clean_until > position:  # rows before the next candidate are kept as they are, in one go
                f.rows.extend(chunk[position:clean_until])
                accepted_here.extend(chunk[position:clean_until])
                position = clean_until
                continue
            row = chunk[position]
            code = self.planner.draw(rng, index + position, applicable)
            position += 1
            if code is None:
                f.add(row)
                accepted_here.append(row)
            elif code == c.DUPLICATE_KEY:
                # a re-sent sale: same file after the original, a later file of the day, or the next day
                turn = self.resends % len(pools)
                pool = next(pool for pool in pools[turn:] + pools[:turn] if pool)
                self.resends += 1
                f.add(list(rng.choice(pool)), code)
            else:
                broken, delta = break_row(c.TRANSACTIONS, code, row, rng)
                f.add(broken, code, delta)
        return accepted_here

    def _sales(self, rng: random.Random, day: int, ctx: SalesContext) -> list[Row]:
        n = self.settings.rows_per_day
        day_date = self.settings.day_date(day)
        ts_prefix, id_prefix = f"{day_date.isoformat()}T", f"TX{day_date:%Y%m%d}-"
        clock = _clock()
        seconds = sorted(rng.choices(_second_pool(), k=n))
        suffixes = rng.choices(SUFFIX_POOL, k=n)
        stamps = [ts_prefix + clock[second] + suffix for second, suffix in zip(seconds, suffixes, strict=True)]
        ids = [id_prefix + number for number in _numbers(n)]
        columns = zip(ids, rng.choices(ctx.customers, k=n), rng.choices(ctx.products, k=n),
                      rng.choices(ctx.stores, k=n), rng.choices(ctx.online_stores, k=n), stamps,
                      rng.choices(SALE_POOL, k=n), rng.choices(DISCOUNT_POOL, k=n), strict=True)
        return [
            [tid, customer, product_id, shop if channel == "store" else web, ts, quantity, price,
             discount if discount.__class__ is str else money(int(quantity) * cents * discount // 100),
             payment, channel]
            for tid, customer, (product_id, price, cents), shop, web, ts, (payment, channel, quantity), discount
            in columns
        ]

