"""Row rules and typed Silver values of the Spark engine against the plain-Python model (DATA_CONTRACT.md §2,
§3.1-§3.3, §7).

Each example is a batch of a few hundred independent raw rows in 1-3 files; one Spark job classifies the whole
batch. The reasons are compared row by row (first failing rule, §3; `duplicate_key` over landing order), and the
accepted rows' typed Silver values as a multiset. Shrinking is off: a Spark run per shrink step costs too much,
and the failure message already lists each disagreeing row with its raw values.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pyspark.sql import functions as F
from pyspark.sql.types import TimestampType

from lakehouse import contract
from lakehouse.bronze.records import FileToParse, local_records
from lakehouse.silver.build import build_silver
from lakehouse.silver.classify import classify
from tests.model import row_model as m
from tests.model.row_strategies import RawFile, RawRow, raw_files

ROWS_PER_EXAMPLE = 300
RUN_AT = datetime(2026, 1, 7, 2, 0, tzinfo=UTC)
LINEAGE_LEFT_OUT = ("_run_id", "_ingested_at")

PROPERTY_SETTINGS = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=(HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example),
)


def source_file(source: str, raw_file: RawFile, index: int) -> str:
    return f"bronze/{source}/ingest_date={raw_file.ingest_date}/f{index}.csv"


def _record(raw_file: RawFile, row: RawRow) -> list[str | None]:
    fields = [row.fields.get(name, "ignored") for name in raw_file.header]
    if row.surplus < 0:
        return fields[: row.surplus]
    return fields + ["surplus"] * row.surplus


def spark_classify(spark, source: str, files: list[RawFile]) -> tuple[list[str | None], Counter]:
    """The one adapter to the engine: (reason of each row in landing order, Counter of accepted Silver rows with
    timestamps as epoch microseconds and without `_run_id`/`_ingested_at`)."""
    records_df = local_records(spark, source, [
        (FileToParse(seq, source_file(source, raw_file, seq), 0, source_file(source, raw_file, seq),
                     raw_file.ingest_date), raw_file.header, [_record(raw_file, row) for row in raw_file.rows])
        for seq, raw_file in enumerate(files)
    ])
    # One Spark job: the reasons and the Silver rows are then read from the materialised classification.
    classified_df = classify(records_df, source, None).localCheckpoint()
    by_position = {
        (row["_file_seq"], row["_record_number"]): row["reason"]
        for row in classified_df.select("_file_seq", "_record_number", "reason").collect()
    }
    reasons = [by_position[(seq, number)] for seq, raw_file in enumerate(files)
               for number in range(1, len(raw_file.rows) + 1)]
    silver_df = build_silver(classified_df, source, "r1", RUN_AT)
    silver_columns = [
        F.unix_micros(F.col(field.name)).alias(field.name) if isinstance(field.dataType, TimestampType)
        else F.col(field.name)
        for field in silver_df.schema.fields if field.name not in LINEAGE_LEFT_OUT
    ]
    silver_rows = Counter(tuple(row.asDict().items()) for row in silver_df.select(*silver_columns).collect())
    return reasons, silver_rows


def model_classify(source: str, files: list[RawFile]) -> tuple[list[str | None], Counter]:
    """The model's answer in the adapter's shape (the Silver column order is the model's, compared as dicts)."""
    landed = [(row, raw_file, seq) for seq, raw_file in enumerate(files) for row in raw_file.rows]
    reasons = [m.row_reason(source, row.fields, row.is_malformed) for row, _, _ in landed]
    reasons = m.mark_duplicates(source, [(row.fields, raw_file.ingest_date) for row, raw_file, _ in landed], reasons)
    silver_rows: Counter = Counter()
    for (row, raw_file, seq), reason in zip(landed, reasons, strict=True):
        if reason is None:
            values = m.silver_values(source, row.fields)
            if source == m.STORES:
                values["snapshot_date"] = raw_file.ingest_date
            values.update(_source_file=source_file(source, raw_file, seq), _ingest_date=raw_file.ingest_date)
            silver_rows[tuple(values.items())] += 1
    return reasons, silver_rows


def _as_dicts(rows: Counter) -> Counter:
    return Counter({tuple(sorted(row, key=lambda item: item[0])): count for row, count in rows.items()})


def assert_same_as_model(spark, source: str, files: list[RawFile]) -> None:
    actual_reasons, actual_silver = spark_classify(spark, source, files)
    expected_reasons, expected_silver = model_classify(source, files)
    rows = [row for raw_file in files for row in raw_file.rows]
    disagreements = [
        f"  model {expected!r} spark {actual!r} malformed={row.is_malformed} fields={row.fields!r}"
        for row, expected, actual in zip(rows, expected_reasons, actual_reasons, strict=True) if expected != actual
    ]
    assert not disagreements, f"{len(disagreements)} rows disagree:\n" + "\n".join(disagreements[:15])
    actual_silver, expected_silver = _as_dicts(actual_silver), _as_dicts(expected_silver)
    only_spark, only_model = actual_silver - expected_silver, expected_silver - actual_silver
    assert not only_spark and not only_model, (
        "Silver values differ.\nonly in Spark:\n" + "\n".join(f"  {row}" for row in list(only_spark)[:5])
        + "\nonly in the model:\n" + "\n".join(f"  {row}" for row in list(only_model)[:5])
    )


def test_model_columns_are_the_contract_columns():
    """§3.1-§3.3: the model's independently typed column lists equal the engine's (else the adapter misplaces)."""
    for source in m.COLUMNS:
        assert m.COLUMNS[source] == contract.SOURCE_SPECS[source].required_columns


@pytest.mark.parametrize("source", [m.TRANSACTIONS, m.CUSTOMERS, m.PRODUCTS, m.STORES])
@PROPERTY_SETTINGS
@given(data=st.data())
def test_reasons_and_silver_values_match_the_model(spark, source, data):
    """§3 (rule order, first failure wins, duplicates in landing order), §7 (ASCII trim and classes, timestamp
    ranges, exact operation and LSN shapes), typed Silver values of accepted rows."""
    files = data.draw(raw_files(source, ROWS_PER_EXAMPLE), label="files")
    assert_same_as_model(spark, source, files)
