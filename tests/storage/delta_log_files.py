"""Delta log actions and commits written by hand, for the cases no engine here writes on demand.

Shapes follow the Delta protocol (PROTOCOL.md): one JSON action per line in `_delta_log/NNNNNNNNNNNNNNNNNNNN.json`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

Action = dict[str, Any]


def commit(table: Path, version: int, *actions: Action) -> Path:
    log_dir = table / "_delta_log"
    log_dir.mkdir(parents=True, exist_ok=True)
    file = log_dir / f"{version:020d}.json"
    file.write_text("".join(json.dumps(action) + "\n" for action in actions))
    return file


def protocol(reader: int = 1, writer: int = 2, reader_features: list[str] | None = None,
             writer_features: list[str] | None = None) -> Action:
    action: dict[str, Any] = {"minReaderVersion": reader, "minWriterVersion": writer}
    if reader_features is not None:
        action["readerFeatures"] = reader_features
    if writer_features is not None:
        action["writerFeatures"] = writer_features
    return {"protocol": action}


def field(name: str, type_: object) -> dict[str, Any]:
    return {"name": name, "type": type_, "nullable": True, "metadata": {}}


def metadata(fields: list[dict[str, Any]] | None = None, partition_columns: list[str] | None = None,
             configuration: dict[str, str] | None = None) -> Action:
    fields = fields if fields is not None else [field("k", "string"), field("d", "date")]
    return {"metaData": {
        "id": "00000000-0000-0000-0000-000000000001", "format": {"provider": "parquet", "options": {}},
        "schemaString": json.dumps({"type": "struct", "fields": fields}),
        "partitionColumns": partition_columns or [], "configuration": configuration or {}, "createdTime": 0,
    }}


def dv(path_or_inline: str, offset: int | None = 1) -> dict[str, Any]:
    return {"storageType": "u", "pathOrInlineDv": path_or_inline, "offset": offset, "sizeInBytes": 34,
            "cardinality": 1}


def add(path: str, partition_values: dict[str, str | None] | None = None, size: int = 100,
        deletion_vector: dict[str, Any] | None = None, stats: str | None = None) -> Action:
    action: dict[str, Any] = {"path": path, "partitionValues": partition_values or {}, "size": size,
                              "modificationTime": 0, "dataChange": True}
    if deletion_vector is not None:
        action["deletionVector"] = deletion_vector
    if stats is not None:
        action["stats"] = stats
    return {"add": action}


def remove(path: str, deletion_vector: dict[str, Any] | None = None) -> Action:
    action: dict[str, Any] = {"path": path, "deletionTimestamp": 0, "dataChange": True}
    if deletion_vector is not None:
        action["deletionVector"] = deletion_vector
    return {"remove": action}


def txn(app_id: str, version: int) -> Action:
    return {"txn": {"appId": app_id, "version": version, "lastUpdated": 0}}


def commit_info(operation: str, user_metadata: str | None = None, **parameters: str) -> Action:
    info: dict[str, Any] = {"timestamp": 1, "operation": operation, "operationParameters": parameters}
    if user_metadata is not None:
        info["userMetadata"] = user_metadata
    return {"commitInfo": info}


def new_table(table: Path, *actions: Action, **metadata_args: Any) -> None:
    """Version 0: a reader-1 protocol, the metadata, then `actions`."""
    commit(table, 0, commit_info("CREATE TABLE"), protocol(), metadata(**metadata_args), *actions)
