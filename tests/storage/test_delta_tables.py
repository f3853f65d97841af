"""Gold's Delta engines (DATA_CONTRACT.md §4, §5): row selections, delta-rs round trips, the Synapse-readable
protocol, the engine choice, and the options delta-spark is given."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from chispa import assert_df_equality
from deltalake import DeltaTable
from deltalake.exceptions import DeltaError
from pyspark.sql import functions as F
from pyspark.sql import types as T

from lakehouse.errors import UserError
from lakehouse.storage import delta_tables as dt
from lakehouse.storage.delta_tables import DeltaRsEngine, DeltaSparkEngine, Rows

SCHEMA = T.StructType([
    T.StructField("k", T.StringType()), T.StructField("ts", T.TimestampType()), T.StructField("d", T.DateType()),
    T.StructField("amount", T.DecimalType(18, 2)), T.StructField("flag", T.BooleanType(), nullable=False),
    T.StructField("n", T.LongType()),
])
D5, D6, D7 = date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7)
ENGINE = DeltaRsEngine()


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


INITIAL = [
    ("A", at(5, 10), D5, Decimal("1.50"), True, 1),
    ("B", at(5, 11), D5, None, False, 2),
    ("A", at(6, 9), D6, Decimal("2.00"), True, 3),
    ("C", None, D6, Decimal("0.10"), False, None),
]


def df_of(spark, rows):
    return spark.createDataFrame(rows, SCHEMA)


def replace(spark, path, rows, selection: Rows, run_id: str = "r1"):
    return ENGINE.replace(df_of(spark, rows), path, SCHEMA, ("d",), selection, {"run_id": run_id})


def assert_table(spark, path, expected_rows, selection: Rows | None = None):
    # Spark's Parquet reader makes every column nullable, so `flag`'s NOT NULL does not survive a read.
    assert_df_equality(ENGINE.read(spark, path, SCHEMA, selection), df_of(spark, expected_rows),
                       ignore_row_order=True, ignore_nullable=True)


@pytest.fixture
def table(spark, tmp_path):
    path = tmp_path / "gold" / "t"
    replace(spark, path, INITIAL, Rows.all())
    return path


# --- Rows ----------------------------------------------------------------------------------------------------------

def test_rows_selections():
    """`where_in` sorts and deduplicates its values; `all` selects everything, `nothing` no row."""
    assert Rows.all().is_all and not Rows.all().is_empty
    assert Rows.where_in("k", ["b", "a", "b"]) == Rows("k", ("a", "b"))
    assert Rows.nothing().is_empty and not Rows.nothing().is_all
    assert Rows.where_in("k", []).is_empty
    assert not Rows.where_in("k", ["a"]).is_empty


def test_rows_sql_literals():
    """Strings are quoted with `'` doubled; dates are ISO literals; no values is FALSE; all rows need no predicate."""
    assert Rows.where_in("k", ["O'Brien", "a"]).sql() == "k IN ('O''Brien', 'a')"
    assert Rows.where_in("d", [D6, D5, D6]).sql() == "d IN ('2026-01-05', '2026-01-06')"
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


def test_rows_nothing_keeps_no_row(spark):
    df = spark.createDataFrame([("a", 1)], "k string, n int")
    assert Rows.nothing().keep(df).count() == 0


# --- delta-rs round trips ------------------------------------------------------------------------------------------

def test_create_reads_back_and_exists(spark, tmp_path, table):
    """§4: a table created with all rows reads back as written; `exists` tells a committed table from none."""
    assert_table(spark, table, INITIAL)
    assert ENGINE.exists(spark, table)
    assert not ENGINE.exists(spark, tmp_path / "gold" / "absent")
    assert ENGINE.partition_values(spark, table, "d") == [D5, D6]


def test_replace_one_partition_leaves_the_others(spark, table):
    """§5: replacing the rows of one date rewrites that date only."""
    new = [("D", at(6, 8), D6, Decimal("9.99"), True, 7), ("E", at(7, 8), D7, None, False, 8)]
    added = replace(spark, table, new, Rows.where_in("d", [D6, D7]), "r2")
    assert added == 2
    assert_table(spark, table, INITIAL[:2] + new)
    assert ENGINE.partition_values(spark, table, "d") == [D5, D6, D7]


def test_replace_by_a_key_column_across_partitions(spark, table):
    """§5: replacing by a non-partition key removes every row of those keys, wherever they are, and adds the new."""
    new = [("A", at(7, 8), D7, Decimal("4.00"), False, 9)]
    replace(spark, table, new, Rows.where_in("k", ["A"]), "r2")
    assert_table(spark, table, [INITIAL[1], INITIAL[3], *new])


def test_empty_dataframe_deletes_the_selected_rows(spark, table):
    """Replacing a selection by no rows deletes it."""
    replace(spark, table, [], Rows.where_in("k", ["B", "C"]), "r2")
    assert_table(spark, table, [INITIAL[0], INITIAL[2]])


def test_row_outside_the_selection_is_refused_and_nothing_committed(spark, table):
    """A replace must only add rows within `rows`: delta-rs refuses otherwise, and the table keeps its version."""
    before = DeltaTable(str(table)).version()
    with pytest.raises(DeltaError):
        replace(spark, table, [("Z", at(6, 1), D6, None, True, 0)], Rows.where_in("d", [D5]), "r2")
    assert DeltaTable(str(table)).version() == before
    assert_table(spark, table, INITIAL)


def test_replace_nothing_creates_or_keeps_the_table(spark, tmp_path, table):
    """No rows replaced (as dim_store with no new snapshot): an absent table is created empty, a present one keeps
    its rows, each in one commit."""
    empty = tmp_path / "gold" / "empty"
    replace(spark, empty, [], Rows.nothing())
    assert ENGINE.exists(spark, empty) and ENGINE.read(spark, empty, SCHEMA).count() == 0
    replace(spark, table, [], Rows.nothing(), "r2")
    assert DeltaTable(str(table)).version() == 1
    assert_table(spark, table, INITIAL)


def test_read_absent_table_is_empty_with_the_schema(spark, tmp_path):
    df = ENGINE.read(spark, tmp_path / "absent", SCHEMA, Rows.where_in("d", [D5]))
    assert df.schema == SCHEMA
    assert df.count() == 0
    assert ENGINE.partition_values(spark, tmp_path / "absent", "d") == []


def test_read_selected_partitions_and_keys(spark, table):
    """Reads limited to partitions (by file list), to a key column (by filter), or to nothing."""
    assert_table(spark, table, INITIAL[2:], Rows.where_in("d", [D6, D7]))
    assert_table(spark, table, [INITIAL[0], INITIAL[2]], Rows.where_in("k", ["A"]))
    assert ENGINE.read(spark, table, SCHEMA, Rows.nothing()).count() == 0
    assert ENGINE.read(spark, table, SCHEMA, Rows.where_in("d", [D7])).count() == 0


def test_each_replace_is_one_commit_carrying_the_run_id(spark, table):
    """§5: every write is one Delta commit whose metadata names the run."""
    replace(spark, table, [INITIAL[2]], Rows.where_in("d", [D6]), "r2")
    replace(spark, table, [], Rows.where_in("k", ["B"]), "r3")
    history = DeltaTable(str(table)).history()
    assert [(entry["version"], entry["run_id"]) for entry in history] == [(2, "r3"), (1, "r2"), (0, "r1")]


def test_delta_log_is_readable_by_synapse_serverless(spark, table):
    """§4: reader version 1, no deletion vectors, no column mapping, in every commit (key rewrites included)."""
    replace(spark, table, [INITIAL[1]], Rows.where_in("k", ["B"]), "r2")  # rewrites files rather than deleting rows
    replace(spark, table, [], Rows.where_in("d", [D6]), "r3")
    actions = [json.loads(line) for log in sorted((table / "_delta_log").glob("*.json"))
               for line in log.read_text().splitlines() if line.strip()]
    protocols = [action["protocol"] for action in actions if "protocol" in action]
    metadata = [action["metaData"] for action in actions if "metaData" in action]
    adds = [action["add"] for action in actions if "add" in action]
    assert protocols and metadata and adds
    for protocol in protocols:
        assert protocol["minReaderVersion"] == 1
        assert "readerFeatures" not in protocol
        assert "deletionVectors" not in protocol.get("writerFeatures", [])
    for meta in metadata:
        assert meta["configuration"]["delta.enableDeletionVectors"] == "false"
        assert meta["configuration"].get("delta.columnMapping.mode", "none") == "none"
    assert all(add.get("deletionVector") is None for add in adds)


def test_timestamps_are_utc_instants(spark, tmp_path):
    """§3, §4: a timestamp keeps its instant through Delta (stored UTC, read with the session time zone UTC)."""
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    instant = datetime(2026, 1, 5, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # 2026-01-06 04:30 UTC
    path = tmp_path / "ts"
    replace(spark, path, [("A", instant, D6, None, True, 1)], Rows.all())
    stored = DeltaTable(str(path)).to_pyarrow_table().column("ts").to_pylist()
    assert stored == [datetime(2026, 1, 6, 4, 30, tzinfo=UTC)]
    read = ENGINE.read(spark, path, SCHEMA).select(F.col("ts").cast("string").alias("s"), F.col("ts").cast("long"))
    assert [tuple(row) for row in read.collect()] == [("2026-01-06 04:30:00", int(instant.timestamp()))]


# --- engine choice -------------------------------------------------------------------------------------------------

@pytest.fixture
def local_env(monkeypatch):
    monkeypatch.delenv(dt.ENGINE_ENV, raising=False)
    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION", raising=False)
    return monkeypatch


def test_auto_picks_delta_rs_without_delta_on_the_classpath(spark, local_env):
    assert not dt.has_delta_on_classpath(spark)
    assert isinstance(dt.choose_engine(spark), DeltaRsEngine)
    assert isinstance(dt.choose_engine(spark, "auto"), DeltaRsEngine)


def test_environment_picks_the_engine(spark, local_env):
    local_env.setenv(dt.ENGINE_ENV, "delta-rs")
    assert dt.choose_engine(spark).name == "delta-rs"


@pytest.mark.parametrize(("requested", "env"), [("delta-spark", None), (None, "delta-spark"), ("parquet", None),
                                                 (None, "spark")])
def test_unavailable_or_unknown_engine_is_a_user_error(spark, local_env, requested, env):
    """§6: a user's bad choice ends in one sentence."""
    if env:
        local_env.setenv(dt.ENGINE_ENV, env)
    with pytest.raises(UserError) as error:
        dt.choose_engine(spark, requested)
    assert "\n" not in str(error.value)


