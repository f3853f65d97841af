"""Rendering a CsvFile to bytes in one of the many dialects the contract accepts (§2, §7).

Every variation here keeps valid rows valid: BOM, CRLF, missing final newline, shuffled columns, header names in
other case or padded, an extra (drift) column, a blank line, quoting everything, and per-row spellings (upper-case
value sets, lower-case country and LSN hex, money without trailing zeros, `1`/`0` flags, spaces around values).
Faulted rows are written as built, so their fault stays exactly the intended one.
"""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Literal

from lakehouse.generate.faults import sanitize_for_malformed
from lakehouse.generate.model import CsvFile, Row

BOM = "\ufeff"
DRIFT_COLUMNS = (("source_system", "pos-eu-01"), ("export_host", "sqlprod02"), ("note", "re-exported"))
CASE_COLUMNS = frozenset(("payment_method", "channel", "loyalty_tier", "store_type"))
MONEY_COLUMNS = frozenset(("unit_price", "discount", "list_price"))
LSN_COLUMNS = frozenset(("__$start_lsn", "__$seqval"))
NEEDS_QUOTES = (",", '"', "\r", "\n")
FLAG_SPELLINGS = {"true": ("TRUE", "True", "1"), "false": ("FALSE", "False", "0")}
FIRST_DAY_FEATURES = {  # (source, file number of the day) -> variations it always has
    ("transactions", 0): frozenset(("bom", "crlf", "varied", "blank_line")),
    ("transactions", 1): frozenset(("shuffle", "styled_header", "drift", "no_final_newline", "varied")),
    ("customers", 0): frozenset(("varied", "styled_header", "crlf")),
    ("products", 0): frozenset(("quote_all", "shuffle", "varied")),
    ("stores", 0): frozenset(("bom", "drift", "varied", "no_final_newline")),
}
# A repeated header name whose second column holds junk: the first occurrence must win (§7).
DUPLICATE_HEADER = {"transactions": ("Channel", "fax"), "customers": ("EMAIL", "not-an-email"),
                    "products": ("Is_Active", "maybe"), "stores": ("Store_Type", "megastore")}


@dataclass(frozen=True)
class Dialect:
    order: list[int]  # positions in the row + extra values, in file column order
    header: list[str]
    extra: list[str]  # values of the drift / duplicate-header columns, appended to every row
    terminator: str
    quoting: Literal[0, 1, 2, 3]
    bom: bool
    final_newline: bool
    blank_at: int | None  # a completely empty line before this record (§7: not a record)


def set_first_day_features(files: list[CsvFile]) -> None:
    """Day 1 shows every variation at least once, whatever the size of the data set."""
    seen: Counter[str] = Counter()
    for f in files:
        f.features = FIRST_DAY_FEATURES.get((f.source, seen[f.source]), frozenset())
        seen[f.source] += 1


def choose_dialect(rng: random.Random, f: CsvFile) -> Dialect:
    def has(feature: str, probability: float) -> bool:
        return rng.random() < probability or feature in f.features

    width = len(f.columns)
    order = list(range(width))
    if has("shuffle", 0.3):
        rng.shuffle(order)
    styled = 0.6 if "styled_header" in f.features else 0.25
    header = [_header_name(rng, f.columns[i]) if rng.random() < styled else f.columns[i] for i in order]
    extra: list[str] = []
    if has("drift", 0.2):  # schema drift: an extra column somewhere
        name, value = rng.choice(DRIFT_COLUMNS)
        position = rng.randrange(len(order) + 1)
        order.insert(position, width)
        header.insert(position, name)
        extra.append(value)
    if f.duplicate_header:
        name, value = DUPLICATE_HEADER[f.source]
        order.append(width + len(extra))
        header.append(name)
        extra.append(value)
    return Dialect(
        order, header, extra,
        terminator="\r\n" if has("crlf", 0.3) else "\n",
        quoting=csv.QUOTE_ALL if has("quote_all", 0.1) else csv.QUOTE_MINIMAL,
        bom=has("bom", 0.25),
        final_newline=not has("no_final_newline", 0.2),
        blank_at=rng.randrange(1, len(f.rows)) if has("blank_line", 0.1) and len(f.rows) > 1 else None,
    )


