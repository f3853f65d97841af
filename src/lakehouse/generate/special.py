"""Files that are not ordinary daily exports, all on ingest day 2 of a data set with faults.

- rejected whole (§2): not UTF-8, no header, a required column missing; in transactions, customers, products;
- ignored (§1): an upload in progress (`_partial.csv`) and a hidden temporary file (`.tmp.csv`);
- valid but unusual: a products file with a header and no rows.
Their contents never enter the valid history, so they cannot collide with keys of real rows.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from lakehouse import contract as c
from lakehouse.generate.model import CsvFile, RawFile, Row, Settings, bronze_path

SPECIAL_DAY = 2
LATIN1_CITY = "Zürich"  # latin-1 encodes ü as a lone 0xFC byte: not UTF-8


def special_files(settings: Settings, day: int) -> list[RawFile | CsvFile]:
    if not settings.faults or day != SPECIAL_DAY:
        return []
    day_date = settings.day_date(day)
    stamp = f"{day_date:%Y%m%d}"
    tx_columns = list(c.SOURCE_SPECS[c.TRANSACTIONS].required_columns)
    sales = [_sale(day_date, number) for number in range(1, 6)]
    missing_tx = [col for col in tx_columns if col not in ("discount", "customer_id")]
    product_columns = c.SOURCE_SPECS[c.PRODUCTS].required_columns
    products = _product_rows(day_date)
    kept_product_columns = [col for col in product_columns if col not in ("is_active", "category")]
    customers = _csv(list(c.SOURCE_SPECS[c.CUSTOMERS].required_columns), _customer_rows(day_date))

    def tx_path(name: str) -> str:
        return bronze_path(c.TRANSACTIONS, day_date, name)

    def raw(source: str, name: str, data: bytes, reason: str | None) -> RawFile:
        return RawFile(source, bronze_path(source, day_date, name), data, reason, not name.startswith(("_", ".")))

    return [
        raw(c.TRANSACTIONS, f"transactions_{stamp}_03.csv",
            _csv([*tx_columns, "store_city"], [[*row, LATIN1_CITY] for row in sales]).encode("latin-1"),
            c.FILE_NOT_UTF8),
        raw(c.TRANSACTIONS, f"transactions_{stamp}_04.csv", b"\n\n   \n", c.FILE_NO_HEADER),
        raw(c.TRANSACTIONS, f"transactions_{stamp}_05.csv",
            _csv(missing_tx, [_only(tx_columns, missing_tx, row) for row in sales]).encode(),
            c.with_column(c.FILE_MISSING_COLUMN, "customer_id")),  # first missing in contract order (§7)
        raw(c.TRANSACTIONS, "_partial.csv", _csv(tx_columns, sales).encode()[:150], None),
        raw(c.CUSTOMERS, f"customers_{stamp}_resend.csv", customers.encode("latin-1"), c.FILE_NOT_UTF8),
        raw(c.CUSTOMERS, ".tmp.csv", customers.encode(), None),
        raw(c.PRODUCTS, f"products_{stamp}_manual.csv",
            _csv(kept_product_columns, [_only(product_columns, kept_product_columns, r) for r in products]).encode(),
            c.with_column(c.FILE_MISSING_COLUMN, "category")),
        CsvFile(c.PRODUCTS, bronze_path(c.PRODUCTS, day_date, f"products_{stamp}_empty.csv"), product_columns),
    ]


def _csv(header: list[str], rows: list[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _only(columns: tuple[str, ...] | list[str], kept: list[str], row: Row) -> Row:
    return [value for column, value in zip(columns, row, strict=True) if column in kept]


def _sale(day_date: date, number: int) -> Row:
    return [f"TX{day_date:%Y%m%d}-R{number:06d}", f"C{number:06d}", f"P{number:05d}", "S001",
            f"{day_date.isoformat()}T12:{number:02d}:00Z", str(number), "9.99", "0.00", "card", "store"]


def _product_rows(day_date: date) -> list[Row]:
    ts = f"{day_date.isoformat()}T06:00:00Z"
    return [[f"0x{number:020X}", f"0x{number + 1:020X}", "4", "0x10", ts, f"P{number:05d}", "Manual Entry",
             "Home", "Decor", "19.99", "true"] for number in range(1, 4)]


def _customer_rows(day_date: date) -> list[Row]:
    ts = f"{day_date.isoformat()}T06:00:00Z"
    return [[f"0x{n:020X}", f"0x{n + 1:020X}", "2", "0xFF", ts, f"C{n:06d}", "Jürg", "Müller",
             f"juerg{n}@example.com", LATIN1_CITY, "CH", "gold", "2024-05-01"] for n in range(1, 4)]
