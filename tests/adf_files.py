"""adf/ as plain JSON, for tests that check its files without the package's loader (tests/adf, tests/terraform)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ADF_DIR = Path(__file__).resolve().parents[1] / "adf"
# Keys under typeProperties that hold nested activities (If, ForEach/Until, Switch); Switch's `cases` hold lists.
NESTED_KEYS = ("ifTrueActivities", "ifFalseActivities", "activities", "defaultActivities")


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def folder_files(folder: str) -> list[Path]:
    return sorted((ADF_DIR / folder).glob("*.json"))


def load_folder(folder: str) -> dict[str, dict[str, Any]]:
    """Each file of adf/<folder>/ by its stem."""
    return {path.stem: load(path) for path in folder_files(folder)}


def all_activities(activities: list[dict]) -> Iterator[dict]:
    """Every activity, nested ones (If/ForEach/Until/Switch branches) included."""
    for activity in activities:
        yield activity
        props = activity.get("typeProperties", {})
        for key in NESTED_KEYS:
            yield from all_activities(props.get(key, []))
        for case in props.get("cases", []):
            yield from all_activities(case.get("activities", []))
