"""A Delta table's current state, read straight from its `_delta_log`: no Spark, no delta-rs.

Why a third reader: every run needs the latest `fact_sales` partition dates, and the Synapse check (contract §4)
needs the protocol, the table properties and each file's deletion vector exactly as written. Starting Spark for
that is slow, and asking the engine that wrote a table whether its own output is readable checks it against itself.

It follows the Delta protocol's replay: the newest complete checkpoint (classic, multi-part, or V2 with sidecars),
then every JSON commit after it in version order, where the latest protocol, metadata and transaction version win
and a data file is present when its latest action, keyed by (path, deletion vector id), is an `add`. The directory
listing, not `_last_checkpoint`, picks the checkpoint: Delta writes that file after the checkpoint, and not always.
Paths are local (a local root or a Databricks volume mount).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pyarrow as pa
import pyarrow.parquet as pq

from lakehouse.errors import UserError

LOG_DIR = "_delta_log"
LAST_CHECKPOINT = "_last_checkpoint"
SIDECARS_DIR = "_sidecars"
CLASSIC, MULTI_PART, V2 = "classic", "multi-part", "v2"

_COMMIT = re.compile(r"(\d{20})\.json")
_CLASSIC = re.compile(r"(\d{20})\.checkpoint\.parquet")
_MULTI_PART = re.compile(r"(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet")
_V2 = re.compile(r"(\d{20})\.checkpoint\.[0-9a-fA-F-]{36}\.(?:json|parquet)")
# A checkpoint holds the table's state, not its history: no commitInfo, and `remove` tombstones only matter to VACUUM.
_CHECKPOINT_COLUMNS = (
    "add.path", "add.partitionValues", "add.size", "add.deletionVector", "add.stats",
    "metaData", "protocol", "txn", "sidecar.path",
)


class DeltaLogError(UserError):
    """A table's `_delta_log` is missing or cannot be replayed (a gap in its commits, an unreadable file)."""


@dataclass(frozen=True)
class Protocol:
    min_reader_version: int
    min_writer_version: int
    reader_features: tuple[str, ...] = ()
    writer_features: tuple[str, ...] = ()

    @property
    def features(self) -> frozenset[str]:
        return frozenset(self.reader_features) | frozenset(self.writer_features)


@dataclass(frozen=True)
class Metadata:
    schema: dict[str, Any]  # schemaString, parsed
    partition_columns: tuple[str, ...]
    configuration: dict[str, str]


@dataclass(frozen=True)
class AddFile:
    path: str  # as in the log: relative to the table (or absolute) and URI-encoded
    partition_values: dict[str, str | None]
    size: int
    deletion_vector: dict[str, Any] | None
    stats: str | None  # the JSON text Delta keeps per file (numRecords, min, max, nullCount)


@dataclass(frozen=True)
class SetTransaction:
    app_id: str
    version: int


@dataclass(frozen=True)
class CommitInfo:
    version: int
    timestamp: int | None
    operation: str | None
    operation_parameters: dict[str, Any]
    user_metadata: str | None
    transactions: tuple[SetTransaction, ...]  # the commit's `txn` actions: what makes a retried write idempotent
    operation_metrics: dict[str, Any]  # e.g. numOutputRows (delta-spark), num_added_rows (delta-rs)


@dataclass(frozen=True)
class Checkpoint:
    version: int
    kind: str  # CLASSIC, MULTI_PART or V2
    files: tuple[Path, ...]  # every part of a multi-part checkpoint; a V2 checkpoint's top-level file


@dataclass(frozen=True)
class LogListing:
    """What `_delta_log` holds, by name: commits, complete checkpoints, V2 checkpoint files and `_last_checkpoint`."""

    log_dir: Path
    commits: dict[int, Path]
    checkpoints: tuple[Checkpoint, ...]  # complete ones, oldest first
    v2_checkpoint_files: tuple[str, ...]  # names of V2 checkpoint files and sidecars, complete or not
    last_checkpoint_bytes: int | None

    @property
    def latest_version(self) -> int | None:
        versions = [*self.commits, *(checkpoint.version for checkpoint in self.checkpoints)]
        return max(versions) if versions else None


