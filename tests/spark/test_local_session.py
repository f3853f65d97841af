"""The local session's settings that depend on the machine (src/lakehouse/spark.py)."""

from __future__ import annotations

import pytest

from lakehouse.spark import DRIVER_MEMORY_ENV, driver_memory

GIB = 2**30


@pytest.mark.parametrize(("physical_gib", "heap"), [
    (8, "4g"),     # a small laptop still gets the 4 GiB the tests and the demo were sized on
    (24, "6g"),    # this project's machines: a quarter
    (64, "16g"),   # capped: a local session is not a cluster
    (200, "16g"),
])
def test_driver_heap_is_a_quarter_of_the_machine_within_bounds(monkeypatch, physical_gib, heap):
    monkeypatch.delenv(DRIVER_MEMORY_ENV, raising=False)
    assert driver_memory(physical_gib * GIB) == heap


def test_driver_heap_can_be_set(monkeypatch):
    monkeypatch.setenv(DRIVER_MEMORY_ENV, "10g")
    assert driver_memory(24 * GIB) == "10g"