def test_databricks_means_delta_spark(spark, local_env):
    local_env.setenv("DATABRICKS_RUNTIME_VERSION", "15.4")
    assert dt.has_delta_on_classpath(spark)
    assert isinstance(dt.choose_engine(spark), DeltaSparkEngine)


# --- delta-spark options -------------------------------------------------------------------------------------------

class FakeWriter:
    """Records every call of the writer chain (format, mode, option, save) as (name, *args)."""

    def __init__(self, calls: list):
        self.calls = calls

    def __getattr__(self, name):
        def record(*args):
            self.calls.append((name, *args))
            return self
        return record


class FakeDataFrame:
    sparkSession = "session"

    def __init__(self):
        self.calls: list = []

    def select(self, *columns):
        self.calls.append(("select", columns))
        return self

    @property
    def write(self):
        return FakeWriter(self.calls)


def spark_replace(monkeypatch, tmp_path, rows: Rows):
    """Delta's JARs come from Maven, unreachable here, so DeltaSparkEngine cannot run against Spark: a fake
    DataFrame records the writer chain and `_create_if_missing` is replaced by a recorder."""
    created = []
    engine = DeltaSparkEngine()
    monkeypatch.setattr(engine, "_create_if_missing", lambda *args: created.append(args))
    df = FakeDataFrame()
    assert engine.replace(df, tmp_path / "t", SCHEMA, ("d",), rows, {"run_id": "r9"}) is None
    assert created == [("session", tmp_path / "t", SCHEMA, ("d",))]
    options = {call[1]: call[2] for call in df.calls if call[0] == "option"}
    return df.calls, options


