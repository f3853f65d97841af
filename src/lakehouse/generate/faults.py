"""Which rows get a fault, and how a valid row is broken so that it fails exactly one rule (contract §3).

A broken row changes one value of a valid row (or its field count), so every rule before the intended one still
passes. `duplicate_key` is not made here: it needs an accepted original, which only the callers know.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable

from lakehouse import contract as c
from lakehouse.generate.entities import cents_of, money
from lakehouse.generate.model import Row

META_NOT_NULL = ("__$start_lsn", "__$seqval", "__$operation", "commit_ts")
ATTRIBUTE_CODES = {
    c.CUSTOMERS: (c.INVALID_EMAIL, c.INVALID_COUNTRY, c.INVALID_TIER, c.INVALID_DATE),
    c.PRODUCTS: (c.with_column(c.MISSING_VALUE, "product_name"), c.with_column(c.MISSING_VALUE, "category"),
                 c.INVALID_PRICE, c.INVALID_FLAG),
}
# Where a code's bad value goes when the code itself does not name the column.
TARGETS = {
    (c.TRANSACTIONS, c.INVALID_TIMESTAMP): "transaction_ts", (c.TRANSACTIONS, c.INVALID_QUANTITY): "quantity",
    (c.TRANSACTIONS, c.INVALID_PRICE): "unit_price", (c.TRANSACTIONS, c.INVALID_DISCOUNT): "discount",
    (c.TRANSACTIONS, c.INVALID_PAYMENT_METHOD): "payment_method", (c.TRANSACTIONS, c.INVALID_CHANNEL): "channel",
    (c.CUSTOMERS, c.INVALID_TIMESTAMP): "commit_ts", (c.PRODUCTS, c.INVALID_TIMESTAMP): "commit_ts",
    (c.CUSTOMERS, c.INVALID_OPERATION): "__$operation", (c.PRODUCTS, c.INVALID_OPERATION): "__$operation",
    (c.CUSTOMERS, c.INVALID_EMAIL): "email", (c.CUSTOMERS, c.INVALID_COUNTRY): "country",
    (c.CUSTOMERS, c.INVALID_TIER): "loyalty_tier", (c.CUSTOMERS, c.INVALID_DATE): "signup_date",
    (c.PRODUCTS, c.INVALID_PRICE): "list_price", (c.PRODUCTS, c.INVALID_FLAG): "is_active",
    (c.STORES, c.INVALID_COUNTRY): "country", (c.STORES, c.INVALID_STORE_TYPE): "store_type",
    (c.STORES, c.INVALID_DATE): "opened_date",
}
BAD_VALUES = {
    c.INVALID_TIMESTAMP: ("2026-02-30T10:00:00Z", "2026-01-05 10:00:00", "2026-01-05T24:00:00Z",
                          "2026-01-05T10:00:00+19:00", "2026-01-05T10:61:00Z", "2026-01-05T10:00:00.1234567Z",
                          "05/01/2026 10:00"),
    c.INVALID_QUANTITY: ("0", "-1", "10001", "2.5", "two", "1e3"),
    c.INVALID_PRICE: ("12.345", "-3.50", "1000000.01", "12,50", "abc", "€12"),
    c.INVALID_DISCOUNT: ("-1.00", "1.234", "5,00", "ten"),
    c.INVALID_PAYMENT_METHOD: ("bitcoin", "credit card", "cheque", "IOU"),
    c.INVALID_CHANNEL: ("phone", "kiosk", "tv", "catalogue"),
    c.INVALID_OPERATION: ("5", "0", "9", "x", "-1", "22", "2.0"),
    c.INVALID_EMAIL: ("anna.example.com", "anna@example", "anna maria@example.com", "anna@@example.com"),
    c.INVALID_COUNTRY: ("DEU", "U5", "D", "Deutschland"),
    c.INVALID_TIER: ("diamond", "vip", "gold+"),
    c.INVALID_DATE: ("2025-02-29", "2025/03/01", "01.03.2025", "2025-13-01", "2025-1-5"),
    c.INVALID_FLAG: ("yes", "Y", "2", "active"),
    c.INVALID_STORE_TYPE: ("megastore", "pop-up", "", "kiosk"),  # null store_type is invalid too (§7)
}
# duplicate_key is the most common fault in real feeds (re-sent batches); the rest are equally likely.
WEIGHTS = {c.DUPLICATE_KEY: 4, c.MALFORMED_ROW: 2}


def reason_codes(source: str) -> tuple[str, ...]:
    """Every row-level reason code of a source, in the contract's rule order (§3.1-3.3)."""
    spec = c.SOURCE_SPECS[source]
    missing = lambda cols: tuple(c.with_column(c.MISSING_VALUE, col) for col in cols)  # noqa: E731
    if source == c.TRANSACTIONS:
        cols = spec.required_columns
        return ((c.MALFORMED_ROW,) + missing(col for col in cols if col != "discount")
                + tuple(c.with_column(c.INVALID_ID, col) for col in cols if col.endswith("_id"))
                + (c.INVALID_TIMESTAMP, c.INVALID_QUANTITY, c.INVALID_PRICE, c.INVALID_DISCOUNT,
                   c.INVALID_PAYMENT_METHOD, c.INVALID_CHANNEL, c.DUPLICATE_KEY))
    if source == c.STORES:
        return ((c.MALFORMED_ROW,) + missing(("store_id", "store_name", "region"))
                + (c.with_column(c.INVALID_ID, "store_id"), c.INVALID_COUNTRY, c.INVALID_STORE_TYPE,
                   c.INVALID_DATE, c.DUPLICATE_KEY))
    return ((c.MALFORMED_ROW,) + missing((*META_NOT_NULL, spec.key))
            + (c.INVALID_LSN, c.INVALID_OPERATION, c.INVALID_TIMESTAMP, c.with_column(c.INVALID_ID, spec.key))
            + ATTRIBUTE_CODES[source] + (c.DUPLICATE_KEY,))


