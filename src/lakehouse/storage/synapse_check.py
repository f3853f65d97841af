"""Whether Azure Synapse serverless SQL can read a Gold table correctly (contract §4), from its Delta log alone.

Synapse serverless reads the Delta protocol of Delta Lake 1.0: reader version 1, no table features. A table that
needs more either fails the query or, worse, reads wrong: deletion vectors it cannot apply, column-mapped physical
names instead of the logical ones, `timestamp_ntz` values, V2 checkpoints it cannot follow. It also rejects a
`_last_checkpoint` file over 200 bytes, which delta-spark writes by adding the checkpoint's schema to it unless
`spark.databricks.delta.checkpointSchema.writeThresholdLength` is 0. Every engine that writes Gold can drift into
one of these (a Databricks default, a property, one DELETE), so the check reads what the log says, not what the
writer meant, and it needs neither Spark nor delta-rs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lakehouse.storage.delta_log import DeltaLogError, Snapshot, is_delta_table, read_snapshot

LAST_CHECKPOINT_LIMIT_BYTES = 200
THRESHOLD_SETTING = "spark.databricks.delta.checkpointSchema.writeThresholdLength"


def synapse_problems(table: Path) -> list[str]:
    """Each reason Synapse serverless could not read `table` correctly, one sentence each; [] means readable."""
    if not is_delta_table(table):
        return [f"{table}: not a Delta table (no commits in _delta_log)"]
    try:
        snapshot = read_snapshot(table)
    except DeltaLogError as error:
        return [f"{table}: its Delta log cannot be read ({error})"]
    checks = (_reader_version, _reader_features, _deletion_vectors, _column_mapping, _timestamp_ntz,
              _v2_checkpoints, _last_checkpoint_size)
    return [f"{table}: {problem}" for check in checks if (problem := check(snapshot))]


def check_tables(root: Path) -> dict[str, list[str]]:
    """`synapse_problems` of every Delta table directly under `root`, by folder name; {} when there is none."""
    if not root.is_dir():
        return {}
    return {child.name: synapse_problems(child) for child in sorted(root.iterdir())
            if child.is_dir() and is_delta_table(child)}


def _reader_version(snapshot: Snapshot) -> str | None:
    version = snapshot.protocol.min_reader_version
    if version <= 1:
        return None
    return f"minReaderVersion is {version}, Synapse serverless reads reader version 1 only"


def _reader_features(snapshot: Snapshot) -> str | None:
    features = snapshot.protocol.reader_features
    if not features:
        return None
    return f"needs reader features {', '.join(sorted(features))}, Synapse serverless supports none"


def _deletion_vectors(snapshot: Snapshot) -> str | None:
    evidence = []
    if "deletionVectors" in snapshot.protocol.features:
        evidence.append("protocol feature deletionVectors")
    enabled = snapshot.metadata.configuration.get("delta.enableDeletionVectors", "false")
    if enabled.strip().lower() == "true":
        evidence.append(f"delta.enableDeletionVectors={enabled}")
    with_dv = sum(1 for add in snapshot.files if add.deletion_vector)
    if with_dv:
        evidence.append(f"{with_dv} current file(s) carry a deletion vector")
    if not evidence:
        return None
    return f"uses deletion vectors ({'; '.join(evidence)}), which Synapse serverless cannot apply"


def _column_mapping(snapshot: Snapshot) -> str | None:
    evidence = []
    mode = snapshot.metadata.configuration.get("delta.columnMapping.mode", "none")
    if mode.lower() != "none":
        evidence.append(f"delta.columnMapping.mode={mode}")
    if "columnMapping" in snapshot.protocol.features:
        evidence.append("protocol feature columnMapping")
    if not evidence:
        return None
    return f"uses column mapping ({'; '.join(evidence)}), which Synapse serverless does not support"


def _timestamp_ntz(snapshot: Snapshot) -> str | None:
    evidence = []
    columns = list(_ntz_columns(snapshot.metadata.schema))
    if columns:
        evidence.append(f"timestamp_ntz column(s) {', '.join(columns)}")
    if "timestampNtz" in snapshot.protocol.features:
        evidence.append("protocol feature timestampNtz")
    if not evidence:
        return None
    return f"uses timestamp without time zone ({'; '.join(evidence)}), which Synapse serverless does not support"


def _v2_checkpoints(snapshot: Snapshot) -> str | None:
    evidence = []
    if "v2Checkpoint" in snapshot.protocol.features:
        evidence.append("protocol feature v2Checkpoint")
    policy = snapshot.metadata.configuration.get("delta.checkpointPolicy", "classic")
    if policy.lower() == "v2":
        evidence.append("delta.checkpointPolicy=v2")
    files = snapshot.log.v2_checkpoint_files
    if files:
        evidence.append(f"{len(files)} V2 checkpoint or sidecar file(s) in _delta_log")
    if not evidence:
        return None
    return f"uses V2 checkpoints ({'; '.join(evidence)}), Synapse serverless reads classic checkpoints only"


def _last_checkpoint_size(snapshot: Snapshot) -> str | None:
    size = snapshot.log.last_checkpoint_bytes
    if size is None or size <= LAST_CHECKPOINT_LIMIT_BYTES:
        return None
    return (f"_delta_log/_last_checkpoint is {size} bytes, over Synapse serverless's "
            f"{LAST_CHECKPOINT_LIMIT_BYTES}-byte limit (delta-spark keeps it small with classic checkpoints "
            f"and {THRESHOLD_SETTING}=0)")


def _ntz_columns(schema_type: Any, prefix: str = "") -> Iterator[str]:
    """Dotted names of `timestamp_ntz` fields, however deep in structs, arrays and maps (`[]`, `{key}`, `{value}`)."""
    if schema_type == "timestamp_ntz":
        yield prefix or "<value>"
    elif isinstance(schema_type, dict):
        kind = schema_type.get("type")
        if kind == "struct":
            for field in schema_type.get("fields", []):
                yield from _ntz_columns(field["type"], f"{prefix}.{field['name']}" if prefix else field["name"])
        elif kind == "array":
            yield from _ntz_columns(schema_type["elementType"], f"{prefix}[]")
        elif kind == "map":
            yield from _ntz_columns(schema_type["keyType"], f"{prefix}{{key}}")
            yield from _ntz_columns(schema_type["valueType"], f"{prefix}{{value}}")

