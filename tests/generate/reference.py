"""An independent, plain-Python reading of DATA_CONTRACT.md §1-§3 and §7, to check the generator's oracle.

Patterns are typed again from the contract text (not imported from lakehouse.contract), so a slip in either place
shows up as a disagreement. Only what the generator's tests need: which records are quarantined and why, how many
records each file has, and the valid rows.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from lakehouse.contract import SOURCE_SPECS

ASCII_WS = " \t\n\r\x0b\x0c"
ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
TS = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(Z|[+-](\d{2}):(\d{2}))", re.ASCII)
DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
MONEY = re.compile(r"\d+(\.\d{1,2})?", re.ASCII)
INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
LSN = re.compile(r"0x[0-9A-Fa-f]{20}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+", re.ASCII)
COUNTRY = re.compile(r"[A-Za-z]{2}")


@dataclass
class Reading:
    faults: set[tuple[str, str, int | None, str]] = field(default_factory=set)  # source, file, record, reason
    records: Counter[str] = field(default_factory=Counter)  # records read per source
    valid: dict[str, list[tuple[str, int, dict[str, str | None]]]] = field(default_factory=dict)
    files: list[tuple[str, str]] = field(default_factory=list)  # (source, path) of input files, landing order


def input_files(root: Path) -> list[tuple[str, str, str]]:
    """(ingest_date, source, relative path) of every input file, in landing order (§1, §7)."""
    found = []
    for path in (root / "bronze").glob("*/ingest_date=*/*"):
        folder_date = path.parent.name.removeprefix("ingest_date=")
        if not path.is_file() or path.name.startswith(("_", ".")) or not path.name.lower().endswith(".csv"):
            continue
        date.fromisoformat(folder_date)
        found.append((folder_date, path.parent.parent.name, path.relative_to(root).as_posix()))
    return sorted(found, key=lambda item: (item[0], item[2].encode()))


def read_records(data: bytes) -> tuple[str | None, list[str], list[list[str]]]:
    """(file reason, header, records) per §2/§7; records keep their raw fields, empty lines are dropped."""
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return "file_not_utf8", [], []
    records = [record for record in csv.reader(io.StringIO(text, newline="")) if record]
    while records and all(not value.strip(ASCII_WS) for value in records[0]):
        records.pop(0)
    if not records:
        return "file_no_header", [], []
    return None, records[0], records[1:]


def read_all(root: Path) -> Reading:
    reading = Reading(valid={source: [] for source in SOURCE_SPECS})
    accepted_tx: set[str] = set()
    accepted_cdc: set[tuple[str, ...]] = set()
    accepted_stores: dict[str, set[str]] = {}
    for ingest_date, source, rel_path in input_files(root):
        reading.files.append((source, rel_path))
        problem, header, records = read_records((root / rel_path).read_bytes())
        columns = SOURCE_SPECS[source].required_columns
        names = [name.strip(ASCII_WS).lower() for name in header]
        missing = [column for column in columns if column not in names]
        if problem is None and missing:
            problem = f"file_missing_column:{missing[0]}"
        if problem:
            reading.faults.add((source, rel_path, None, problem))
            continue
        where = {column: names.index(column) for column in columns}  # index() finds the first occurrence
        for number, record in enumerate(records, start=1):
            reading.records[source] += 1
            if len(record) != len(header):
                reason: str | None = "malformed_row"
                values: dict[str, str | None] = {}
            else:
                values = {column: record[i].strip(ASCII_WS) or None for column, i in where.items()}
                if source == "transactions":
                    reason = _transaction(values, accepted_tx)
                elif source == "stores":
                    reason = _store(values, accepted_stores.setdefault(ingest_date, set()))
                else:
                    reason = _cdc(source, values, accepted_cdc)
            if reason:
                reading.faults.add((source, rel_path, number, reason))
            else:
                reading.valid[source].append((rel_path, number, values))
    return reading


def _transaction(v: dict[str, str | None], accepted: set[str]) -> str | None:
    columns = SOURCE_SPECS["transactions"].required_columns
    reason = _first_missing(v, [column for column in columns if column != "discount"]) or _bad_ids(v, columns)
    if reason:
        return reason
    if not is_instant(v["transaction_ts"]):
        return "invalid_timestamp"
    quantity = v["quantity"] or ""
    if not INTEGER.fullmatch(quantity) or not 1 <= int(quantity) <= 10000:
        return "invalid_quantity"
    if not is_money(v["unit_price"]):
        return "invalid_price"
    discount = v["discount"] or "0"
    if not is_money(discount) or Decimal(discount) > int(quantity) * Decimal(v["unit_price"] or "0"):
        return "invalid_discount"
    if (v["payment_method"] or "").lower() not in ("card", "cash", "wallet", "voucher"):
        return "invalid_payment_method"
    if (v["channel"] or "").lower() not in ("store", "online", "mobile"):
        return "invalid_channel"
    return _claim(accepted, v["transaction_id"] or "")


def _cdc(source: str, v: dict[str, str | None], accepted: set[tuple[str, ...]]) -> str | None:
    key = SOURCE_SPECS[source].key
    reason = _first_missing(v, ["__$start_lsn", "__$seqval", "__$operation", "commit_ts", key])
    if reason:
        return reason
    if not LSN.fullmatch(v["__$start_lsn"] or "") or not LSN.fullmatch(v["__$seqval"] or ""):
        return "invalid_lsn"
    if not re.fullmatch(r"[1-4]", v["__$operation"] or ""):
        return "invalid_operation"
    if not is_instant(v["commit_ts"]):
        return "invalid_timestamp"
    reason = _bad_ids(v, (key,))
    if reason:
        return reason
    if v["__$operation"] in ("2", "4"):
        reason = _customer_attributes(v) if source == "customers" else _product_attributes(v)
        if reason:
            return reason
    identity = (source, v[key] or "", normal_lsn(v["__$start_lsn"]), normal_lsn(v["__$seqval"]), v["__$operation"])
    return _claim(accepted, identity)


def _customer_attributes(v: dict[str, str | None]) -> str | None:
    if v["email"] is not None and not EMAIL.fullmatch(v["email"]):
        return "invalid_email"
    if v["country"] is not None and not COUNTRY.fullmatch(v["country"]):
        return "invalid_country"
    if v["loyalty_tier"] is not None and v["loyalty_tier"].lower() not in ("bronze", "silver", "gold", "platinum"):
        return "invalid_tier"
    if v["signup_date"] is not None and not is_date(v["signup_date"]):
        return "invalid_date"
    return None


def _product_attributes(v: dict[str, str | None]) -> str | None:
    reason = _first_missing(v, ["product_name", "category"])
    if reason:
        return reason
    if v["list_price"] is not None and not is_money(v["list_price"]):
        return "invalid_price"
    if v["is_active"] is not None and v["is_active"].lower() not in ("true", "false", "1", "0"):
        return "invalid_flag"
    return None


def _store(v: dict[str, str | None], accepted: set[str]) -> str | None:
    reason = _first_missing(v, ["store_id", "store_name", "region"]) or _bad_ids(v, ("store_id",))
    if reason:
        return reason
    if v["country"] is not None and not COUNTRY.fullmatch(v["country"]):
        return "invalid_country"
    if (v["store_type"] or "").lower() not in ("flagship", "standard", "outlet", "online"):
        return "invalid_store_type"
    if v["opened_date"] is not None and not is_date(v["opened_date"]):
        return "invalid_date"
    return _claim(accepted, v["store_id"] or "")


def _first_missing(v: dict[str, str | None], columns: list[str]) -> str | None:
    return next((f"missing_value:{column}" for column in columns if v[column] is None), None)


def _bad_ids(v: dict[str, str | None], columns: tuple[str, ...]) -> str | None:
    ids = [column for column in columns if column.endswith("_id")]
    return next((f"invalid_id:{column}" for column in ids if not ID.fullmatch(v[column] or "")), None)


def _claim(accepted: set, identity: object) -> str | None:
    if identity in accepted:
        return "duplicate_key"
    accepted.add(identity)
    return None


def normal_lsn(value: str | None) -> str:
    return "0x" + (value or "")[2:].upper()


def is_money(value: str | None) -> bool:
    return value is not None and MONEY.fullmatch(value) is not None and Decimal(value) <= 1000000


def is_date(value: str) -> bool:
    match = DATE.fullmatch(value)
    try:
        return match is not None and bool(date(*map(int, match.groups())))
    except ValueError:
        return False


def is_instant(value: str | None) -> bool:
    return parse_instant(value) is not None


def parse_instant(value: str | None) -> datetime | None:
    """The UTC instant of a contract timestamp (§3, §7: hour 00-23, second 00-59, offsets up to ±18:00)."""
    match = TS.fullmatch(value or "")
    if not match:
        return None
    year, month, day, hour, minute, second = map(int, match.groups()[:6])
    fraction, zone, off_h, off_m = match.group(7), match.group(8), match.group(9), match.group(10)
    offset = 0 if zone == "Z" else (int(off_h) * 60 + int(off_m)) * (1 if zone[0] == "+" else -1)
    if zone != "Z" and (int(off_m) > 59 or abs(offset) > 18 * 60):
        return None
    try:
        local = datetime(year, month, day, hour, minute, second, int((fraction or ".0")[1:].ljust(6, "0")))
    except ValueError:
        return None
    return local - timedelta(minutes=offset)