class FaultPlanner:
    """Decides, row by row, whether a row gets a fault and which one.

    Each row is a candidate with probability `rate`; the gap to the next candidate is drawn at once (geometric),
    so the millions of clean rows cost nothing. Every code is also forced once, spaced over the first rows (first
    day, usually), so any data set with faults holds all codes; forced faults are paid back from later random
    candidates, so the faulted share stays close to the rate instead of rate + forced.
    """

    def __init__(self, rate: float, codes: tuple[str, ...]) -> None:
        self.rate = rate
        self.codes = codes
        self.weights = [WEIGHTS.get(code, 1) for code in codes]
        self.pending = list(codes) if rate > 0 else []
        self.debt = 0
        self.step = self.next_slot = 1
        self.candidate = -1  # the next row that may get a fault; -1: not drawn yet

    def start_day(self, rows: int) -> None:
        if self.pending:
            self.step = self.next_slot = max(1, rows // (len(self.pending) + 1))
        self.candidate = -1

    def next_candidate(self, rng: random.Random, index: int) -> int:
        """The first row at or after `index` that may get a fault: the rows before it get none."""
        if self.candidate < index:
            if not self.rate:
                self.candidate = sys.maxsize
            elif self.pending:
                self.candidate = max(index, self.next_slot)
            elif self.rate >= 1:
                self.candidate = index
            else:
                self.candidate = index + int(math.log(1.0 - rng.random()) / math.log(1.0 - self.rate))
        return self.candidate

    def draw(self, rng: random.Random, index: int, applicable: Callable[[str], bool]) -> str | None:
        if self.next_candidate(rng, index) != index:
            return None
        self.candidate = -1
        if self.pending and index >= self.next_slot:
            for code in self.pending:
                if applicable(code):
                    self.pending.remove(code)
                    self.debt += 1
                    self.next_slot = index + self.step
                    return code
            return None  # nothing fits this row: the slot moves on to the next row
        if self.debt:
            self.debt -= 1
            return None
        options = [(code, weight) for code, weight in zip(self.codes, self.weights, strict=True) if applicable(code)]
        if not options:
            return None
        return rng.choices([code for code, _ in options], [weight for _, weight in options])[0]


def break_row(source: str, code: str, row: Row, rng: random.Random) -> tuple[Row, int]:
    """A copy of a valid row that fails `code` and nothing earlier; returns it with its field-count change."""
    columns = c.SOURCE_SPECS[source].required_columns
    broken = list(row)
    if code == c.MALFORMED_ROW:
        return broken, rng.choice((1, -1))
    name, _, column = code.partition(":")
    if name == c.MISSING_VALUE:
        broken[columns.index(column)] = rng.choice(("", "   "))
    elif name == c.INVALID_ID:
        broken[columns.index(column)] = _bad_id(rng, row[columns.index(column)] or "X")
    elif code == c.INVALID_LSN:
        index = columns.index(rng.choice(("__$start_lsn", "__$seqval")))
        broken[index] = _bad_lsn(rng, row[index] or "0x" + "0" * 20)
    elif code == c.INVALID_DISCOUNT and rng.random() < 0.7:
        limit = int(row[columns.index("quantity")] or 0) * cents_of(row[columns.index("unit_price")] or "0")
        broken[columns.index("discount")] = money(limit + rng.randrange(1, 500))
    else:
        broken[columns.index(TARGETS[(source, code)])] = rng.choice(BAD_VALUES[code])
    return broken, 0


def _bad_id(rng: random.Random, valid: str) -> str:
    head, tail = valid[:1], valid[1:] or "1"
    return rng.choice((f"{head} {tail}", f"{head}#{tail}", f"{head}.{tail}", f"{head}é{tail}", valid + "X" * 65))


def _bad_lsn(rng: random.Random, valid: str) -> str:
    digits = valid[2:]
    return rng.choice(("0x12", "0X" + digits, digits, "0x" + digits[:-1] + "G", "0x" + digits + "0"))


def sanitize_for_malformed(values: list[str | None]) -> list[str]:
    """Malformed records keep to one plain line, so their field count cannot be read two ways."""
    return ["".join(" " if ch in ',"\r\n' else ch for ch in value or "") for value in values]
