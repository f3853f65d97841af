"""Independent steps of a stage run side by side, each in its own driver thread.

Most of a small run's time is the driver planning queries, reading Delta logs and committing, one step after the
other while the executors wait (bench/profile_run.py: half of a warm tiny run has no Spark job running). Steps that
share nothing (the four sources of a Bronze batch, the three dimensions, a fact slice and its daily aggregates)
overlap that latency when submitted from separate threads: Spark schedules the jobs of concurrent threads side by
side. Each thread is a `pyspark.InheritableThread` (pinned to its own JVM thread, with the caller's local
properties). Every step runs to its end, even when another fails, so no step is left half done when the stage's
error is raised: the first failure (in step order) is re-raised once all are done.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def side_by_side(steps: Sequence[Callable[[], Any]], at_most: int | None = None) -> list[Any]:
    """Each step's result, in the order given (steps may return different types: the caller names them); at most
    `at_most` steps at a time (all of them when None); a single step runs in the calling thread."""
    if len(steps) <= 1 or at_most == 1:
        return _one_after_another(steps)
    import threading

    from pyspark import InheritableThread

    results: list[Any] = [None] * len(steps)
    errors: list[BaseException | None] = [None] * len(steps)
    slots = threading.BoundedSemaphore(at_most or len(steps))

    def run(index: int) -> None:
        with slots:
            try:
                results[index] = steps[index]()
            except BaseException as error:  # re-raised in the caller's thread below
                errors[index] = error

    threads = [InheritableThread(run, args=(index,), daemon=True) for index in range(len(steps))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for error in errors:
        if error is not None:
            raise error
    return results


def _one_after_another(steps: Sequence[Callable[[], Any]]) -> list[Any]:
    """side_by_side's rules (every step runs; the first failure is raised at the end), in the calling thread."""
    results: list[Any] = []
    first_error: BaseException | None = None
    for step in steps:
        try:
            results.append(step())
        except BaseException as error:
            results.append(None)
            first_error = first_error or error
    if first_error is not None:
        raise first_error
    return results
