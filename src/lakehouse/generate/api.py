"""`generate`: deterministic Bronze data for all four sources, with an exact oracle of the faults it planted."""

from __future__ import annotations

import pathlib
from collections import Counter
from dataclasses import dataclass
from datetime import date

from lakehouse import contract as c
from lakehouse.errors import UserError
from lakehouse.generate.cdc import CdcDay, CdcSimulator
from lakehouse.generate.cdc_files import CdcFileBuilder, StoreFileBuilder
from lakehouse.generate.dialect import render_csv, set_first_day_features
from lakehouse.generate.entities import Customers, Products, cents_of
from lakehouse.generate.model import CsvFile, ExpectedFault, GenerateSummary, RawFile, Settings
from lakehouse.generate.special import SPECIAL_DAY, special_files
from lakehouse.generate.stores import StoreAttrs, StoreSimulator
from lakehouse.generate.transactions import SalesContext, TransactionBuilder
from lakehouse.generate.writer import write_files

CUSTOMER_LSN_BASE = 0x0000002A_000001F0_0001
PRODUCT_LSN_BASE = 0x00000031_00000A20_0001


@dataclass(frozen=True)
class WorldDay:
    customers: CdcDay
    products: CdcDay
    stores: dict[str, StoreAttrs]


class World:
    """The true state of the business, two days ahead of the files, so a day's sales only reference customers,
    products and stores that exist all through the sales day.

    Sales of ingest day k run from 22:00 UTC on k-1 to 08:00 UTC on k+1; CDC file k+1 commits during day k and
    file k+2 from 00:00 UTC on k+1, so keys deleted by either are left out. Snapshots hold from 00:00 UTC.
    """

    def __init__(self, settings: Settings) -> None:
        self.customers = CdcSimulator(settings, Customers, CUSTOMER_LSN_BASE)
        self.products = CdcSimulator(settings, Products, PRODUCT_LSN_BASE)
        self.stores = StoreSimulator(settings)
        self.days: dict[int, WorldDay] = {}

    def day(self, number: int) -> WorldDay:
        while number not in self.days:
            self.days[len(self.days) + 1] = WorldDay(self.customers.next_day(), self.products.next_day(),
                                                     self.stores.next_day())
        return self.days[number]

    def forget_before(self, number: int) -> None:
        for old in [day for day in self.days if day < number]:
            self.days[old] = WorldDay(CdcDay([], {}, set()), CdcDay([], {}, set()), self.days[old].stores)

    def sales_context(self, number: int) -> SalesContext:
        today, ahead = self.day(number), (self.day(number + 1), self.day(number + 2))
        gone_customers = ahead[0].customers.deleted | ahead[1].customers.deleted
        gone_products = ahead[0].products.deleted | ahead[1].products.deleted
        customers = [key for key in today.customers.attrs if key not in gone_customers]
        products = [(key, attrs[3], cents_of(attrs[3])) for key, attrs in today.products.attrs.items()
                    if attrs[3] and attrs[4] == "true" and key not in gone_products]
        open_days = [self.day(day).stores for day in (number - 1, number, number + 1) if day >= 1]
        stores = [key for key in today.stores if all(key in snapshot for snapshot in open_days)]
        physical = [key for key in stores if today.stores[key][4] != "online"] or list(today.stores)
        online = [key for key in stores if today.stores[key][4] == "online"] or physical
        if not products:  # only if every product went inactive: sell them anyway rather than nothing
            products = [(key, "9.99", 999) for key in today.products.attrs] or [("P00001", "9.99", 999)]
        return SalesContext(customers or list(today.customers.attrs) or ["C000001"], products, physical, online)


def generate(root: pathlib.Path, *, days: int = 14, rows_per_day: int = 1000,
             start_date: date = date(2026, 1, 5), seed: int = 42, faults: float = 0.0) -> GenerateSummary:
    """Writes `days` days of Bronze CSV under `root` (contract §1-§3) and returns what the pipeline must make of it.

    `faults` is the share of rows given exactly one fault (0: a clean data set, no duplicates, no rejected, late
    or ignored files). Day k's bytes depend only on (seed, start_date, rows_per_day, faults, k): a longer run over
    the same root skips the identical files already there and adds the new days. A file that exists with other
    bytes is never overwritten (UserError).
    """
    if days < 1 or rows_per_day < 1:
        raise UserError(f"days and rows per day must be at least 1 (got {days} and {rows_per_day})")
    if not 0 <= faults <= 1:
        raise UserError(f"faults must be a rate between 0 and 1, not {faults}")
    settings = Settings(seed, start_date, rows_per_day, faults)
    world = World(settings)
    sales = TransactionBuilder(settings)
    customers, products = CdcFileBuilder(settings, c.CUSTOMERS), CdcFileBuilder(settings, c.PRODUCTS)
    stores = StoreFileBuilder(settings)
    written: list[str] = []
    skipped: list[str] = []
    rows: Counter[str] = Counter({source: 0 for source in c.SOURCES})
    expected: list[ExpectedFault] = []
    root = pathlib.Path(root)
    for day in range(1, days + 1):
        today = world.day(day)
        sale_files = sales.build_day(day, world.sales_context(day))
        if faults and day == SPECIAL_DAY:
            sale_files[-1].duplicate_header = True  # §7: a repeated header name, the first occurrence is used
        files: list[CsvFile | RawFile] = [
            *sale_files, *customers.build_day(day, today.customers), *products.build_day(day, today.products),
            stores.build_day(day, today.stores), *special_files(settings, day),
        ]
        if day == 1:
            set_first_day_features([f for f in files if isinstance(f, CsvFile)])
        rendered = [(f.rel_path, _render(settings, f, rows, expected)) for f in files]
        day_written, day_skipped = write_files(root, rendered)
        written += day_written
        skipped += day_skipped
        world.forget_before(day)
    expected.sort(key=_landing_order)
    return GenerateSummary(written, skipped, dict(rows), expected)


def _render(settings: Settings, f: CsvFile | RawFile, rows: Counter[str], expected: list[ExpectedFault]) -> bytes:
    if isinstance(f, RawFile):
        if f.file_reason is not None:
            expected.append(ExpectedFault(f.source, f.rel_path, None, f.file_reason))
        return f.data
    rows[f.source] += len(f.rows)
    expected.extend(ExpectedFault(f.source, f.rel_path, index + 1, reason) for index, reason in f.reasons.items())
    return render_csv(f, settings.rng("dialect", f.rel_path))


def _landing_order(fault: ExpectedFault) -> tuple[str, bytes, int]:
    """Contract §1: ingest_date, then the path bytewise, then the record position."""
    ingest_date = fault.source_file.split("/")[2].removeprefix("ingest_date=")
    return ingest_date, fault.source_file.encode(), fault.record_number or 0
