"""`pipeline.parallel.side_by_side`: independent steps of a stage run at once, every step runs to its end, results
come back in step order and the first failure (in step order) is raised after all have ended."""

from __future__ import annotations

import threading
import time

import pytest

from lakehouse.pipeline.parallel import side_by_side


def test_results_in_step_order_and_steps_overlap():
    # Each step waits for all the others at a barrier: they can only pass it if they run at the same time.
    barrier = threading.Barrier(3, timeout=60)

    def step(value: int) -> int:
        barrier.wait()
        time.sleep(0.01 * (3 - value))  # the first step ends last
        return value * 10

    assert side_by_side([lambda value=value: step(value) for value in range(3)]) == [0, 10, 20]


def test_every_step_ends_before_the_first_failure_is_raised():
    ended: list[str] = []

    def fails(name: str, delay: float) -> None:
        time.sleep(delay)
        ended.append(name)
        raise ValueError(name)

    def slow() -> None:
        time.sleep(0.3)
        ended.append("slow")

    with pytest.raises(ValueError, match="^second$"):
        side_by_side([slow, lambda: fails("second", 0.2), lambda: fails("third", 0.0)])
    assert sorted(ended) == ["second", "slow", "third"]


def test_a_single_step_runs_in_the_calling_thread():
    assert side_by_side([threading.get_ident]) == [threading.get_ident()]
    assert side_by_side([]) == []


def test_spark_jobs_from_steps_run(spark):
    counts = side_by_side([lambda n=n: spark.range(n).count() for n in (5, 7, 11)])
    assert counts == [5, 7, 11]


def test_at_most_bounds_the_steps_running_at_once():
    running, peak = 0, 0
    lock = threading.Lock()
    pair = threading.Barrier(2, timeout=60)  # two at a time do run together

    def step(value: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        pair.wait()
        time.sleep(0.02)
        with lock:
            running -= 1
        return value

    assert side_by_side([lambda value=value: step(value) for value in range(6)], at_most=2) == list(range(6))
    assert peak == 2


def test_one_at_a_time_runs_in_the_calling_thread_with_the_same_failure_rules():
    ended: list[int] = []

    def step(value: int) -> int:
        ended.append(value)
        if value in (1, 2):
            raise ValueError(str(value))
        return threading.get_ident()

    with pytest.raises(ValueError, match="^1$"):
        side_by_side([lambda value=value: step(value) for value in range(4)], at_most=1)
    assert ended == [0, 1, 2, 3]
    assert side_by_side([lambda: step(0), lambda: step(3)], at_most=1) == [threading.get_ident()] * 2