@dataclass(frozen=True)
class Snapshot:
    table: Path
    version: int
    protocol: Protocol
    metadata: Metadata
    files: tuple[AddFile, ...]  # sorted by path
    transactions: dict[str, int]  # app id -> latest SetTransaction version
    checkpoint: Checkpoint | None  # the checkpoint the replay started from
    commits: tuple[CommitInfo, ...]  # the JSON commits replayed after it, oldest first
    log: LogListing


def list_log(table: Path) -> LogListing:
    """The log's files by role; an empty listing when `table` has no `_delta_log`."""
    log_dir = table / LOG_DIR
    names = sorted(entry.name for entry in log_dir.iterdir()) if log_dir.is_dir() else []
    commits = {int(match[1]): log_dir / name for name in names if (match := _COMMIT.fullmatch(name))}
    sidecar_dir = log_dir / SIDECARS_DIR
    sidecars = sorted(f"{SIDECARS_DIR}/{entry.name}" for entry in sidecar_dir.iterdir()
                      if not entry.name.startswith(".")) if sidecar_dir.is_dir() else []  # not Hadoop's .crc files
    last_checkpoint = log_dir / LAST_CHECKPOINT
    return LogListing(
        log_dir=log_dir,
        commits=commits,
        checkpoints=tuple(_complete_checkpoints(log_dir, names)),
        v2_checkpoint_files=tuple([name for name in names if _V2.fullmatch(name)] + sidecars),
        last_checkpoint_bytes=last_checkpoint.stat().st_size if last_checkpoint.is_file() else None,
    )


def _complete_checkpoints(log_dir: Path, names: list[str]) -> Iterator[Checkpoint]:
    """Checkpoints whose files are all present (a multi-part one lacking a part is not one), oldest first."""
    parts: dict[tuple[int, int], set[int]] = {}
    found: list[Checkpoint] = []
    for name in names:
        if match := _CLASSIC.fullmatch(name):
            found.append(Checkpoint(int(match[1]), CLASSIC, (log_dir / name,)))
        elif match := _V2.fullmatch(name):
            found.append(Checkpoint(int(match[1]), V2, (log_dir / name,)))
        elif match := _MULTI_PART.fullmatch(name):
            parts.setdefault((int(match[1]), int(match[3])), set()).add(int(match[2]))
    for (version, count), present in parts.items():
        if present == set(range(1, count + 1)):
            files = tuple(log_dir / f"{version:020d}.checkpoint.{part:010d}.{count:010d}.parquet"
                          for part in range(1, count + 1))
            found.append(Checkpoint(version, MULTI_PART, files))
    # Several complete checkpoints of one version are equivalent; prefer the one read in the fewest steps.
    preference = {CLASSIC: 0, MULTI_PART: 1, V2: 2}
    yield from sorted(found, key=lambda checkpoint: (checkpoint.version, -preference[checkpoint.kind]))


def is_delta_table(table: Path) -> bool:
    return list_log(table).latest_version is not None


def latest_version(table: Path) -> int | None:
    """The table's newest version, or None when `table` is not a Delta table."""
    return list_log(table).latest_version


def read_snapshot(table: Path, version: int | None = None) -> Snapshot:
    """The table's state at `version` (default: its newest); DeltaLogError when it is not a Delta table, the
    version is not there, or the log has a gap before it."""
    log = list_log(table)
    latest = log.latest_version
    if latest is None:
        raise DeltaLogError(f"{table} is not a Delta table: no commits in {table / LOG_DIR}")
    if version is None:
        version = latest
    elif not 0 <= version <= latest:
        raise DeltaLogError(f"{table} has no version {version} (latest: {latest})")
    checkpoint = next((c for c in reversed(log.checkpoints) if c.version <= version), None)
    start = checkpoint.version + 1 if checkpoint else 0
    missing = [v for v in range(start, version + 1) if v not in log.commits]
    if missing:
        raise DeltaLogError(f"{table}: commit {missing[0]} is missing from {LOG_DIR}, so version {version} "
                            f"cannot be replayed" + (f" from checkpoint {checkpoint.version}" if checkpoint else ""))
    state = _State()
    if checkpoint:
        state.apply(_checkpoint_actions(checkpoint, log.log_dir))
    commits = []
    for commit_version in range(start, version + 1):
        actions = _json_actions(log.commits[commit_version])
        state.apply(actions)
        commits.append(_commit_info(commit_version, actions))
    if state.protocol is None or state.metadata is None:
        raise DeltaLogError(f"{table}: no protocol or metadata action up to version {version}")
    return Snapshot(
        table=table, version=version, protocol=state.protocol, metadata=state.metadata,
        files=tuple(sorted(state.files.values(), key=lambda add: add.path)), transactions=state.transactions,
        checkpoint=checkpoint, commits=tuple(commits), log=log,
    )


