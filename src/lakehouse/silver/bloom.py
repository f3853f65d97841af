"""A Bloom filter of strings: "certainly not in the set" or "maybe in it", in about 10 bits per member for 1% false
positives. Silver keeps one per transaction day and dimension key (silver.io, the key-dates index), so Gold finds
the days holding a changed customer's or product's sales without reading those days.

Positions come from one 128-bit BLAKE2b digest split in two 64-bit hashes, h1 + i * h2 (Kirsch and Mitzenmacher),
so a filter built on an executor and read on the driver agree whatever Python's hash seed. Bit `p` is bit `p % 8`
of byte `p // 8`. The filters are stored, so these positions are a file format, computed two ways: for a whole day's
members at once with NumPy (`_positions`, the build), in 64-bit integers that cannot overflow because both hashes
are first reduced modulo the size; and for one probe in Python's unbounded integers, stopping at the first unset
bit (`might_contain`: the driver probes keys one at a time, where NumPy's per-call cost is seven times Python's).
tests/silver/test_bloom.py holds both to a plain-Python model of the format.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

FALSE_POSITIVE_RATE = 0.01
MIN_BITS = 1024


def _digest(member: str) -> bytes:
    return hashlib.blake2b(member.encode("utf-8"), digest_size=16).digest()


def _hash_pair(member: str) -> tuple[int, int]:
    """(h1, h2) of a member; h2 is odd."""
    digest = _digest(member)
    return int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:], "little") | 1


def _hashes(members: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(h1, h2) of each member as unsigned 64-bit integers, as `_hash_pair` gives them; h2 is odd."""
    digests = b"".join(_digest(member) for member in members)
    words = np.frombuffer(digests, dtype="<u8").reshape(-1, 2)
    return words[:, 0], words[:, 1] | np.uint64(1)


def _positions(members: Sequence[str], size: int, hash_count: int) -> np.ndarray:
    """The bit positions of each member, one row per member: (h1 + i * h2) % size for i < hash_count.

    With h1 and h2 reduced modulo the size first, the largest intermediate is below size * hash_count, far inside 64
    bits: the size is about 9.6 bits per member (hash count 7) or MIN_BITS for small sets (hash count <= 710)."""
    first, step = _hashes(members)
    modulus = np.uint64(size)
    first, step = first % modulus, step % modulus
    index = np.arange(hash_count, dtype=np.uint64)
    return (first[:, None] + index[None, :] * step[:, None]) % modulus


@dataclass(frozen=True)
class BloomFilter:
    bits: bytes
    hash_count: int

    @classmethod
    def of(cls, members: Iterable[str], false_positive_rate: float = FALSE_POSITIVE_RATE) -> BloomFilter:
        distinct = list(set(members))
        size = max(MIN_BITS, math.ceil(-len(distinct) * math.log(false_positive_rate) / math.log(2) ** 2))
        size = -(-size // 8) * 8
        hash_count = max(1, round(size / max(1, len(distinct)) * math.log(2)))
        is_set = np.zeros(size, dtype=bool)
        if distinct:
            is_set[_positions(distinct, size, hash_count).ravel()] = True
        return cls(np.packbits(is_set, bitorder="little").tobytes(), hash_count)

    def might_contain(self, member: str) -> bool:
        size = len(self.bits) * 8
        first, step = _hash_pair(member)
        return all(self.bits[(position := (first + index * step) % size) >> 3] & (1 << (position & 7))
                   for index in range(self.hash_count))
