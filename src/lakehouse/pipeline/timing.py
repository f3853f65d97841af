"""Seconds spent per step of a stage, kept in its result (and `ops/pipeline_runs.metrics_json`), for the profile."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


@contextmanager
def timed(steps: dict[str, float], name: str) -> Iterator[None]:
    started = time.monotonic()
    try:
        yield
    finally:
        steps[name] = steps.get(name, 0.0) + time.monotonic() - started


def timed_step(steps: dict[str, float], name: str, step: Callable[[], T]) -> Callable[[], T]:
    """`step`, timed under `name` when it is called (for steps run side by side: `pipeline.parallel`)."""
    def run() -> T:
        with timed(steps, name):
            return step()
    return run