def test_delta_spark_replace_where(monkeypatch, tmp_path):
    """§5: one overwrite of the declared rows (replaceWhere), with the run id in the commit's user metadata.
    A fake DataFrame stands in for Spark: Delta's JARs come from Maven, unreachable here."""
    calls, options = spark_replace(monkeypatch, tmp_path, Rows.where_in("d", [D6, D5]))
    assert calls[0] == ("select", tuple(SCHEMA.fieldNames()))
    assert ("format", "delta") in calls and ("mode", "overwrite") in calls
    assert options["replaceWhere"] == "d IN ('2026-01-05', '2026-01-06')"
    assert json.loads(options["userMetadata"]) == {"run_id": "r9"}
    assert calls[-1] == ("save", str(tmp_path / "t"))


def test_delta_spark_replace_all(monkeypatch, tmp_path):
    """All rows: a plain overwrite, no replaceWhere (fake DataFrame, as above: no Delta JARs here)."""
    calls, options = spark_replace(monkeypatch, tmp_path, Rows.all())
    assert "replaceWhere" not in options
    assert json.loads(options["userMetadata"])["run_id"] == "r9"
    assert ("mode", "overwrite") in calls and calls[-1] == ("save", str(tmp_path / "t"))


def test_delta_spark_create_properties():
    """§4: tables delta-spark creates are reader v1, writer v2, without deletion vectors or column mapping."""
    assert dt.SPARK_CREATE_PROPERTIES == {
        "delta.enableDeletionVectors": "false", "delta.minReaderVersion": "1", "delta.minWriterVersion": "2",
        "delta.columnMapping.mode": "none",
    }
