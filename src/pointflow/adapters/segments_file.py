"""Members' segments from the segments job's Parquet output, keyed by customer token for back-tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl


def segment_reader(path: Path | None, tokenise: Callable[[str], str]) -> Callable[[str], str | None]:
    """token → segment name; every member is in no segment (the caller's "all") without a file."""
    if path is None or not path.exists():
        return lambda _token: None
    frame = pl.read_parquet(path, columns=["customer_id", "segment", "segment_name"])
    # the job writes the bank's ids; the console only ever sees tokens, so they are tokenised on reading
    found = {
        tokenise(str(customer)): str(name or f"segment {segment}")
        for customer, segment, name in frame.iter_rows()
    }
    return found.get
