"""An independent plain-Python model of SCD type 2 from CDC and the as-of join (DATA_CONTRACT.md §4.1, §4.3, §7).

Written from the contract text alone (nothing here imports `lakehouse`): a key's changes are sorted and replayed
one by one in a loop, holding at most one open version, exactly as §4.1 words it. Instants are epoch microseconds
(UTC); attributes are tuples of (name, typed value) pairs, so they compare with null equal to null.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

UNKNOWN = "UNKNOWN"
DELETE, INSERT, BEFORE_IMAGE, AFTER_IMAGE = 1, 2, 3, 4
REPLAYED = (DELETE, INSERT, AFTER_IMAGE)  # §4.1: Gold ignores before-images

Attributes = tuple[tuple[str, object], ...]


@dataclass(frozen=True)
class Change:
    """An accepted Silver change (§3.2): LSNs as `0x` + 20 hex digits, commit_ts in epoch microseconds."""

    key: str
    start_lsn: str
    seqval: str
    operation: int
    commit_ts: int
    attributes: Attributes


@dataclass(frozen=True)
class Version:
    """A dim_customer / dim_product row (§4.1): valid_to None while open."""

    key: str
    attributes: Attributes
    valid_from: int
    valid_to: int | None
    is_current: bool
    start_lsn: str

    def value(self, name: str) -> object:
        return dict(self.attributes)[name]


def lsn_number(lsn: str) -> int:
    """LSNs compare as numbers: `0x` then hex digits of any case (§3.2, §7)."""
    return int(lsn[2:].upper(), 16)


def change_order(change: Change) -> tuple[int, int, int]:
    """§4.1 (`start_lsn`, `seqval`) order; §7: ties other than a before/after pair are ordered by operation."""
    return lsn_number(change.start_lsn), lsn_number(change.seqval), change.operation


def _replay(changes: Sequence[Change]) -> list[Version]:
    versions: list[Version] = []
    open_version: Change | None = None  # the change that opened the open version

    def close(at: int) -> None:
        assert open_version is not None
        versions.append(Version(open_version.key, open_version.attributes, open_version.commit_ts, at, False,
                                open_version.start_lsn))

    for change in changes:
        if change.operation == DELETE:
            if open_version is not None:
                close(change.commit_ts)
            open_version = None
        elif open_version is None or open_version.attributes != change.attributes:
            if open_version is not None:
                close(change.commit_ts)
            open_version = change
        # else: same attributes as the open version (null equals null): nothing changes
    if open_version is not None:
        versions.append(Version(open_version.key, open_version.attributes, open_version.commit_ts, None, True,
                                open_version.start_lsn))
    return versions


def scd2_versions(changes: Iterable[Change]) -> list[Version]:
    """§4.1: for each key, its changes with operation 1, 2 or 4 in (start_lsn, seqval, operation) order, replayed
    with at most one open version. Delivery order does not matter, so a late change is as if on time."""
    by_key: dict[str, list[Change]] = {}
    for change in changes:
        if change.operation in REPLAYED:
            by_key.setdefault(change.key, []).append(change)
    versions: list[Version] = []
    for key in sorted(by_key):
        versions.extend(_replay(sorted(by_key[key], key=change_order)))
    return versions


def is_valid_at(version: Version, ts: int) -> bool:
    """§4.3: valid_from <= ts < valid_to, an open version having no end; so a zero-length version never matches."""
    return version.valid_from <= ts and (version.valid_to is None or ts < version.valid_to)


def as_of(transactions: Iterable[tuple[str, int]], versions: Sequence[Version], attribute: str) -> list[object]:
    """§4.3: for each (key, transaction_ts), the attribute of the key's version valid at that instant; no match or
    a null value gives 'UNKNOWN'."""
    result: list[object] = []
    for key, ts in transactions:
        matching = [version for version in versions if version.key == key and is_valid_at(version, ts)]
        assert len(matching) <= 1, f"the model's versions overlap for {key} at {ts}: {matching}"
        value = matching[0].value(attribute) if matching else None
        result.append(UNKNOWN if value is None else value)
    return result
