"""The partition rule a bank's producer must reproduce, and the claim syntax a worker is started with."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointflow.service_layer.partitions import MAX_PARTITIONS, parse_partitions, partition_of


def by_the_documented_rule(customer_id: str, partitions: int) -> int:
    """docs/decisions/0006: first 8 bytes of SHA-256 of the UTF-8 id, unsigned big-endian, mod N."""
    return int(hashlib.sha256(customer_id.encode("utf-8")).hexdigest()[:16], 16) % partitions


@pytest.mark.parametrize(("partitions", "expected"), [(16, 11), (10, 9)])
def test_the_documented_examples(partitions: int, expected: int) -> None:
    # `printf cust_888 | sha256sum` starts 215dce44bb7de34b; that number mod 16 is 11, mod 10 is 9.
    assert partition_of("cust_888", partitions) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.integers(min_value=1, max_value=MAX_PARTITIONS))
def test_any_id_lands_where_the_rule_says_inside_the_range(customer_id: str, partitions: int) -> None:
    chosen = partition_of(customer_id, partitions)
    assert 0 <= chosen < partitions
    assert chosen == by_the_documented_rule(customer_id, partitions)


def test_sequential_ids_spread_evenly() -> None:
    counts = Counter(partition_of(f"cust_{i:06d}", 16) for i in range(16_000))
    assert len(counts) == 16
    assert max(counts.values()) < 1.1 * 1000
    assert min(counts.values()) > 0.9 * 1000


@pytest.mark.parametrize("count", [0, -1, MAX_PARTITIONS + 1])
def test_a_partition_count_out_of_range_is_refused(count: int) -> None:
    with pytest.raises(ValueError, match="partition count"):
        partition_of("cust_1", count)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("0-3", (0, 1, 2, 3)), ("7", (7,)), ("0-1, 8,10-11", (0, 1, 8, 10, 11)), ("3,1-3", (1, 2, 3))],
)
def test_claims_are_read_as_sorted_distinct_partitions(spec: str, expected: tuple[int, ...]) -> None:
    assert parse_partitions(spec, 16) == expected


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("4-2", "outside"),
        ("16", "outside"),
        ("a", "not a partition"),
        ("", "not a partition"),
        ("-1", "not a partition"),
    ],
)
def test_a_bad_claim_says_why(spec: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_partitions(spec, 16)
