"""Process settings for the long-running commands (serve, ingest, worker): steady latency and throughput."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from pointflow.adapters.db.engine import Database

YOUNG_THRESHOLD = 20_000


@contextmanager
def long_running(db: Database) -> Iterator[None]:
    """Freeze what start-up built and collect less often; checkpoint SQLite's log beside the writers."""
    # Objects built at start-up (and a replay's input) live for the whole process: out of every collection,
    # so that full collections neither pause requests nor cost a replay time in proportion to its input.
    gc.collect()
    gc.freeze()
    previous = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, 20, 20)
    try:
        with db.checkpointing():
            yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()
