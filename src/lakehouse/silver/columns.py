"""Column -> Column functions for parsing and checking raw Bronze strings (contract §3, §7).

A parser whose value must first match a contract pattern takes, besides the value, `is_match`: whether it does
(False for a null value), as the parse tasks matched it (`silver.parsed.matched`), so no parser runs a regex.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from lakehouse import contract as c

MONEY_TYPE = "decimal(18,2)"


def _has_calendar_year(day: Column) -> Column:
    """Years 1-9999 only: Spark accepts year 0000, which no date type outside Spark (Python, Parquet readers,
    Synapse) represents (§3)."""
    return F.year(day).between(1, 9999)


# An instant stored in UTC must have a UTC date of its own (§3): these are the first and last such instants.
FIRST_INSTANT = "0001-01-01T00:00:00Z"
LAST_INSTANT = "9999-12-31T23:59:59.999999Z"


def parse_timestamp(value: Column, is_match: Column) -> Column:
    """UTC timestamp, or null when the text is not the contract's format (`is_match`: c.TIMESTAMP_PATTERN) or not a
    real instant.

    The pattern admits only the contract's format, so Spark's cast (ISO 8601) reads what is left: it is null for a
    day, hour, minute, second or offset that does not exist. It does read year 0000, which is no calendar year (the
    wall clock's, §3), and the UTC instant must have a calendar date of its own. Checked against the independent
    model in tests/model; about three times cheaper than `try_to_timestamp` with a pattern."""
    instant = value.try_cast("timestamp")
    in_calendar = (F.substring(value, 1, 4) != "0000") \
        & instant.between(F.lit(FIRST_INSTANT).cast("timestamp"), F.lit(LAST_INSTANT).cast("timestamp"))
    return F.when(is_match & in_calendar, instant)


def parse_date(value: Column, is_match: Column) -> Column:
    """`is_match`: c.DATE_PATTERN."""
    day = value.try_cast("date")
    return F.when(is_match & _has_calendar_year(day), day)


def parse_money(value: Column, is_match: Column) -> Column:
    """decimal(18,2) for a value of c.MONEY_PATTERN (`is_match`) up to 1000000, else null."""
    wide = value.try_cast("decimal(38,2)")
    in_range = wide <= F.lit(c.MONEY_MAX).cast("decimal(38,2)")
    return F.when(is_match & in_range, wide.cast(MONEY_TYPE))


def parse_quantity(value: Column, is_match: Column) -> Column:
    """`is_match`: c.INTEGER_PATTERN."""
    wide = value.try_cast("decimal(38,0)")
    in_range = wide.between(c.QUANTITY_MIN, c.QUANTITY_MAX)
    return F.when(is_match & in_range, wide.cast("int"))


def parse_flag(value: Column) -> Column:
    lowered = F.lower(value)
    return F.when(lowered.isin(*c.FLAG_TRUE), F.lit(True)).when(lowered.isin(*c.FLAG_FALSE), F.lit(False))


def parse_lsn(value: Column, is_match: Column) -> Column:
    """`0x` kept lower case, hex digits upper case (§3.2); `is_match`: c.LSN_PATTERN."""
    return F.when(is_match, F.concat(F.lit("0x"), F.upper(F.substring(value, 3, 20))))


def parse_operation(value: Column, is_match: Column) -> Column:
    """`is_match`: c.OPERATION_PATTERN."""
    return F.when(is_match, value.try_cast("int"))


def parse_country(value: Column, is_match: Column) -> Column:
    """`is_match`: c.COUNTRY_PATTERN."""
    return F.when(is_match, F.upper(value))


def parse_choice(value: Column, allowed: tuple[str, ...]) -> Column:
    """Lower-cased value when it is one of `allowed` (any case), else null."""
    lowered = F.lower(value)
    return F.when(lowered.isin(*allowed), lowered)


def is_invalid_nullable(value: Column, parsed: Column) -> Column:
    """A value that is present but does not parse (nullable columns)."""
    return value.isNotNull() & parsed.isNull()
