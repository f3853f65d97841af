"""Timestamps as ADF expressions see them: ISO 8601 strings, formatted with .NET format strings.

ADF has no timestamp type: `pipeline().TriggerTime` and every date function's result are strings, by default in
the round-trip format `o` (`2026-01-08T02:00:00.0000000Z`). Everything here is in UTC, as the pipeline is.
Supported formats: the standard `o`/`O`, `s` and `u`, and custom formats built from `yyyy yy MM M dd d HH H hh h
mm m ss s f..fffffff tt K`, quoted literals and `\\` escapes; other letters are refused, naming the format.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?"
                  r"(Z|[+-]\d{2}:\d{2})?$")
_STANDARD = {"o": "yyyy-MM-ddTHH:mm:ss.fffffffK", "s": "yyyy-MM-ddTHH:mm:ss", "u": "yyyy-MM-dd HH:mm:ssK"}
_UNITS = {"second": "seconds", "minute": "minutes", "hour": "hours", "day": "days", "week": "weeks"}
_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?$")
_CUSTOM = re.compile(r"'[^']*'|\"[^\"]*\"|\\.|([A-Za-z])\1*|.", re.DOTALL)


class TimeFormatError(ValueError):
    """A timestamp or format this module does not read; the evaluator turns it into an ExpressionError."""


def parse_timestamp(text: object) -> datetime:
    """An ISO 8601 timestamp (or date) as an aware UTC datetime; no offset means UTC."""
    match = _ISO.match(text) if isinstance(text, str) else None
    if match is None:
        raise TimeFormatError(f"{text!r} is not an ISO 8601 timestamp")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0").ljust(7, "0")[:6])
    try:
        moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                          micro, tzinfo=UTC)
    except ValueError:
        raise TimeFormatError(f"{text!r} is not a real date and time") from None
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        moment -= sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    return moment


def _field(token: str, moment: datetime) -> str:
    letter, width = token[0], len(token)
    if letter == "f" and width <= 7:
        return f"{moment.microsecond:06d}0"[:width]
    values = {
        ("y", 4): f"{moment.year:04d}", ("y", 2): f"{moment.year % 100:02d}",
        ("M", 2): f"{moment.month:02d}", ("M", 1): str(moment.month),
        ("d", 2): f"{moment.day:02d}", ("d", 1): str(moment.day),
        ("H", 2): f"{moment.hour:02d}", ("H", 1): str(moment.hour),
        ("h", 2): f"{(moment.hour % 12) or 12:02d}", ("h", 1): str((moment.hour % 12) or 12),
        ("m", 2): f"{moment.minute:02d}", ("m", 1): str(moment.minute),
        ("s", 2): f"{moment.second:02d}", ("s", 1): str(moment.second),
        ("t", 2): "AM" if moment.hour < 12 else "PM", ("K", 1): "Z",
    }
    if (letter, width) not in values:
        raise TimeFormatError(f"format specifier {token!r} is not supported")
    return values[(letter, width)]


def format_timestamp(moment: datetime, fmt: str = "o") -> str:
    """`moment` (UTC) written with a .NET standard or custom format string."""
    if len(fmt) == 1:
        if fmt.lower() not in _STANDARD or fmt in ("S", "U"):
            raise TimeFormatError(f"standard format {fmt!r} is not supported (use o, s, u or a custom format)")
        fmt = _STANDARD[fmt.lower()]
    parts = []
    for match in _CUSTOM.finditer(fmt):
        token = match.group()
        if token[0] in "'\"":
            parts.append(token[1:-1])
        elif token[0] == "\\":
            parts.append(token[1:])
        elif match.group(1) and token[0] not in "TZ":
            parts.append(_field(token, moment.astimezone(UTC)))
        else:
            parts.append(token)  # punctuation, and the T and Z of ISO layouts, which .NET leaves as they are
    return "".join(parts)


def shift(moment: datetime, interval: object, unit: object) -> datetime:
    """`moment` moved by `interval` units (Second, Minute, Hour, Day or Week; months and years vary in length)."""
    if not isinstance(interval, int) or isinstance(interval, bool):
        raise TimeFormatError(f"interval {interval!r} is not an integer")
    name = _UNITS.get(str(unit).lower())
    if name is None:
        raise TimeFormatError(f"time unit {unit!r} is not supported (use Second, Minute, Hour, Day or Week)")
    return moment + timedelta(**{name: interval})


def parse_timespan(text: object) -> float:
    """Seconds of a .NET TimeSpan `[d.]hh:mm:ss` (ADF's activity timeouts, e.g. `0.02:00:00`)."""
    match = _TIMESPAN.match(text) if isinstance(text, str) else None
    if match is None:
        raise TimeFormatError(f"{text!r} is not a time span written [d.]hh:mm:ss")
    days, hours, minutes, seconds = (int(group or 0) for group in match.groups())
    if hours > 23 or minutes > 59 or seconds > 59:
        raise TimeFormatError(f"{text!r} is not a time span written [d.]hh:mm:ss")
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds).total_seconds()


def now_utc() -> datetime:
    return datetime.now(UTC)
