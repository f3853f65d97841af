"""GetMetadata on a local root: ADF's documented output, and its modified-time filter on real file times."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from lakehouse.adf.engine import ActivityFailed
from lakehouse.adf.metadata import get_metadata, local_path

START = datetime(2026, 1, 7, tzinfo=UTC)


@pytest.fixture
def folder(tmp_path):
    """Files modified before, at and after START (and at the window's end), plus a subfolder."""
    folder = tmp_path / "bronze" / "transactions" / "ingest_date=2026-01-07"
    (folder / "sub").mkdir(parents=True)
    for name, when in [("old.csv", START - timedelta(seconds=1)), ("at_start.csv", START),
                       ("new.csv", START + timedelta(hours=5)), ("at_end.csv", START + timedelta(hours=10))]:
        path = folder / name
        path.write_text("x\n")
        os.utime(path, (when.timestamp(), when.timestamp()))
    return folder


def names(output):
    return [(item["name"], item["type"]) for item in output["childItems"]]


def test_without_a_filter_child_items_are_files_and_folders(folder):
    output = get_metadata(folder, ["exists", "childItems"], {})
    assert output["exists"] is True
    assert names(output) == [("at_end.csv", "File"), ("at_start.csv", "File"), ("new.csv", "File"),
                             ("old.csv", "File"), ("sub", "Folder")]


def test_modified_filter_keeps_files_in_start_inclusive_end_exclusive_and_never_folders(folder):
    settings = {"modifiedDatetimeStart": "2026-01-07T00:00:00.0000000Z",
                "modifiedDatetimeEnd": "2026-01-07T10:00:00Z"}
    output = get_metadata(folder, ["childItems"], settings)
    assert names(output) == [("at_start.csv", "File"), ("new.csv", "File")]
    only_start = get_metadata(folder, ["childItems"], {"modifiedDatetimeStart": "2026-01-07T01:00:00+01:00"})
    assert names(only_start) == [("at_end.csv", "File"), ("at_start.csv", "File"), ("new.csv", "File")]


def test_missing_folder_gives_exists_false_only_when_asked(tmp_path):
    assert get_metadata(tmp_path / "nope", ["exists", "childItems"], {}) == {"exists": False}
    with pytest.raises(ActivityFailed, match="does not exist"):
        get_metadata(tmp_path / "nope", ["childItems"], {})


def test_item_fields_and_refusals(folder):
    output = get_metadata(folder / "new.csv", ["itemName", "itemType", "lastModified"], {})
    assert output == {"itemName": "new.csv", "itemType": "File", "lastModified": "2026-01-07T05:00:00Z"}
    with pytest.raises(ActivityFailed, match=r"fieldList \['contentMD5'\] is not supported"):
        get_metadata(folder, ["contentMD5"], {})
    with pytest.raises(ActivityFailed, match="childItems is for folders"):
        get_metadata(folder / "new.csv", ["childItems"], {})
    with pytest.raises(ActivityFailed, match="modifiedDatetimeStart: 'soon' is not an ISO 8601 timestamp"):
        get_metadata(folder, ["childItems"], {"modifiedDatetimeStart": "soon"})


def test_dataset_location_maps_container_and_folder_under_the_root(tmp_path):
    location = {"type": "AzureBlobFSLocation", "fileSystem": "bronze", "folderPath": "stores/ingest_date=2026-01-07"}
    assert local_path(tmp_path, location) == tmp_path / "bronze" / "stores" / "ingest_date=2026-01-07"
    with pytest.raises(ActivityFailed, match="leaves the root"):
        local_path(tmp_path, {**location, "folderPath": "../../etc"})
    with pytest.raises(ActivityFailed, match="'AzureBlobStorageLocation' is not supported"):
        local_path(tmp_path, {**location, "type": "AzureBlobStorageLocation"})
