"""The key-dates index's Bloom filters (silver.bloom), held to a plain-Python model of the stored format.

The filters are stored in Silver (`silver/_key_dates/`) and probed by later runs, so the bits must not change with
the implementation: the model below is the format's definition, in Python's unbounded integers (positions
(h1 + i * h2) % size from one BLAKE2b-128 digest, bit p = bit p % 8 of byte p // 8; size and hash count from the
false-positive rate), and the NumPy build must give exactly its bytes."""

from __future__ import annotations

import hashlib
import math
import random
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from lakehouse.silver.bloom import FALSE_POSITIVE_RATE, MIN_BITS, BloomFilter


def model_filter(members: list[str], false_positive_rate: float = FALSE_POSITIVE_RATE) -> tuple[bytes, int]:
    distinct = set(members)
    size = max(MIN_BITS, math.ceil(-len(distinct) * math.log(false_positive_rate) / math.log(2) ** 2))
    size = -(-size // 8) * 8
    hash_count = max(1, round(size / max(1, len(distinct)) * math.log(2)))
    bits = bytearray(size // 8)
    for member in distinct:
        digest = hashlib.blake2b(member.encode("utf-8"), digest_size=16).digest()
        first, step = int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:], "little") | 1
        for index in range(hash_count):
            position = (first + index * step) % size
            bits[position >> 3] |= 1 << (position & 7)
    return bytes(bits), hash_count


def model_might_contain(bits: bytes, hash_count: int, member: str) -> bool:
    digest = hashlib.blake2b(member.encode("utf-8"), digest_size=16).digest()
    first, step = int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:], "little") | 1
    size = len(bits) * 8
    return all(bits[(first + index * step) % size >> 3] >> ((first + index * step) % size & 7) & 1
               for index in range(hash_count))


@settings(max_examples=150, deadline=None)
@given(members=st.lists(st.text(max_size=12), max_size=300), probes=st.lists(st.text(max_size=12), max_size=30))
def test_filter_bytes_and_probes_equal_the_model(members: list[str], probes: list[str]) -> None:
    bloom = BloomFilter.of(members)
    assert (bloom.bits, bloom.hash_count) == model_filter(members)
    for member in [*members, *probes]:
        assert bloom.might_contain(member) == model_might_contain(bloom.bits, bloom.hash_count, member)


def test_a_day_of_ids_equals_the_model_and_has_no_false_negative() -> None:
    generator = random.Random(7)
    ids = [f"C{generator.randrange(10**6):07d}" for _ in range(20_000)]
    bloom = BloomFilter.of(ids)
    assert (bloom.bits, bloom.hash_count) == model_filter(ids)
    assert all(bloom.might_contain(member) for member in ids)


def test_false_positives_stay_near_the_rate() -> None:
    members = [f"P{index:06d}" for index in range(5_000)]
    strangers = ["".join(random.Random(index).choices(string.ascii_letters, k=9)) for index in range(20_000)]
    bloom = BloomFilter.of(members)
    false_positives = sum(bloom.might_contain(stranger) for stranger in strangers)
    assert false_positives / len(strangers) < 3 * FALSE_POSITIVE_RATE