def commit_infos(table: Path, since_version: int | None = None) -> list[CommitInfo]:
    """The commitInfo of each JSON commit still in the log with version >= since_version, oldest first.

    Commits older than the oldest checkpoint may have been cleaned up; this reads what is there.
    """
    commits = list_log(table).commits
    return [_commit_info(version, _json_actions(commits[version])) for version in sorted(commits)
            if since_version is None or version >= since_version]


def latest_commit_info(table: Path) -> CommitInfo | None:
    """The newest commit's commitInfo (None when `table` is not a Delta table or that commit was cleaned up)."""
    listing = list_log(table)
    version = listing.latest_version
    if version is None or version not in listing.commits:
        return None
    return _commit_info(version, _json_actions(listing.commits[version]))


def changed_partition_values(table: Path, column: str, since_version: int) -> set[str | None] | None:
    """Values of partition column `column` whose data the commits after `since_version` changed (an add or remove
    with dataChange; compaction's rewrites do not count), or None when one of those commits is no longer in the
    log (then the caller must not rely on an incremental answer)."""
    listing = list_log(table)
    latest = listing.latest_version
    if latest is None:
        return None
    changed: set[str | None] = set()
    for version in range(since_version + 1, latest + 1):
        if version not in listing.commits:
            return None
        for action in _json_actions(listing.commits[version]):
            change = action.get("add") or action.get("remove")
            if change is not None and change.get("dataChange", True):
                changed.add((change.get("partitionValues") or {}).get(column))
    return changed


def partition_values(table: Path, column: str) -> list[str]:
    """Distinct values of partition column `column` among the current files, sorted; nulls left out.

    From the log alone: no data file is opened. [] when `table` is not a Delta table.
    """
    if not is_delta_table(table):
        return []
    snapshot = read_snapshot(table)
    if column not in snapshot.metadata.partition_columns:
        raise DeltaLogError(f"{table}: {column!r} is not a partition column "
                            f"(partition columns: {', '.join(snapshot.metadata.partition_columns) or 'none'})")
    values = {add.partition_values.get(column) for add in snapshot.files}
    return sorted(value for value in values if value is not None)


def app_transaction_version(table: Path, app_id: str) -> int | None:
    """The latest SetTransaction version `app_id` committed, or None (no such app, or no table)."""
    if not is_delta_table(table):
        return None
    return read_snapshot(table).transactions.get(app_id)


class _State:
    """The replay's accumulator: the latest protocol, metadata and txn versions win; files by (path, DV id)."""

    def __init__(self) -> None:
        self.protocol: Protocol | None = None
        self.metadata: Metadata | None = None
        self.files: dict[tuple[str, str | None], AddFile] = {}
        self.transactions: dict[str, int] = {}

    def apply(self, actions: Iterable[dict[str, Any]]) -> None:
        """Apply one version's actions. Removes go first, so a file a commit removes and re-adds stays."""
        adds = []
        for action in actions:
            if (remove := action.get("remove")) is not None:
                self.files.pop(_file_key(remove), None)
            elif (add := action.get("add")) is not None:
                adds.append(add)
            elif (protocol := action.get("protocol")) is not None:
                self.protocol = _protocol(protocol)
            elif (metadata := action.get("metaData")) is not None:
                self.metadata = _metadata(metadata)
            elif (txn := action.get("txn")) is not None:
                self.transactions[txn["appId"]] = int(txn["version"])
        for add in adds:
            self.files[_file_key(add)] = AddFile(
                path=add["path"], partition_values=_as_dict(add.get("partitionValues")), size=int(add["size"]),
                deletion_vector=add.get("deletionVector"), stats=add.get("stats"),
            )


