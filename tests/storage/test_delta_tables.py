"""The Delta engines (DATA_CONTRACT.md §4, §5), both run for real: row selections, round trips, one commit per write
with the run in its metadata, idempotent retries, key replacement by MERGE, Synapse-readable tables, engine choice.

The `engine` fixture runs each test on delta-spark (Delta's JARs on the tests' Spark session) and on delta-rs.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F
from pyspark.sql import types as T

from lakehouse.errors import UserError
from lakehouse.storage import delta_log
from lakehouse.storage import delta_tables as dt
from lakehouse.storage.delta_tables import Commit, DeltaRsEngine, DeltaSparkEngine, Rows
from lakehouse.storage.synapse_check import synapse_problems

SCHEMA = T.StructType([
    T.StructField("k", T.StringType()), T.StructField("ts", T.TimestampType()), T.StructField("d", T.DateType()),
    T.StructField("amount", T.DecimalType(18, 2)), T.StructField("flag", T.BooleanType(), nullable=False),
    T.StructField("n", T.LongType()),
])
D5, D6, D7 = date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


INITIAL = [
    ("A", at(5, 10), D5, Decimal("1.50"), True, 1),
    ("B", at(5, 11), D5, None, False, 2),
    ("A", at(6, 9), D6, Decimal("2.00"), True, 3),
    ("C", None, D6, Decimal("0.10"), False, None),
]


def commit(run_id: str, key: str | None = None) -> Commit:
    return Commit(run_id, "test", key or f"test:{run_id}")


def df_of(spark, rows):
    return spark.createDataFrame(rows, SCHEMA)


def replace(engine, path, rows, selection: Rows, run_id: str = "r1", key: str | None = None):
    engine.replace(df_of(engine.spark, rows), path, SCHEMA, ("d",), selection, commit(run_id, key))


def assert_table(engine, path, expected_rows, selection: Rows | None = None):
    # Spark's Parquet reader makes every column nullable, so `flag`'s NOT NULL does not survive a read.
    assert_df_equality(engine.read(path, SCHEMA, selection), df_of(engine.spark, expected_rows),
                       ignore_row_order=True, ignore_nullable=True)


def versions(path) -> int:
    return delta_log.latest_version(path)


@pytest.fixture
def table(engine, tmp_path):
    path = tmp_path / "gold" / "t"
    replace(engine, path, INITIAL, Rows.all())
    return path


# --- Rows ----------------------------------------------------------------------------------------------------------

def test_rows_selections():
    """`where_in` sorts and deduplicates its values; `all` selects everything, `nothing` no row."""
    assert Rows.all().is_all and not Rows.all().is_empty
    assert Rows.where_in("k", ["b", "a", "b"]) == Rows("k", ("a", "b"))
    assert Rows.nothing().is_empty and not Rows.nothing().is_all
    assert Rows.where_in("k", []).is_empty
    assert not Rows.where_in("k", ["a"]).is_empty


def test_rows_sql_literals_and_date_ranges():
    """Strings are quoted with `'` doubled; consecutive dates fold into ranges (a year rebuilt is one range, not 365
    literals in the commit); no values is FALSE; all rows need no predicate."""
    assert Rows.where_in("k", ["O'Brien", "a"]).sql() == "k IN ('O''Brien', 'a')"
    assert Rows.where_in("d", [D6, D5, D6]).sql() == "(d >= '2026-01-05' AND d <= '2026-01-06')"
    assert Rows.where_in("d", [D5, D7]).sql() == "d = '2026-01-05' OR d = '2026-01-07'"
    year = [D5 + timedelta(days=offset) for offset in range(365)]
    assert Rows.where_in("d", year).sql() == "(d >= '2026-01-05' AND d <= '2027-01-04')"
    assert Rows.nothing().sql() == "FALSE"
    with pytest.raises(ValueError):
        Rows.all().sql()
    with pytest.raises(TypeError):
        Rows.where_in("n", [1]).sql()


def test_rows_keep(spark):
    """`keep` filters a DataFrame to the selection, with a null row never selected."""
    df = spark.createDataFrame([("a", 1), ("b", 2), (None, 3)], "k string, n int")
    assert_df_equality(Rows.where_in("k", ["a", "z"]).keep(df), spark.createDataFrame([("a", 1)], "k string, n int"),
                       ignore_row_order=True)
    assert_df_equality(Rows.all().keep(df), df, ignore_row_order=True)
    assert Rows.where_in("k", []).keep(df).count() == 0
    assert Rows.nothing().keep(df).count() == 0


# --- round trips, on both engines ----------------------------------------------------------------------------------

def test_first_write_is_one_commit_that_creates_the_table(engine, tmp_path, table):
    """§4, §5: the table is created by the write of its first rows, in one commit (no separate CREATE commit),
    with its Synapse-safe properties; the run is named in the commit's metadata."""
    assert_table(engine, table, INITIAL)
    assert engine.exists(table) and not engine.exists(tmp_path / "gold" / "absent")
    assert versions(table) == 0
    [info] = delta_log.commit_infos(table)
    assert json.loads(info.user_metadata) == {"run_id": "r1", "job": "test", "commit_key": "test:r1"}
    snapshot = delta_log.read_snapshot(table)
    assert snapshot.metadata.configuration["delta.enableDeletionVectors"] == "false"
    assert (snapshot.protocol.min_reader_version, snapshot.protocol.reader_features) == (1, ())
    assert engine.partition_values(table, "d") == ["2026-01-05", "2026-01-06"]
    assert engine.rows_written(table) == 4


