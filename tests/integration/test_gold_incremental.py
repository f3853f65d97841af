"""Incremental equals full (§5): the same landed files split into runs give the Gold of one run over all of them.

Runs are in-process (`jobs.pipeline.run` on the test session's Spark) to keep many runs affordable; the real
command line is exercised by the other integration tests. The files come from the shared generated data, which
has late CDC files, rejected files, duplicates and every reason code.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from lakehouse import contract as c
from lakehouse.config import LakehouseConfig
from lakehouse.gold import tables as gold_tables
from lakehouse.pipeline import run as pipeline
from lakehouse.storage.layout import Layout
from tests.integration.helpers import commit_run_ids, copy_bronze, gold_state

pytestmark = pytest.mark.slow


def run_in_chunks(generated, root, chunks: list[list[str]]) -> list[str]:
    run_ids = []
    for index, chunk in enumerate(chunks):
        copy_bronze(generated.root, root, chunk)
        run_id = f"chunk-{index}"
        # The quarantine gate is not the subject here: a chunk may be mostly fault-dense files.
        summary = pipeline.run(LakehouseConfig.create(root, run_id, max_quarantine_ratio=1.0))
        assert summary.silver.status == summary.gold.status == "succeeded"
        run_ids.append(run_id)
    return run_ids


def assert_one_commit_per_table_per_run(root, run_ids: list[str]) -> None:
    """§5 / issue: at most one commit per Gold table per run, each naming its run."""
    for table in gold_tables.ALL:  # data_quality too: one append per Silver run
        per_run = Counter(commit_run_ids(Layout(root).gold_table(table.name)))
        assert set(per_run) <= set(run_ids), table.name
        assert max(per_run.values()) == 1, (table.name, per_run)


@pytest.mark.parametrize("seed", [3, 17])
def test_files_split_into_runs_at_random_points_give_the_gold_of_one_run(seed, spark, tmp_path, generated,
                                                                         gold_baseline):
    """§5: any split of the landed files (in landing order) into runs gives the same Gold as one run."""
    paths = generated.paths
    cuts = sorted(random.Random(seed).sample(range(1, len(paths)), 2))
    chunks = [paths[:cuts[0]], paths[cuts[0]:cuts[1]], paths[cuts[1]:]]
    root = tmp_path / "root"
    run_ids = run_in_chunks(generated, root, chunks)
    assert gold_state(root) == gold_state(gold_baseline)
    assert_one_commit_per_table_per_run(root, run_ids)


def test_cdc_files_delivered_out_of_order_give_the_same_gold(spark, tmp_path, generated, gold_baseline):
    """§4.1, §5: the first day's CDC files arriving after later days' (late changes with lower LSNs) rewrite the
    keys' history to the on-time one, and the fact's as-of attributes follow: Gold equals the in-order run."""
    first_day = min(path.split("ingest_date=")[1][:10] for path in generated.paths)
    is_late = [
        path for path in generated.paths
        if path.split("/")[1] in (c.CUSTOMERS, c.PRODUCTS) and f"ingest_date={first_day}" in path
    ]
    assert is_late, "the generated data has CDC files on its first day"
    on_time = [path for path in generated.paths if path not in is_late]
    root = tmp_path / "root"
    run_ids = run_in_chunks(generated, root, [on_time, is_late])
    assert gold_state(root) == gold_state(gold_baseline)
    assert_one_commit_per_table_per_run(root, run_ids)