def render_csv(f: CsvFile, rng: random.Random) -> bytes:
    d = choose_dialect(rng, f)
    varied = _varied_rows(rng, f)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=d.terminator, quoting=d.quoting)
    writer.writerow(d.header)
    getter, extra = itemgetter(*d.order), d.extra
    pick = (lambda row: getter(row + extra)) if extra else getter  # noqa: E731
    special = sorted(set(f.malformed) | varied | ({d.blank_at} if d.blank_at is not None else set()))
    start = 0
    for index in special:
        _write_rows(buffer, writer, d, map(pick, f.rows[start:index]))
        if index == d.blank_at:
            buffer.write(d.terminator)
        row = f.rows[index]
        if index in f.malformed:
            writer.writerow(_malformed(rng, list(pick(row)), f.malformed[index]))
        else:
            writer.writerow(pick(_vary(rng, f.columns, row) if index in varied else row))
        start = index + 1
    _write_rows(buffer, writer, d, map(pick, f.rows[start:]))
    text = buffer.getvalue()
    if not d.final_newline:
        text = text[: -len(d.terminator)]
    return ((BOM if d.bom else "") + text).encode("utf-8")


def _write_rows(buffer: io.StringIO, writer: Any, d: Dialect, rows: Iterable[Sequence[str | None]]) -> None:
    """csv.writer costs ~3 us a row; rows of plain strings need no quoting and are joined ten times faster.
    The probe finds anything that would need quotes (or a None); such batches go through csv.writer."""
    batch = list(rows)
    if d.quoting == csv.QUOTE_MINIMAL and batch:
        try:
            probe = "\x00".join(["\x00".join(row) for row in batch])  # type: ignore[arg-type]
        except TypeError:  # a None value
            probe = '"'
        if not any(ch in probe for ch in NEEDS_QUOTES):
            buffer.write(d.terminator.join([",".join(row) for row in batch]))  # type: ignore[arg-type]
            buffer.write(d.terminator)
            return
    writer.writerows(batch)


def _header_name(rng: random.Random, name: str) -> str:
    style = rng.randrange(3)
    if style == 0:
        return name.upper()
    if style == 1:
        return "_".join(part.capitalize() for part in name.split("_"))
    return f" {name}  "  # header names are trimmed before matching (§2)


def _varied_rows(rng: random.Random, f: CsvFile) -> set[int]:
    if not f.rows or (rng.random() < 0.5 and "varied" not in f.features):
        return set()
    count = max(1, len(f.rows) // 20)
    chosen = rng.sample(range(len(f.rows)), min(count, len(f.rows)))
    return {index for index in chosen if index not in f.reasons}


def _vary(rng: random.Random, columns: tuple[str, ...], row: Row) -> list[str | None]:
    """Another spelling of the same valid values (contract §2 trimming, §3 case rules, §7 normalisation)."""
    out = list(row)
    for i, (column, value) in enumerate(zip(columns, row, strict=True)):
        if value is None or rng.random() < 0.5:
            continue
        if column in CASE_COLUMNS:
            out[i] = value.upper() if rng.random() < 0.5 else value.title()
        elif column == "country":
            out[i] = value.lower()
        elif column == "is_active":
            out[i] = rng.choice(FLAG_SPELLINGS.get(value, (value,)))
        elif column in MONEY_COLUMNS and "." in value:
            out[i] = value.rstrip("0").rstrip(".")
        elif column in LSN_COLUMNS:
            out[i] = "0x" + value[2:].lower()
    padded = rng.randrange(len(out))
    out[padded] = f"  {out[padded] or ''} "
    return out


def _malformed(rng: random.Random, values: list[str | None], delta: int) -> list[str]:
    plain = sanitize_for_malformed(values)
    if delta > 0:
        return plain + [rng.choice(("x", "", "extra"))]
    return plain[:-1]
