"""Gold as DuckDB sees it locally: each Gold Delta table under its Synapse name `gold.<table>`.

In Synapse, `gold.<table>` is a view over `OPENROWSET(... FORMAT = 'DELTA')`; here it is the same Delta table's
current version, read with delta-rs. Timestamps become naive UTC, as Synapse's `datetime2` shows them.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
from pyspark.sql.pandas.types import to_arrow_schema

from lakehouse.errors import UserError
from lakehouse.gold import tables as gold_tables
from lakehouse.storage.delta_tables import read_arrow
from lakehouse.storage.layout import Layout

GOLD_SCHEMA = "gold"
# bronze-to-silver writes data_quality only for runs that had files, so a root whose files were all processed before
# the table existed has none yet: that is an empty table (no quality recorded), not a Gold that was never built.
MAY_BE_ABSENT = (gold_tables.DATA_QUALITY,)


def _naive_utc(table: pa.Table) -> pa.Table:
    """Timestamps with a time zone as naive UTC values (`datetime2` has no zone; delta-rs reads them as UTC)."""
    fields = [
        pa.field(field.name, pa.timestamp(field.type.unit), field.nullable)
        if pa.types.is_timestamp(field.type) and field.type.tz is not None else field
        for field in table.schema
    ]
    return table.cast(pa.schema(fields))


def read_gold_table(root: Path, table: gold_tables.GoldTable) -> pa.Table:
    rows = read_arrow(Layout(root).gold_table(table.name))
    if rows is None:
        if table in MAY_BE_ABSENT:
            return _naive_utc(to_arrow_schema(table.schema).empty_table())
        raise UserError(f"Gold table {table.name} not found under {root / 'gold'}: "
                        f"run `lakehouse run --root {root}` first")
    return _naive_utc(rows)


def load_gold(connection: duckdb.DuckDBPyConnection, root: Path) -> None:
    """Every Gold table into schema `gold` of an in-memory DuckDB database (copies: Gold is laptop-sized here)."""
    connection.execute(f"CREATE SCHEMA IF NOT EXISTS {GOLD_SCHEMA}")
    for table in gold_tables.ALL:
        arrow_table = read_gold_table(root, table)
        connection.register("_gold_arrow", arrow_table)
        connection.execute(f"CREATE TABLE {GOLD_SCHEMA}.{table.name} AS SELECT * FROM _gold_arrow")
        connection.unregister("_gold_arrow")
