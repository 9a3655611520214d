"""Back-test a proposed programme over the last N months of stored postings, streamed in pages of members
so that a bank's millions of postings never sit in memory at once."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time
from itertools import groupby
from typing import Any, Protocol

from pointflow.domain.backtest import (
    MemberOutcome,
    SegmentTally,
    Valuation,
    earn_input,
    figures,
    replay_member,
    tally,
    total,
)
from pointflow.domain.expiry import add_months
from pointflow.domain.programme import Programme

ALL = "all"
PAGE_SIZE = 5000


@dataclass(frozen=True, slots=True)
class StoredPosting:
    """An accrued posting as stored: the member's token and tier, the inbox record, the points it got."""

    token: str
    tier: str
    record: str  # the inbox's canonical JSON
    points: int


class PostingSource(Protocol):
    def newest_booking(self) -> datetime | None:
        """When the newest accrued posting was booked; None with none."""
        ...

    def postings(self, since: datetime, until: datetime, page_size: int) -> Iterator[StoredPosting]:
        """Accrued postings booked in [since, until], ordered by member token then booking time."""
        ...


@dataclass(frozen=True, slots=True)
class BacktestRequest:
    current: Programme
    proposed: Programme
    months: int


def run_backtest(
    request: BacktestRequest,
    *,
    source: PostingSource,
    segment_of: Callable[[str], str | None],
    iso_range: Callable[[str], str | None],
    page_size: int = PAGE_SIZE,
) -> dict[str, Any]:
    """Re-run both programmes' earn rules over the period; figures by segment and in total, as JSON."""
    until = source.newest_booking()
    if until is None:
        return _report(request, None, None, {})
    since = datetime.combine(add_months(until.date(), -request.months), time.min, tzinfo=UTC)
    segments = tally(_outcomes(request, source.postings(since, until, page_size), segment_of, iso_range))
    return _report(request, since, until, segments)


def _outcomes(
    request: BacktestRequest,
    postings: Iterator[StoredPosting],
    segment_of: Callable[[str], str | None],
    iso_range: Callable[[str], str | None],
) -> Iterator[MemberOutcome]:
    for token, rows in groupby(postings, key=lambda p: p.token):
        inputs = (
            (earn_input(json.loads(p.record), tier=p.tier, iso_range=iso_range), p.points) for p in rows
        )
        yield replay_member(request.current, request.proposed, inputs, segment_of(token) or ALL)


def _report(
    request: BacktestRequest,
    since: datetime | None,
    until: datetime | None,
    segments: dict[str, SegmentTally],
) -> dict[str, Any]:
    value = Valuation(request.current.value_per_point, request.proposed.value_per_point)
    return {
        "months": request.months,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "currency": request.proposed.currency,
        "value_per_point": {"current": str(value.current), "proposed": str(value.proposed)},
        "total": figures(total(segments), value),
        "segments": {name: figures(segments[name], value) for name in sorted(segments)},
    }
