"""Hypothesis strategies for raw Bronze rows (DATA_CONTRACT.md §2, §3, §7): valid values, near misses, ASCII
padding that must be trimmed, and Unicode oddities that must be neither trimmed nor accepted.

A row starts valid (so the later rules are reached) and then has a few columns perturbed. The strategies only aim
at the rules' edges; whether a value is valid is decided by the model (`row_model`), never here.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from tests.model import row_model as m

ASCII_WHITESPACE = m.ASCII_WHITESPACE
# What Java's `$` takes as a final line terminator. The first three are not ASCII whitespace, so trimming (§7) keeps
# them; \n and \r are kept too when a character that is not ASCII whitespace follows them (see `decorated`).
LINE_TERMINATORS = ("\u0085", "\u2028", "\u2029", "\n", "\r")
ODD_CHARACTERS = ("\u0085", "\u2028", "\u2029", "\u00a0", "\u3000", "\ufeff", "\u200b", "\x1c", "\x00")
FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
ID_ALPHABET = string.ascii_letters + string.digits + "_-"
HEX = "0123456789abcdefABCDEF"

# --- valid values --------------------------------------------------------------------------------------------------
# Drawn once from a fixed seed into pools: a row then costs Hypothesis one choice per pool instead of one per
# character, which keeps a batch of a few hundred rows within Hypothesis's per-example budget.

POOL_SIZE = 400
YEARS = (1900, 1999, 2000, 2024, 2025, 2026, 2100)
FRACTIONS = ("", "", "", ".1", ".05", ".123456", ".000000")
OFFSETS = ("Z", "Z", "Z", "+00:00", "-00:00", "+18:00", "-18:00", "+05:30", "-03:45", "+17:59")


def _any_case(rng: random.Random, word: str) -> str:
    """§3 "any case": a random mix of upper and lower case."""
    return "".join(char.upper() if rng.random() < 0.3 else char for char in word)


def _valid_id(rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return rng.choice(["T1", "T2", "C1", "C2", "P0096", "S1"])  # small pool: duplicate keys are common
    if kind == 1:
        return rng.choice(ID_ALPHABET) * 64
    return "".join(rng.choice(ID_ALPHABET) for _ in range(rng.randint(1, 10)))


def _date(rng: random.Random) -> str:
    return f"{rng.choice(YEARS):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _offset(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return rng.choice(OFFSETS)
    return f"{rng.choice('+-')}{rng.randint(0, 17):02d}:{rng.randint(0, 59):02d}"


def _timestamp(rng: random.Random) -> str:
    clock = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    return f"{_date(rng)}T{clock}{rng.choice(FRACTIONS)}{_offset(rng)}"


def _money(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return rng.choice(["0", "0.00", "10.00", "10.5", "1000000", "1000000.00", "1000000.0", "999999.99", "007.50"])
    return f"{rng.randint(0, 2000)}{rng.choice(['', '.5', '.05', '.99', '.10'])}"


def _quantity(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return rng.choice(["1", "10000", "+5", "0005", "+0010000"])
    return str(rng.randint(1, 30))


def _lsn(rng: random.Random) -> str:
    if rng.random() < 0.5:  # few distinct values, in both cases: duplicates by normalised LSN (§7)
        return rng.choice(["0x0000000000000000000a", "0x0000000000000000000A", "0x0000000000000000000b"])
    return "0x" + "".join(rng.choice(HEX) for _ in range(20))


def _email(rng: random.Random) -> str:
    if rng.random() < 0.3:  # §7: `\s` is ASCII, so U+2028 is an ordinary character of an email
        return rng.choice(["ada@example.com", "a@b.co", "x.y+z@mail.example.org", "ä@b.c", "a@b.c\u2028"])
    def part(size: int) -> str:
        return "".join(rng.choice(string.ascii_letters) for _ in range(rng.randint(1, size)))
    return f"{part(4)}@{part(4)}.{part(3)}"


def _text(rng: random.Random) -> str:
    alphabet = string.ascii_letters + string.digits + " .,'-éßЖ漢\u00a0"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6)))


VALID_RECIPES: dict[str, Callable[[random.Random], str]] = {
    "id": _valid_id,
    "timestamp": _timestamp,
    "date": _date,
    "money": _money,
    "quantity": _quantity,
    "payment": lambda rng: _any_case(rng, rng.choice(m.PAYMENT_METHODS)),
    "channel": lambda rng: _any_case(rng, rng.choice(m.CHANNELS)),
    "tier": lambda rng: _any_case(rng, rng.choice(m.LOYALTY_TIERS)),
    "store_type": lambda rng: _any_case(rng, rng.choice(m.STORE_TYPES)),
    "lsn": _lsn,
    "operation": lambda rng: rng.choice("1234"),
    "email": _email,
    "country": lambda rng: _any_case(rng, rng.choice(["gb", "us", "fr", "de", "nl"])),
    "flag": lambda rng: _any_case(rng, rng.choice(["true", "false", "1", "0"])),
    "text": _text,
}
_POOL_RNG = random.Random(20260105)
VALID_POOLS = {kind: [recipe(_POOL_RNG) for _ in range(POOL_SIZE)] for kind, recipe in VALID_RECIPES.items()}


def valid(kind: str) -> st.SearchStrategy[str]:
    return st.sampled_from(VALID_POOLS[kind])


# --- near misses and other invalid or tricky values, per kind --------------------------------------------------------

wild_id = st.sampled_from([
    "A" * 65, "bad id", "S.1", "C#1", "Pé", "P" + "１", "P\u20280", "P\n1", "P\r1", "P0096\u2028", "P0096\u0085",
])
wild_timestamp = st.one_of(
    st.builds(
        lambda y, mo, d, sep, h, mi, s, frac, off: f"{y}-{mo}-{d}{sep}{h}:{mi}:{s}{frac}{off}",
        st.sampled_from(["2024", "2025", "2000", "1900", "202", "20261"]),
        st.sampled_from(["00", "01", "02", "12", "13", "1"]),
        st.sampled_from(["00", "01", "28", "29", "30", "31", "32"]),
        st.sampled_from(["T", "T", "T", " ", "t"]),
        st.sampled_from(["00", "23", "24"]), st.sampled_from(["00", "59", "60"]), st.sampled_from(["00", "59", "60"]),
        st.sampled_from(["", ".1", ".123456", ".1234567", "."]),
        st.sampled_from(["Z", "z", "+18:00", "-18:00", "+18:01", "-18:01", "+19:00", "+05:60", "+0530", "+05", "",
                         "-00:00"]),
    ),
    st.sampled_from(["2026-01-05", "2026-01-05T10:00Z", "2026-01-05T10:00:00Z\u2028", "2026-01-05T10:00:00+01:00\n1",
                     # years 0000 and 10000 in UTC: no calendar date to store (§3)
                     "0000-01-01T00:00:00Z", "0000-02-29T12:00:00Z", "0001-01-01T00:00:00+01:00",
                     "0001-01-01T00:00:00Z", "9999-12-31T23:00:00-01:00", "9999-12-31T23:59:59.999999Z"]),
)
wild_date = st.one_of(
    st.builds(lambda y, mo, d: f"{y}-{mo}-{d}", st.sampled_from(["2024", "2025", "1900", "2000"]),
              st.sampled_from(["00", "02", "12", "13"]), st.sampled_from(["00", "28", "29", "30", "31", "32"])),
    st.sampled_from(["2026-1-5", "20260105", "2026/01/05", "2026-01-05T00:00:00Z", "2026-01-05\u2029",
                     "0000-01-01", "0000-02-29", "0001-01-01", "9999-12-31"]),
)
wild_money = st.sampled_from([
    "1000000.01", "1000001", "1.234", "-1.00", ".5", "5.", "1e3", "1,000", "+1.00", "１0", "NaN", "1 000",
    "0" * 45 + "1.00", "9" * 45, "10.00\u2028", "0.001",
])
wild_quantity = st.sampled_from([
    "0", "-1", "10001", "+-1", "2.0", "-0", "+0", "00000", "9" * 23, "1e2", "５", "+", "-", "0010001", "3\u2028",
    "0" * 40 + "7", "+" + "0" * 40 + "10000", "-" + "0" * 40 + "1",
])


def wild_choice(words: tuple[str, ...]) -> st.SearchStrategy[str]:
    others = ("card", "store", "online", "gold", "outlet", "diamond", "fax", "bitcoin", "Cardd", "car d", "ｃard")
    return st.one_of(st.sampled_from(others), st.sampled_from(words).map(lambda word: word + "."))


wild_lsn = st.sampled_from([
    "0X0000000000000000000A", "0x" + "0" * 19, "0x" + "0" * 21, "0x" + "g" * 20, "0" * 22, "0x" + "０" * 20,
    "0x0000000000000000000a\u2028", "0x12",
])
wild_operation = st.sampled_from(["0", "5", "12", "02", "+2", "2.0", "２", "-1", "9", "2\u2028", "3\u0085"])
wild_email = st.sampled_from([
    "a@b", "@b.c", "a@.c", "a b@c.d", "a@b@c.d", "a@b.c d", "a\t@b.c", "a@b..c", "not-an-email", "a@b.c\n",
    "a@b.\u2028",
])
wild_country = st.sampled_from(["GBR", "G", "G1", "ÉS", "ＧＢ", "g b", "GB\u2028", "U\u0085"])
wild_flag = st.sampled_from(["yes", "t", "2", "01", "true!", "ｔrue", "tru", "1\u2029"])

WILD: dict[str, st.SearchStrategy[str]] = {
    "id": wild_id,
    "timestamp": wild_timestamp,
    "date": wild_date,
    "money": wild_money,
    "quantity": wild_quantity,
    "payment": wild_choice(m.PAYMENT_METHODS),
    "channel": wild_choice(m.CHANNELS),
    "tier": wild_choice(m.LOYALTY_TIERS),
    "store_type": wild_choice(m.STORE_TYPES),
    "lsn": wild_lsn,
    "operation": wild_operation,
    "email": wild_email,
    "country": wild_country,
    "flag": wild_flag,
    "text": valid("text"),
}
_CDC_KINDS = {
    "__$start_lsn": "lsn", "__$seqval": "lsn", "__$operation": "operation", "__$update_mask": "text",
    "commit_ts": "timestamp",
}
COLUMN_KINDS: dict[str, dict[str, str]] = {
    m.TRANSACTIONS: {
        "transaction_id": "id", "customer_id": "id", "product_id": "id", "store_id": "id",
        "transaction_ts": "timestamp", "quantity": "quantity", "unit_price": "money", "discount": "money",
        "payment_method": "payment", "channel": "channel",
    },
    m.CUSTOMERS: {
        **_CDC_KINDS, "customer_id": "id", "first_name": "text", "last_name": "text", "email": "email",
        "city": "text", "country": "country", "loyalty_tier": "tier", "signup_date": "date",
    },
    m.PRODUCTS: {
        **_CDC_KINDS, "product_id": "id", "product_name": "text", "category": "text", "subcategory": "text",
        "list_price": "money", "is_active": "flag",
    },
    m.STORES: {
        "store_id": "id", "store_name": "text", "city": "text", "region": "text", "country": "country",
        "store_type": "store_type", "opened_date": "date",
    },
}

# --- decorations -------------------------------------------------------------------------------------------------


def _insert_inside(value: str, char: str, index: int) -> str:
    cut = 1 + index % max(len(value) - 1, 1)
    return value[:cut] + char + value[cut:]


ascii_pad = st.text(ASCII_WHITESPACE, min_size=1, max_size=3)
odd = st.sampled_from(ODD_CHARACTERS + ("\n", "\r"))


def decorated(value: str) -> st.SearchStrategy[str]:
    """The value with ASCII padding (trimmed away, so still valid) or with an odd character before, after or
    inside it (never trimmed: invalid wherever a pattern applies, except inside an email's ASCII `\\s` class)."""
    return st.one_of(
        st.builds(lambda before, after: before + value + after, ascii_pad, ascii_pad),
        odd.map(lambda char: value + char),
        odd.map(lambda char: char + value),
        st.builds(lambda char, pad: value + char + pad, st.sampled_from(LINE_TERMINATORS), ascii_pad),
        st.builds(lambda char, index: _insert_inside(value, char, index), odd, st.integers(0, 8)),
        st.just(value.translate(FULLWIDTH_DIGITS)),
    )


def perturbed(kind: str) -> st.SearchStrategy[str | None]:
    return st.one_of(
        WILD[kind],
        valid(kind).flatmap(decorated),
        st.sampled_from([None, "", "  ", "\t\r\n"]),  # null, or empty once trimmed (§2)
        valid(kind).map(str.upper),
    )


# --- rows and batches ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawRow:
    """One Bronze record: raw values by contract column, and how many fields it has beyond the header (0 = well
    formed; -1 one field short, 1 one too many: `malformed_row`, §2)."""

    fields: dict[str, str | None]
    surplus: int

    @property
    def is_malformed(self) -> bool:
        return self.surplus != 0


@dataclass(frozen=True)
class RawFile:
    """One Bronze file: its ingest_date, its header (required columns in any order, maybe an extra one) and rows."""

    ingest_date: date
    header: tuple[str, ...]
    rows: tuple[RawRow, ...]

    def __repr__(self) -> str:
        return f"RawFile({self.ingest_date}, {len(self.header)} columns, {len(self.rows)} rows)"

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """Hypothesis prints a failing example with this: short, as the assertion lists the rows that matter."""
        printer.text(repr(self))


def _base_row(rng: random.Random, source: str) -> dict[str, str]:
    """A row of valid values, sometimes with ASCII padding. A discount is null, below quantity × unit_price, or at
    the edge of §3.1 rule 7: equal to it or one cent either side."""
    fields = {name: rng.choice(VALID_POOLS[kind]) for name, kind in COLUMN_KINDS[source].items()}
    if source == m.TRANSACTIONS:
        total = int(fields["quantity"]) * Decimal(fields["unit_price"])
        fields["discount"] = rng.choice([
            "", f"{total * Decimal(rng.random()):.2f}".replace("-", ""),
            f"{total + Decimal(rng.choice(['0', '0.01', '-0.01'])):.2f}",
        ])
    if rng.random() < 0.3:
        name = rng.choice(list(fields))
        pad = "".join(rng.choice(ASCII_WHITESPACE) for _ in range(3))
        fields[name] = pad[: rng.randint(0, 3)] + fields[name] + pad[rng.randint(0, 3):]
    return fields


_BASE_RNG = random.Random(20260106)
BASE_ROWS = {source: [_base_row(_BASE_RNG, source) for _ in range(POOL_SIZE)] for source in COLUMN_KINDS}
SURPLUS = (0,) * 38 + (-1, 1)


@st.composite
def raw_rows(draw: st.DrawFn, source: str) -> RawRow:
    """A valid base row with up to three columns perturbed, sometimes malformed."""
    kinds = COLUMN_KINDS[source]
    fields: dict[str, str | None] = dict(draw(st.sampled_from(BASE_ROWS[source])))
    for name in draw(st.lists(st.sampled_from(list(kinds)), max_size=3)):
        fields[name] = draw(perturbed(kinds[name]))
    return RawRow(fields, draw(st.sampled_from(SURPLUS)))


@st.composite
def raw_files(draw: st.DrawFn, source: str, rows: int) -> list[RawFile]:
    """A batch of 1-3 files in landing order (ingest dates non-decreasing), each with its own column order."""
    batch = draw(st.lists(raw_rows(source), min_size=rows, max_size=rows))
    cuts = sorted(draw(st.lists(st.integers(0, rows), max_size=2)))
    days = sorted(draw(st.lists(st.integers(5, 6), min_size=len(cuts) + 1, max_size=len(cuts) + 1)))
    files = []
    for index, (start, end) in enumerate(zip([0, *cuts], [*cuts, rows], strict=True)):
        header = list(draw(st.permutations(m.COLUMNS[source])))
        if draw(st.booleans()):
            header.insert(draw(st.integers(0, len(header))), "extra_column")  # §2: extra columns are ignored
        files.append(RawFile(date(2026, 1, days[index]), tuple(header), tuple(batch[start:end])))
    return files
