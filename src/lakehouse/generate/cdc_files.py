"""Daily CDC export files for customers and products (§3.2), and the snapshot files for stores (§3.3).

Unlike sales, a faulted CDC or store row is an extra broken copy written after the real change or store (a bad
re-send), never a replacement: the valid history stays complete, so Gold gets every change and every open store.
"""

from __future__ import annotations

import random

from lakehouse import contract as c
from lakehouse.generate.cdc import CdcDay, Unit
from lakehouse.generate.faults import ATTRIBUTE_CODES, FaultPlanner, break_row, reason_codes
from lakehouse.generate.model import CsvFile, Row, Settings, bronze_path
from lakehouse.generate.stores import StoreAttrs

HOLD_BACK_DAY = 2  # with faults, some of this day's changes are delivered one day late


class CdcFileBuilder:
    def __init__(self, settings: Settings, source: str) -> None:
        self.settings, self.source = settings, source
        self.columns = c.SOURCE_SPECS[source].required_columns
        self.planner = FaultPlanner(settings.faults, reason_codes(source))
        self.previous: list[Row] = []  # rows delivered by the previous day's regular file
        self.held_back: list[Unit] = []

    def build_day(self, day: int, changes: CdcDay) -> list[CsvFile]:
        rng = self.settings.rng(self.source, "faults", day)
        day_date = self.settings.day_date(day)
        files = []
        units = changes.units
        if self.held_back:
            # Changes of yesterday delivered today: lower LSNs than changes already landed (valid rows).
            late_name = f"{self.source}_{self.settings.day_date(day - 1):%Y%m%d}_delayed.csv"
            late = CsvFile(self.source, bronze_path(self.source, day_date, late_name), self.columns)
            for unit in self.held_back:
                for row in unit:
                    late.add(row)
            files.append(late)
            self.held_back = []
        if self.settings.faults and day == HOLD_BACK_DAY:
            units = self._hold_back(rng, units)
        path = bronze_path(self.source, day_date, f"{self.source}_{day_date:%Y%m%d}.csv")
        files.append(self._regular_file(rng, path, units))
        return files

    def _hold_back(self, rng: random.Random, units: list[Unit]) -> list[Unit]:
        early = range(len(units) // 2)  # from the first half, so later changes of the day land before them
        late = set(rng.sample(early, min(len(early), max(2, len(units) // 8))))
        self.held_back = [unit for i, unit in enumerate(units) if i in late]
        return [unit for i, unit in enumerate(units) if i not in late]

    def _regular_file(self, rng: random.Random, path: str, units: list[Unit]) -> CsvFile:
        f = CsvFile(self.source, path, self.columns)
        self.planner.start_day(sum(len(unit) for unit in units))
        delivered: list[Row] = []
        attribute_codes = ATTRIBUTE_CODES[self.source]
        any_code = lambda code: True  # noqa: E731
        no_attribute_code = lambda code: code not in attribute_codes  # noqa: E731
        index = 0
        for unit in units:
            extras: list[tuple[Row, str, int]] = []
            for row in unit:
                f.add(row)
                delivered.append(row)
                # §3.2 rule 6 checks attributes of inserts and after-images only
                code = self.planner.draw(rng, index, any_code if row[2] in ("2", "4") else no_attribute_code)
                index += 1
                if code == c.DUPLICATE_KEY:
                    extras.append((self._duplicate(rng, delivered), code, 0))
                elif code is not None:
                    broken, delta = break_row(self.source, code, row, rng)
                    extras.append((broken, code, delta))
            # after the whole unit, so a before-image stays next to its after-image
            for row, code, delta in extras:
                f.add(row, code, delta)
        self.previous = delivered
        return f

    def _duplicate(self, rng: random.Random, delivered: list[Row]) -> Row:
        """An exact re-send of an accepted row; sometimes with lower-case LSN hex, equal once normalised (§7)."""
        pool = self.previous if self.previous and rng.random() < 0.3 else delivered
        row = list(rng.choice(pool))
        if rng.random() < 0.2:
            row[0], row[1] = "0x" + (row[0] or "")[2:].lower(), "0x" + (row[1] or "")[2:].lower()
        return row


class StoreFileBuilder:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.columns = c.SOURCE_SPECS[c.STORES].required_columns
        self.planner = FaultPlanner(settings.faults, reason_codes(c.STORES))

    def build_day(self, day: int, snapshot: dict[str, StoreAttrs]) -> CsvFile:
        rng = self.settings.rng(c.STORES, "faults", day)
        day_date = self.settings.day_date(day)
        f = CsvFile(c.STORES, bronze_path(c.STORES, day_date, f"stores_{day_date:%Y%m%d}.csv"), self.columns)
        self.planner.start_day(len(snapshot))
        listed: list[Row] = []
        for index, (store_id, attrs) in enumerate(snapshot.items()):
            row: Row = [store_id, *attrs]
            f.add(row)
            listed.append(row)
            code = self.planner.draw(rng, index, lambda code: True)
            if code == c.DUPLICATE_KEY:
                f.add(list(rng.choice(listed)), code)  # the same store listed twice in one snapshot
            elif code is not None:
                broken, delta = break_row(c.STORES, code, row, rng)
                f.add(broken, code, delta)
        return f