def _file_key(action: dict[str, Any]) -> tuple[str, str | None]:
    """A logical file's identity in the protocol: its path and its deletion vector's unique id."""
    dv = action.get("deletionVector")
    dv_id = None
    if dv:
        dv_id = f"{dv['storageType']}{dv['pathOrInlineDv']}"
        if dv.get("offset") is not None:
            dv_id += f"@{dv['offset']}"
    return unquote(action["path"]), dv_id


def _protocol(action: dict[str, Any]) -> Protocol:
    return Protocol(
        min_reader_version=int(action["minReaderVersion"]), min_writer_version=int(action["minWriterVersion"]),
        reader_features=tuple(action.get("readerFeatures") or ()),
        writer_features=tuple(action.get("writerFeatures") or ()),
    )


def _metadata(action: dict[str, Any]) -> Metadata:
    return Metadata(
        schema=json.loads(action["schemaString"]),
        partition_columns=tuple(action.get("partitionColumns") or ()),
        configuration={key: value for key, value in _as_dict(action.get("configuration")).items() if value is not None},
    )


def _as_dict(value: Any) -> dict[str, Any]:
    """A Delta map: an object in JSON commits, a list of (key, value) pairs once pyarrow reads it from Parquet."""
    if value is None:
        return {}
    return dict(value)


def _commit_info(version: int, actions: list[dict[str, Any]]) -> CommitInfo:
    infos = (action["commitInfo"] for action in actions if action.get("commitInfo") is not None)
    info: dict[str, Any] = next(infos, {})
    return CommitInfo(
        version=version, timestamp=info.get("timestamp"), operation=info.get("operation"),
        operation_parameters=info.get("operationParameters") or {}, user_metadata=info.get("userMetadata"),
        operation_metrics=info.get("operationMetrics") or {},
        transactions=tuple(SetTransaction(action["txn"]["appId"], int(action["txn"]["version"]))
                           for action in actions if action.get("txn") is not None),
    )


def _json_actions(file: Path) -> list[dict[str, Any]]:
    try:
        return [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError) as error:
        raise DeltaLogError(f"cannot read Delta log file {file}: {error}") from error


def _checkpoint_actions(checkpoint: Checkpoint, log_dir: Path) -> Iterator[dict[str, Any]]:
    """The checkpoint's actions; a V2 checkpoint's top-level file names sidecars that hold its file actions."""
    for file in checkpoint.files:
        actions = _json_actions(file) if file.suffix == ".json" else _parquet_actions(file)
        for action in actions:
            if (sidecar := action.get("sidecar")) is not None:
                yield from _parquet_actions(_sidecar_path(log_dir, sidecar["path"]))
            else:
                yield action


def _sidecar_path(log_dir: Path, path: str) -> Path:
    """Sidecars live in `_delta_log/_sidecars`; the log names them by file name or, rarely, by absolute URI."""
    if "/" not in path:
        return log_dir / SIDECARS_DIR / unquote(path)
    return Path(unquote(urlparse(path).path))


def _parquet_actions(file: Path) -> Iterator[dict[str, Any]]:
    """Each row of a checkpoint Parquet file as an action (one non-null column), reading only the needed columns."""
    try:
        parquet = pq.ParquetFile(file)
        columns = [column for column in _CHECKPOINT_COLUMNS if _has_column(parquet.schema_arrow, column)]
        for batch in parquet.iter_batches(columns=columns):
            for row in batch.to_pylist():
                yield from ({name: value} for name, value in row.items() if value is not None)
    except (OSError, pa.ArrowException) as error:
        raise DeltaLogError(f"cannot read Delta checkpoint {file}: {error}") from error


def _has_column(schema: pa.Schema, dotted: str) -> bool:
    """Whether a checkpoint has `top` or `top.child`: writers leave out columns they never fill (e.g. sidecar)."""
    top, _, child = dotted.partition(".")
    if top not in schema.names:
        return False
    field_type = schema.field(top).type
    return not child or (pa.types.is_struct(field_type) and field_type.get_field_index(child) >= 0)