def _statistics_columns(path) -> set[str]:
    """The columns any data file of the table has min/max statistics of."""
    stats = [json.loads(add.stats) for add in delta_log.read_snapshot(path).files if add.stats]
    assert stats and all(item["numRecords"] > 0 for item in stats)
    return {name for item in stats for name in item.get("minValues", {})}


@pytest.mark.parametrize("statistics_columns", [None, 2])
def test_a_created_table_keeps_statistics_of_its_first_columns(engine, tmp_path, statistics_columns):
    """A table created with `statistics_columns` keeps file statistics of that many leading data columns (the
    partition column is not one), and the setting stays with the table for later writes; without it, of all."""
    path = tmp_path / "gold" / "t"
    engine.replace(df_of(engine.spark, INITIAL), path, SCHEMA, ("d",), Rows.all(), commit("r1"), statistics_columns)
    replace(engine, path, [("D", at(7, 8), D7, Decimal("9.99"), True, 7)], Rows.where_in("d", [D7]), "r2")
    configuration = delta_log.read_snapshot(path).metadata.configuration
    assert configuration.get(dt.STATISTICS_COLUMNS_PROPERTY) == (None if statistics_columns is None else "2")
    if statistics_columns:
        assert _statistics_columns(path) == {"k", "ts"}
    else:  # delta-rs keeps a boolean's too
        assert _statistics_columns(path) >= {"k", "ts", "amount", "n"}


def test_replace_one_partition_leaves_the_others(engine, table):
    """§5: replacing the rows of some dates rewrites those dates only."""
    new = [("D", at(6, 8), D6, Decimal("9.99"), True, 7), ("E", at(7, 8), D7, None, False, 8)]
    replace(engine, table, new, Rows.where_in("d", [D6, D7]), "r2")
    assert_table(engine, table, INITIAL[:2] + new)
    assert engine.partition_values(table, "d") == ["2026-01-05", "2026-01-06", "2026-01-07"]
    assert engine.rows_written(table) == 2


def test_replace_by_a_key_column_across_partitions(engine, table):
    """§5: replacing by a non-partition key removes every row of those keys, wherever they are, and adds the new."""
    new = [("A", at(7, 8), D7, Decimal("4.00"), False, 9)]
    replace(engine, table, new, Rows.where_in("k", ["A"]), "r2")
    assert_table(engine, table, [INITIAL[1], INITIAL[3], *new])


def test_empty_dataframe_deletes_the_selected_rows(engine, table):
    """Replacing a selection by no rows deletes it."""
    replace(engine, table, [], Rows.where_in("k", ["B", "C"]), "r2")
    assert_table(engine, table, [INITIAL[0], INITIAL[2]])


def test_row_outside_the_selection_is_refused_and_nothing_committed(engine, table):
    """A replace must only add rows within `rows`: both engines refuse otherwise, and the table keeps its version."""
    with pytest.raises(Exception, match="(?i)REPLACE_WHERE_MISMATCH|failed validation"):
        replace(engine, table, [("Z", at(6, 1), D6, None, True, 0)], Rows.where_in("d", [D5]), "r2")
    assert versions(table) == 0
    assert_table(engine, table, INITIAL)


