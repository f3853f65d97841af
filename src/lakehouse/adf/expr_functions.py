"""The pure functions of ADF expressions that `lakehouse adf-run` supports, by lower-case name.

ADF's function names are case-insensitive. Each takes evaluated arguments and raises ValueError or TypeError on
arguments it does not accept; the evaluator turns that into an ExpressionError naming the expression. Parameters
deployed by Terraform arrive as strings, so `int()` and `bool()` accept text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from lakehouse.adf import dotnet_time


def to_text(value: object) -> str:
    """A value as ADF writes it into a string: booleans as True/False, objects and arrays as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{value!r} is not a boolean")
    return value


def _number(value: object) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{value!r} is not a number")
    return value


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{value!r} is not an integer or its text")
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an integer") from None


def _to_bool(value: object) -> bool:
    """bool(): true/false as text (any case) or a number; parameters deployed as String need it."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(f"{value!r} is not a boolean or its text")


def _greater(left: object, right: object) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left > right
    return _number(left) > _number(right)


def _length(value: object) -> int:
    if not isinstance(value, str | list | dict):
        raise ValueError(f"length() takes a string or an array, not {value!r}")
    return len(value)


def _union(*collections: object) -> object:
    if collections and all(isinstance(item, dict) for item in collections):
        merged: dict[str, Any] = {}
        for item in collections:
            merged.update(item)  # type: ignore[call-overload]
        return merged
    result: list[Any] = []
    seen: set[str] = set()
    for collection in collections:
        if not isinstance(collection, list):
            raise ValueError(f"union() takes arrays (or objects), not {collection!r}")
        for item in collection:
            key = json.dumps(item, sort_keys=True)
            if key not in seen:
                seen.add(key)
                result.append(item)
    return result


def _concat(*values: object) -> str:
    if any(isinstance(value, dict | list) for value in values):
        raise ValueError("concat() takes strings; use string() for objects and arrays")
    return "".join(to_text(value) for value in values)


def _json(value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as error:
        raise ValueError(f"json() got text that is not JSON ({error.msg})") from None


def _format_date_time(timestamp: object, fmt: object = "o") -> str:
    return dotnet_time.format_timestamp(dotnet_time.parse_timestamp(timestamp), str(fmt))


def _shifted(timestamp: object, interval: object, unit: object, fmt: object, sign: int) -> str:
    moment = dotnet_time.parse_timestamp(timestamp)
    count = _number(interval)
    return dotnet_time.format_timestamp(dotnet_time.shift(moment, sign * int(count), unit), str(fmt))


def _equals(left: object, right: object) -> bool:
    return type(left) is type(right) and left == right or (
        isinstance(left, int | float) and isinstance(right, int | float) and left == right)


FUNCTIONS: dict[str, Callable[..., object]] = {
    "concat": _concat,
    "string": to_text,
    "json": _json,
    "int": _int,
    "bool": _to_bool,
    "formatdatetime": _format_date_time,
    "subtractfromtime": lambda ts, n, unit, fmt="o": _shifted(ts, n, unit, fmt, -1),
    "addtotime": lambda ts, n, unit, fmt="o": _shifted(ts, n, unit, fmt, 1),
    "addhours": lambda ts, n, fmt="o": _shifted(ts, n, "Hour", fmt, 1),
    "adddays": lambda ts, n, fmt="o": _shifted(ts, n, "Day", fmt, 1),
    "or": lambda *values: any([_bool(value) for value in values]),
    "and": lambda *values: all([_bool(value) for value in values]),
    "not": lambda value: not _bool(value),
    "equals": _equals,
    "greater": _greater,
    "length": _length,
    "empty": lambda value: value is None or _length(value) == 0,
    "union": _union,
    "coalesce": lambda *values: next((value for value in values if value is not None), None),
}