# Delta's primitive type names (the protocol's schema serialization) as Arrow types; decimals are parsed apart.
_ARROW_TYPES = {
    "string": pa.string(), "long": pa.int64(), "integer": pa.int32(), "short": pa.int16(), "byte": pa.int8(),
    "float": pa.float32(), "double": pa.float64(), "boolean": pa.bool_(), "binary": pa.binary(),
    "date": pa.date32(), "timestamp": pa.timestamp("us", tz="UTC"), "timestamp_ntz": pa.timestamp("us"),
}
_DECIMAL = re.compile(r"decimal\((\d+),\s*(\d+)\)")


def arrow_schema(metadata: Metadata) -> pa.Schema:
    """The table's schema as Arrow: Delta's JSON schema, with timestamps as UTC microseconds."""
    return pa.schema([_arrow_field(field) for field in metadata.schema["fields"]])


def _arrow_field(field: dict[str, Any]) -> pa.Field:
    return pa.field(field["name"], _arrow_type(field["type"]), nullable=bool(field.get("nullable", True)))


def _arrow_type(delta_type: str | dict[str, Any]) -> pa.DataType:
    if isinstance(delta_type, str):
        if delta_type in _ARROW_TYPES:
            return _ARROW_TYPES[delta_type]
        if match := _DECIMAL.fullmatch(delta_type):
            return pa.decimal128(int(match[1]), int(match[2]))
        raise DeltaLogError(f"unsupported Delta type {delta_type!r}")
    kind = delta_type["type"]
    if kind == "struct":
        return pa.struct([_arrow_field(field) for field in delta_type["fields"]])
    if kind == "array":
        return pa.list_(_arrow_type(delta_type["elementType"]))
    if kind == "map":
        return pa.map_(_arrow_type(delta_type["keyType"]), _arrow_type(delta_type["valueType"]))
    raise DeltaLogError(f"unsupported Delta type {kind!r}")


def read_table(table: Path) -> pa.Table | None:
    """A Delta table's current rows, read from its log and data files with pyarrow; None when `table` is not a
    Delta table. For the tools that only look (status, `lakehouse sql`, the demo's report): no Spark, and no
    delta-rs, whose native runtime has aborted a finished process at exit. The tables this project writes have no
    deletion vectors or column mapping (the Synapse check enforces it); a table with them is refused, not misread."""
    if not is_delta_table(table):
        return None
    snapshot = read_snapshot(table)
    if "delta.columnMapping.mode" in snapshot.metadata.configuration and \
            snapshot.metadata.configuration["delta.columnMapping.mode"] != "none":
        raise DeltaLogError(f"{table} uses column mapping, which this reader does not apply")
    schema = arrow_schema(snapshot.metadata)
    partition_columns = set(snapshot.metadata.partition_columns)
    pieces = [_read_data_file(table, add, schema, partition_columns) for add in snapshot.files]
    return pa.concat_tables(pieces) if pieces else schema.empty_table()


def _read_data_file(table: Path, add: AddFile, schema: pa.Schema, partition_columns: set[str]) -> pa.Table:
    if add.deletion_vector:
        raise DeltaLogError(f"{table}: file {add.path} has a deletion vector, which this reader does not apply")
    path = Path(unquote(urlparse(add.path).path)) if "://" in add.path else table / unquote(add.path)
    try:
        stored = pq.read_table(path)
    except (OSError, pa.ArrowException) as error:
        raise DeltaLogError(f"cannot read {path} of Delta table {table}: {error}") from error
    columns = []
    for field in schema:
        if field.name in partition_columns:
            value = add.partition_values.get(field.name)
            columns.append(pa.array([value] * stored.num_rows, pa.string()).cast(field.type))
        elif field.name in stored.column_names:
            columns.append(stored.column(field.name).cast(field.type))
        else:  # a column added to the schema after this file was written
            columns.append(pa.nulls(stored.num_rows, field.type))
    return pa.Table.from_arrays(columns, schema=schema)