def test_read_absent_table_is_empty_with_the_schema(engine, tmp_path):
    df = engine.read(tmp_path / "absent", SCHEMA, Rows.where_in("d", [D5]))
    assert df.schema == SCHEMA
    assert df.count() == 0
    assert engine.partition_values(tmp_path / "absent", "d") == []


def test_read_selected_partitions_and_keys(engine, table):
    """Reads limited to partitions, to a key column, or to nothing."""
    assert_table(engine, table, INITIAL[2:], Rows.where_in("d", [D6, D7]))
    assert_table(engine, table, [INITIAL[0], INITIAL[2]], Rows.where_in("k", ["A"]))
    assert engine.read(table, SCHEMA, Rows.nothing()).count() == 0
    assert engine.read(table, SCHEMA, Rows.where_in("d", [D7])).count() == 0


def test_a_retried_write_with_the_same_key_commits_nothing(engine, table):
    """§5: Delta's idempotent writes: a write whose key the table already holds (a retried task or job writing the
    same run's slice) is a no-op; a new key is a new commit."""
    replace(engine, table, [INITIAL[2]], Rows.where_in("d", [D6]), "r2")
    assert versions(table) == 1 and engine.has_commit(table, commit("r2"))
    replace(engine, table, [], Rows.where_in("d", [D6]), "r2")  # same key: skipped, even with other rows
    assert versions(table) == 1
    assert_table(engine, table, INITIAL[:3])
    engine.append(df_of(engine.spark, [INITIAL[3]]), table, SCHEMA, commit("r2"))  # same key again: skipped
    assert versions(table) == 1
    replace(engine, table, [], Rows.where_in("k", ["B"]), "r3")
    assert versions(table) == 2
    assert [json.loads(info.user_metadata)["run_id"] for info in delta_log.commit_infos(table)] == ["r1", "r2", "r3"]


def test_append_adds_rows_in_one_commit(engine, tmp_path):
    """ops tables: appends, the first creating the table."""
    path = tmp_path / "ops" / "t"
    engine.append(df_of(engine.spark, INITIAL[:1]), path, SCHEMA, commit("r1"))
    engine.append(df_of(engine.spark, INITIAL[1:]), path, SCHEMA, commit("r2"))
    assert versions(path) == 1
    assert_table(engine, path, INITIAL)


def test_replace_keys_is_a_merge_without_key_values_in_the_log(engine, tmp_path):
    """§4.1 dimensions: every row of the changed keys is replaced by their new rows in one MERGE commit whose log
    entry holds no key value, so it does not grow with the number of keys (20,000 here)."""
    spark = engine.spark
    path = tmp_path / "dim"
    keys = 20_000
    old_df = spark.range(keys).select(F.format_string("K%06d", "id").alias("k"), F.lit(None).cast("timestamp")
                                      .alias("ts"), F.lit(D5).alias("d"), F.lit(None).cast("decimal(18,2)")
                                      .alias("amount"), F.lit(True).alias("flag"), F.col("id").alias("n"))
    engine.replace(old_df, path, SCHEMA, (), Rows.all(), commit("r1"))
    changed_df = old_df.where(F.col("n") % 2 == 0).select("k")  # 10,000 keys, each now with two versions
    new_df = changed_df.crossJoin(spark.range(2).withColumnRenamed("id", "v")).select(
        "k", F.lit(None).cast("timestamp").alias("ts"), F.lit(D6).alias("d"),
        F.lit(None).cast("decimal(18,2)").alias("amount"), (F.col("v") == 1).alias("flag"), F.col("v").alias("n"))
    engine.replace_keys(new_df, path, SCHEMA, "k", changed_df, commit("r2"))
    assert versions(path) == 1
    result = engine.read(path, SCHEMA)
    assert result.count() == keys // 2 + keys
    assert result.where(F.col("d") == D6).select("k").distinct().count() == keys // 2
    info = delta_log.commit_infos(path, since_version=1)[0]
    assert "K0" not in json.dumps(info.operation_parameters)  # the MERGE condition names no key value
    assert len((path / "_delta_log" / "00000000000000000001.json").read_text()) < 20_000
    engine.replace_keys(new_df, path, SCHEMA, "k", changed_df, commit("r2"))  # a retry: nothing more
    assert versions(path) == 1


