"""The drift fallback switch as scoring sees it: read from `model_fallbacks`, trusted for a few seconds.

Scoring asks once per commit group; the answer is cached per model version for `ttl` seconds, so a busy
service reads the switch a few times a minute, and a check that turns it on takes effect within `ttl`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import Engine

from pointflow.adapters.db.governance_store import fallback_reason

DRIFT_REASON = "drift fallback"


class FallbackSwitch(Protocol):
    def reason(self, model: str, version: str) -> str | None:
        """Why this version is switched to the rule, or None when it may score."""
        ...


class DriftFlag:
    def __init__(self, engine: Engine, *, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine
        self._ttl = ttl
        self._clock = clock
        self._known: dict[tuple[str, str], tuple[float, str | None]] = {}

    def reason(self, model: str, version: str) -> str | None:
        now = self._clock()
        known = self._known.get((model, version))
        if known is not None and now - known[0] < self._ttl:
            return known[1]
        with self._engine.connect() as conn:
            found = fallback_reason(conn, model=model, version=version)
        reason = None if found is None else f"{DRIFT_REASON}: {found}"
        self._known[(model, version)] = (now, reason)
        return reason
