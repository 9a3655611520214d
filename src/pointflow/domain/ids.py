"""Time-ordered unique ids (48-bit milliseconds + 80 random bits, as 32 hex characters)."""

from __future__ import annotations

import itertools
import secrets
import time

# A per-process counter from a random start: unique within the process, and two processes' ranges
# meet in the same millisecond with negligible probability.
_sequence = itertools.count(secrets.randbits(64))
_MASK = (1 << 80) - 1


def new_id() -> str:
    return f"{time.time_ns() // 1_000_000:012x}{next(_sequence) & _MASK:020x}"
