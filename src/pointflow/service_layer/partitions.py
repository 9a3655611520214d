"""Which partition of the stream a customer's events travel in, and which partitions a worker claims.

The rule is written so that a bank's producer in any language computes the same number: the first eight
bytes of SHA-256 over the UTF-8 customer id, read as an unsigned big-endian integer, modulo the partition
count. A customer never changes partition while the count stays the same, so one worker sees all of a
member's events, in order.
"""

from __future__ import annotations

import hashlib

MAX_PARTITIONS = 4096


def partition_of(customer_id: str, partitions: int) -> int:
    """The partition (0 … partitions-1) that carries every event of `customer_id`."""
    if not 1 <= partitions <= MAX_PARTITIONS:
        raise ValueError(f"the partition count must be between 1 and {MAX_PARTITIONS}, not {partitions}")
    digest = hashlib.sha256(customer_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % partitions


def parse_partitions(spec: str, count: int) -> tuple[int, ...]:
    """`"0-3,8,10-11"` → (0, 1, 2, 3, 8, 10, 11); every number must be below `count`."""
    chosen: set[int] = set()
    for part in (p.strip() for p in spec.split(",")):
        first, _, last = part.partition("-")
        try:
            low, high = int(first), int(last or first)
        except ValueError:
            raise ValueError(f"{part!r} is not a partition number or a range like 0-3") from None
        if low > high or low < 0 or high >= count:
            raise ValueError(f"{part!r} is outside the partitions 0-{count - 1}")
        chosen.update(range(low, high + 1))
    return tuple(sorted(chosen))
