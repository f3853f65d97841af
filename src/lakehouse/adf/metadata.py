"""A GetMetadata activity, run against a local root instead of the lake's storage account.

The dataset's location (`AzureBlobFSLocation`: fileSystem, folderPath, fileName) on the `AzureBlobFS` linked
service maps to `<root>/<fileSystem>/<folderPath>/<fileName>`: locally one root holds the four containers
(contract §1). What ADF documents, and is followed here:
- `exists` in fieldList: a missing path gives `{"exists": false}` (and no other field) instead of failing;
- `childItems` lists a folder's files and folders (`{"name", "type": "File"|"Folder"}`), not recursively;
- with `modifiedDatetimeStart` and/or `modifiedDatetimeEnd` in storeSettings, childItems holds only the *files*
  whose last-modified time is in [start, end), never folders;
- `itemName`, `itemType` and `lastModified` describe the path itself.
Last-modified times are the files' real mtimes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from lakehouse.adf import dotnet_time
from lakehouse.adf.engine import ActivityFailed

FIELDS = ("exists", "childItems", "itemName", "itemType", "lastModified")
LOCATION_TYPE = "AzureBlobFSLocation"
STORAGE_TYPE = "AzureBlobFS"


def local_path(root: Path, location: Mapping[str, Any]) -> Path:
    """Where a dataset's evaluated location lives under the local root."""
    if location.get("type") != LOCATION_TYPE:
        raise ActivityFailed(f"dataset location type {location.get('type')!r} is not supported locally "
                             f"(use {LOCATION_TYPE})")
    parts = [str(location.get(key) or "") for key in ("fileSystem", "folderPath", "fileName")]
    if not parts[0]:
        raise ActivityFailed("dataset location has no fileSystem (the container)")
    relative = PurePosixPath(*[part.strip("/") for part in parts if part.strip("/")])
    if ".." in relative.parts:
        raise ActivityFailed(f"dataset location {relative} leaves the root")
    return root.joinpath(*relative.parts)


def _modified(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _iso(moment: datetime) -> str:
    return dotnet_time.format_timestamp(moment, "yyyy-MM-ddTHH:mm:ssK")


def modified_window(settings: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    """The storeSettings' [modifiedDatetimeStart, modifiedDatetimeEnd) as UTC datetimes (None when unset)."""
    bounds = []
    for key in ("modifiedDatetimeStart", "modifiedDatetimeEnd"):
        value = settings.get(key)
        try:
            bounds.append(dotnet_time.parse_timestamp(value) if value not in (None, "") else None)
        except dotnet_time.TimeFormatError as error:
            raise ActivityFailed(f"storeSettings.{key}: {error}") from None
    return bounds[0], bounds[1]


def child_items(folder: Path, start: datetime | None, end: datetime | None) -> list[dict[str, str]]:
    is_filtered = start is not None or end is not None
    items = []
    for child in sorted(folder.iterdir(), key=lambda p: p.name):
        if is_filtered:
            if not child.is_file():
                continue
            modified = _modified(child)
            if (start is not None and modified < start) or (end is not None and modified >= end):
                continue
        items.append({"name": child.name, "type": "File" if child.is_file() else "Folder"})
    return items


def get_metadata(path: Path, fields: object, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The activity's output for `path`, with the fields of `fieldList`."""
    if not isinstance(fields, list) or not fields:
        raise ActivityFailed("fieldList must be a non-empty list")
    unsupported = [field for field in fields if field not in FIELDS]
    if unsupported:
        raise ActivityFailed(f"fieldList {unsupported} is not supported locally (supported: {', '.join(FIELDS)})")
    if not path.exists():
        if "exists" in fields:
            return {"exists": False}
        raise ActivityFailed(f"the path {path} does not exist (add 'exists' to fieldList to test for it)")
    start, end = modified_window(settings)
    values: dict[str, Any] = {"exists": True, "itemName": path.name,
                              "itemType": "Folder" if path.is_dir() else "File",
                              "lastModified": _iso(_modified(path))}
    if "childItems" in fields:
        if not path.is_dir():
            raise ActivityFailed(f"childItems is for folders, and {path} is a file")
        values["childItems"] = child_items(path, start, end)
    return {field: values[field] for field in fields}
