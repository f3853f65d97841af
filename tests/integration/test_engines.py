"""Both Delta engines give the same Gold (DATA_CONTRACT.md §4): same rows, same schemas, same ops rows, every table
readable by Synapse serverless, for the same landed files. The shared baselines run on delta-spark (the default
wherever Delta's JARs are, as on Databricks); this run is the light alternative, delta-rs."""

from __future__ import annotations

import pytest

from lakehouse.gold import tables as gold_tables
from lakehouse.storage import delta_log
from lakehouse.storage.delta_tables import STATISTICS_COLUMNS_PROPERTY
from lakehouse.storage.layout import Layout
from lakehouse.storage.synapse_check import check_tables
from tests.integration.conftest import RATIO_LIMIT
from tests.integration.helpers import commit_run_ids, copy_bronze, gold_state, root_state, run_in_process

pytestmark = pytest.mark.slow


def schemas_of(root, folder: str) -> dict[str, dict]:
    tables = sorted(path for path in (root / folder).iterdir() if delta_log.is_delta_table(path))
    return {path.name: delta_log.read_snapshot(path).metadata.schema for path in tables}


@pytest.fixture(scope="module")
def delta_rs_root(tmp_path_factory, generated):
    """The generated files landed in a new root and run through both stages with delta-rs."""
    root = tmp_path_factory.mktemp("delta_rs") / "root"
    copy_bronze(generated.root, root, generated.paths)
    result = run_in_process("run", "--root", str(root), "--max-quarantine-ratio", RATIO_LIMIT, "--run-id",
                            "gold-baseline", "--delta-engine", "delta-rs")
    assert result.returncode == 0, result.stderr
    return root


def test_both_engines_write_the_same_gold_rows_and_schemas(delta_rs_root, gold_baseline):
    """§4: identical Gold rows and schemas whichever engine wrote them."""
    assert gold_state(delta_rs_root) == gold_state(gold_baseline)
    assert schemas_of(delta_rs_root, "gold") == schemas_of(gold_baseline, "gold")
    assert schemas_of(delta_rs_root, "ops") == schemas_of(gold_baseline, "ops")
    assert root_state(delta_rs_root) == root_state(gold_baseline)


def test_every_table_either_engine_writes_is_readable_by_synapse(delta_rs_root, gold_baseline):
    """§4: the Synapse check passes on every Gold and ops table of both roots."""
    for root in (delta_rs_root, gold_baseline):
        for folder in ("gold", "ops"):
            results = check_tables(root / folder)
            assert results and all(problems == [] for problems in results.values()), (root, folder, results)


def test_each_engine_commits_once_per_table_per_run(delta_rs_root, gold_baseline):
    """§5: one commit per Gold table per run, the first one included, naming the run."""
    for root in (delta_rs_root, gold_baseline):
        for table in gold_tables.FROM_SILVER:
            assert commit_run_ids(Layout(root).gold_table(table.name)) == ["gold-baseline"], (root, table.name)


def test_either_engine_creates_fact_sales_with_statistics_of_its_ids_and_time(delta_rs_root, gold_baseline):
    """fact_sales keeps Delta file statistics of transaction_id, the dimension ids and transaction_ts only (the
    partition column is not a data column); every other Gold table keeps Delta's default."""
    fact = gold_tables.FACT_SALES
    data_columns = [name for name in fact.schema.fieldNames() if name not in fact.partition_by]
    assert data_columns[: fact.statistics_columns] == [
        "transaction_id", "customer_id", "product_id", "store_id", "transaction_ts"]
    for root in (delta_rs_root, gold_baseline):
        for table in gold_tables.FROM_SILVER:
            configuration = delta_log.read_snapshot(Layout(root).gold_table(table.name)).metadata.configuration
            expected = None if table.statistics_columns is None else str(table.statistics_columns)
            assert configuration.get(STATISTICS_COLUMNS_PROPERTY) == expected, (root, table.name)
