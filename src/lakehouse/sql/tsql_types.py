"""Gold's Spark types as Synapse serverless T-SQL types: the one place the base views' `WITH` lists come from.

Strings are `varchar(n)` in a UTF-8 BIN2 collation: serverless SQL reads Parquet strings as UTF-8, and a BIN2 UTF-8
collation lets it push string predicates down to the files. `n` counts *bytes* in a UTF-8 collation, so free text
is given four bytes per character; values the contract bounds (ids, LSNs, codes) get their bound.
"""

from __future__ import annotations

from pyspark.sql.types import (
    BooleanType,
    DataType,
    DateType,
    DecimalType,
    IntegerType,
    LongType,
    StringType,
    StructType,
    TimestampType,
)

STRING_COLLATION = "Latin1_General_100_BIN2_UTF8"
DATABASE_COLLATION = STRING_COLLATION

ID_BYTES = 64  # contract §3: identifiers match ^[A-Za-z0-9_-]{1,64}$ (ASCII)
TEXT_BYTES = 400  # free text: 100 characters of up to 4 UTF-8 bytes
CODE_BYTES = 16  # lower-case codes (tiers, channels, store types, segments, sources) and 'UNKNOWN'
RUN_ID_BYTES = 128  # config.RUN_ID_PATTERN: at most 128 ASCII characters (an ADF RunId, a Databricks run id...)
REASON_BYTES = 64  # §2-§3 reason codes; the longest names a contract column, e.g. file_missing_column:transaction_ts

# Byte widths of the string columns that are not free text (every other column named *_id is a §3 id).
STRING_BYTES: dict[str, int] = {
    "start_lsn": 22,  # '0x' + 20 hex digits (contract §3.2)
    "email": 320,
    "country": 2,  # two ASCII letters, upper case (contract §3.2, §3.3)
    "loyalty_tier": CODE_BYTES,
    "payment_method": CODE_BYTES,
    "channel": CODE_BYTES,
    "store_type": CODE_BYTES,
    "segment": CODE_BYTES,
    "_source_file": 1024,
    "run_id": RUN_ID_BYTES,  # not a §3 identifier, though named *_id
    "source": CODE_BYTES,
    "reason": REASON_BYTES,
}


def string_bytes(column: str) -> int:
    if column in STRING_BYTES:
        return STRING_BYTES[column]
    return ID_BYTES if column.endswith("_id") else TEXT_BYTES


def tsql_type(column: str, data_type: DataType) -> str:
    """The T-SQL type of one Gold column, as written in a base view's `WITH` list."""
    if isinstance(data_type, StringType):
        return f"varchar({string_bytes(column)}) COLLATE {STRING_COLLATION}"
    if isinstance(data_type, DecimalType):
        return f"decimal({data_type.precision}, {data_type.scale})"
    simple = {LongType: "bigint", IntegerType: "int", DateType: "date", TimestampType: "datetime2(6)",
              BooleanType: "bit"}
    for spark_type, name in simple.items():
        if isinstance(data_type, spark_type):
            return name
    raise TypeError(f"no T-SQL type for Gold column {column} of type {data_type.simpleString()}")


def with_columns(schema: StructType) -> list[tuple[str, str]]:
    """(column, T-SQL type) for every field of a Gold schema, in schema order."""
    return [(field.name, tsql_type(field.name, field.dataType)) for field in schema.fields]
