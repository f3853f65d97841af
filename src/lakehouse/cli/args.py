"""Argument types shared by the sub-commands' parsers (argparse `type=` callables)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def seconds(minimum: float) -> Callable[[str], float]:
    """A number of seconds, at least `minimum`."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds of at least {minimum:g}")
        return value

    return parse
