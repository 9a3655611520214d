"""The segments job's output read for back-tests: tokens in, segment names out; no file, no segment."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pointflow.adapters.segments_file import segment_reader


def test_segments_are_keyed_by_token(tmp_path: Path) -> None:
    path = tmp_path / "segments.parquet"
    pl.DataFrame(
        {
            "customer_id": ["c1", "c2"],
            "segment": [0, 1],
            "segment_name": ["Savers", None],
            "spend": [1.0, 2.0],
        }
    ).write_parquet(path)
    segment_of = segment_reader(path, lambda customer: f"tok-{customer}")
    assert (segment_of("tok-c1"), segment_of("tok-c2"), segment_of("c1")) == ("Savers", "segment 1", None)
    assert segment_reader(None, str)("tok-c1") is None
    assert segment_reader(tmp_path / "missing.parquet", str)("tok-c1") is None
