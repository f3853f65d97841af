"""Incremental equals full (§5) for `customer_segmentation`: moved on run after run, it equals the full
recomputation.

A file of its own (it was in test_gold_incremental.py) only so that the test runner's two workers can run it beside
that file's tests: the run is in-process on the test session's Spark, over the shared generated data.
"""

from __future__ import annotations

import random

import pytest

from lakehouse.config import LakehouseConfig
from lakehouse.gold import tables as gold_tables
from lakehouse.pipeline import run as pipeline
from lakehouse.storage.layout import Layout
from tests.integration.helpers import copy_bronze

pytestmark = pytest.mark.slow


def test_segmentation_moved_on_equals_the_full_recomputation_after_each_run(spark, tmp_path, generated):
    """§4.4 and the Gold cost issue: after every run of a random sequence of runs, the segmentation moved on from its
    stored rows by the changed and departed days equals `build_customer_segmentation` over the whole window of the
    fact as it stands; and the runs after the first do move it on rather than recompute it."""
    from datetime import date as date_type

    from lakehouse.gold import aggregates
    from lakehouse.pipeline.context import RunContext
    from lakehouse.storage.delta_tables import Rows

    paths = generated.paths
    cuts = sorted(random.Random(29).sample(range(1, len(paths)), 3))
    chunks = [paths[start:end] for start, end in zip([0, *cuts], [*cuts, len(paths)], strict=True)]
    root = tmp_path / "root"
    modes = []
    for index, chunk in enumerate(chunks):
        copy_bronze(generated.root, root, chunk)
        config = LakehouseConfig.create(root, f"wave-{index}", max_quarantine_ratio=1.0)
        summary = pipeline.run(config)
        modes.append(summary.gold.segmentation)
        engine = RunContext.start(config).engine
        fact = Layout(root).gold_table(gold_tables.FACT_SALES.name)
        days = [date_type.fromisoformat(value) for value in engine.partition_values(fact, "transaction_date")]
        window = engine.read(fact, gold_tables.FACT_SALES.schema, Rows.all())
        expected = aggregates.build_customer_segmentation(window, max(days)).collect() if days else []
        stored = engine.read(Layout(root).gold_table(gold_tables.CUSTOMER_SEGMENTATION.name),
                             gold_tables.CUSTOMER_SEGMENTATION.schema).collect()
        assert sorted(map(tuple, stored)) == sorted(map(tuple, expected)), f"after run {index}"
    assert "moved on" in modes, modes
