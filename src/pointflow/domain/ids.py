"""Time-ordered unique ids (48-bit milliseconds + 80 random bits, as 32 hex characters)."""

from __future__ import annotations

import secrets
import time


def new_id() -> str:
    return f"{time.time_ns() // 1_000_000:012x}{secrets.randbits(80):020x}"