def test_tables_both_engines_write_are_readable_by_synapse(engine, table):
    """§4: reader version 1, no deletion vectors, no column mapping, no timestampNtz after every kind of write."""
    replace(engine, table, [INITIAL[1]], Rows.where_in("k", ["B"]), "r2")
    replace(engine, table, [], Rows.where_in("d", [D6]), "r3")
    engine.replace_keys(df_of(engine.spark, [INITIAL[0]]), table, SCHEMA, "k",
                        engine.spark.createDataFrame([("A",)], "k string"), commit("r4"))
    assert synapse_problems(table) == []
    assert all(add.deletion_vector is None for add in delta_log.read_snapshot(table).files)


def test_timestamps_are_utc_instants(engine, tmp_path):
    """§3, §4: a timestamp keeps its instant through Delta (stored UTC, read with the session time zone UTC)."""
    from deltalake import DeltaTable

    spark = engine.spark
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    instant = datetime(2026, 1, 5, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # 2026-01-06 04:30 UTC
    path = tmp_path / "ts"
    replace(engine, path, [("A", instant, D6, None, True, 1)], Rows.all())
    stored = DeltaTable(str(path)).to_pyarrow_table().column("ts").to_pylist()
    assert stored == [datetime(2026, 1, 6, 4, 30, tzinfo=UTC)]
    read = engine.read(path, SCHEMA).select(F.col("ts").cast("string").alias("s"), F.col("ts").cast("long"))
    assert [tuple(row) for row in read.collect()] == [("2026-01-06 04:30:00", int(instant.timestamp()))]


# --- engine choice -------------------------------------------------------------------------------------------------

@pytest.fixture
def local_env(monkeypatch):
    monkeypatch.delenv(dt.ENGINE_ENV, raising=False)
    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION", raising=False)
    return monkeypatch


def test_auto_picks_delta_spark_where_its_jars_are(spark, local_env):
    """The tests' session has Delta's JARs (scripts/bootstrap.sh): auto means delta-spark, as on Databricks."""
    assert dt.has_delta_on_classpath(spark)
    assert isinstance(dt.choose_engine(spark), DeltaSparkEngine)
    assert isinstance(dt.choose_engine(spark, "auto"), DeltaSparkEngine)
    assert isinstance(dt.choose_engine(spark, "delta-rs"), DeltaRsEngine)


def test_auto_falls_back_to_delta_rs_without_the_jars_and_says_so_once(spark, local_env, caplog):
    local_env.setattr(dt, "has_delta_on_classpath", lambda session: False)
    local_env.setattr(dt, "_fallback_reported", False)
    with caplog.at_level("WARNING"):
        assert isinstance(dt.choose_engine(spark), DeltaRsEngine)
        assert isinstance(dt.choose_engine(spark), DeltaRsEngine)
    warnings = [record.message for record in caplog.records if "delta-rs" in record.message]
    assert len(warnings) == 1 and "bootstrap" in warnings[0]
    with pytest.raises(UserError, match="delta-spark was asked for"):
        dt.choose_engine(spark, "delta-spark")


def test_environment_picks_the_engine(spark, local_env):
    local_env.setenv(dt.ENGINE_ENV, "delta-rs")
    assert dt.choose_engine(spark).name == "delta-rs"


@pytest.mark.parametrize(("requested", "env"), [("parquet", None), (None, "spark")])
def test_unknown_engine_is_a_user_error(spark, local_env, requested, env):
    """§6: a user's bad choice ends in one sentence."""
    if env:
        local_env.setenv(dt.ENGINE_ENV, env)
    with pytest.raises(UserError) as error:
        dt.choose_engine(spark, requested)
    assert "\n" not in str(error.value)


def test_databricks_means_delta_spark(spark, local_env):
    local_env.setenv("DATABRICKS_RUNTIME_VERSION", "17.3")
    local_env.setattr(dt, "_fallback_reported", True)
    assert dt.has_delta_on_classpath(spark)
    assert isinstance(dt.choose_engine(spark), DeltaSparkEngine)


def test_delta_spark_create_properties():
    """§4: tables delta-spark creates are reader v1, writer v2, without deletion vectors, column mapping or v2
    checkpoints, whatever the workspace's defaults."""
    assert dt.SPARK_CREATE_PROPERTIES == {
        "delta.enableDeletionVectors": "false", "delta.minReaderVersion": "1", "delta.minWriterVersion": "2",
        "delta.columnMapping.mode": "none", "delta.checkpointPolicy": "classic",
        "delta.setTransactionRetentionDuration": "interval 30 days",
    }
