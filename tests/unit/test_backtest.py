"""The back-test's arithmetic: a changed multiplier moves the cost by exactly the re-rounded difference,
liability is points at each programme's value per point, members are grouped across pages, by segment."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pointflow.adapters.programme_file import load_programme_file, sample_programme_path
from pointflow.domain.backtest import MemberOutcome, SegmentTally, Valuation, figures, tally, total
from pointflow.domain.programme import Programme, parse_programme
from pointflow.service_layer.backtest import BacktestRequest, StoredPosting, run_backtest

SAMPLE = load_programme_file(sample_programme_path())
DATA: dict[str, Any] = SAMPLE.model_dump(mode="json")
START = datetime(2024, 3, 1, 12, tzinfo=UTC)


def with_dining(multiplier: str, value_per_point: str | None = None) -> Programme:
    data = copy.deepcopy(DATA)
    rule = next(r for r in data["rules"] if r["id"] == "dining-2x")
    rule["multiplier"] = multiplier
    if value_per_point is not None:
        data["value_per_point"] = value_per_point
    return parse_programme(data)


def record(amount: Decimal, at: datetime, *, mcc: str = "5812") -> str:
    return json.dumps(
        {
            "amount": str(amount),
            "currency": "USD",
            "direction": "debit",
            "transaction_type": "purchase",
            "booked_at": at.isoformat(),
            "mcc": mcc,
            "merchant_country": "US",
            "channel": "card_present",
            "merchant_name": "0f3a…",  # a keyed hash in the inbox: the rules never read it
        }
    )


class Postings:
    """A fake PostingSource that yields what it holds in token order and counts the pages asked for."""

    def __init__(self, rows: list[StoredPosting], newest: datetime | None) -> None:
        self.rows, self.newest = sorted(rows, key=lambda r: r.token), newest
        self.asked: tuple[datetime, datetime] | None = None

    def newest_booking(self) -> datetime | None:
        return self.newest

    def postings(self, since: datetime, until: datetime, page_size: int) -> Iterator[StoredPosting]:
        self.asked = (since, until)
        for start in range(0, len(self.rows), page_size):
            yield from self.rows[start : start + page_size]


def whole(points: Decimal) -> int:
    return int(points.quantize(Decimal(1), rounding=ROUND_HALF_UP))


cents = st.integers(min_value=1, max_value=30_000).map(lambda c: Decimal(c) / 100)


@settings(max_examples=40, deadline=None)
@given(amounts=st.lists(cents, min_size=1, max_size=12), members=st.integers(1, 3))
def test_a_changed_multiplier_changes_the_cost_by_the_exact_amount(
    amounts: list[Decimal], members: int
) -> None:
    rows = [
        StoredPosting(f"tok{m}", "classic", record(a, START + timedelta(hours=i)), whole(a * 2))
        for m in range(members)
        for i, a in enumerate(amounts)
    ]
    report = run_backtest(
        BacktestRequest(SAMPLE, with_dining("3"), months=3),
        source=Postings(rows, START + timedelta(days=1)),
        segment_of=lambda _: None,
        iso_range=lambda _: None,
        page_size=5,
    )
    expected = members * sum(whole(a * 3) - whole(a * 2) for a in amounts)  # base 1/USD × 3 instead of × 2
    assert report["total"]["points_difference"] == expected
    assert report["total"]["change_points"] == expected
    assert report["total"]["members"] == members
    assert report["total"]["members_affected"] == (
        members if expected else 0
    )  # 0.01 USD: 0 points either way
    assert Decimal(report["total"]["liability_difference"]) == expected * Decimal("0.01")


def test_an_unchanged_programme_costs_nothing_and_affects_no_one() -> None:
    rows = [StoredPosting("t1", "classic", record(Decimal("10.25"), START), 21)]
    report = run_backtest(
        BacktestRequest(SAMPLE, SAMPLE, months=1),
        source=Postings(rows, START),
        segment_of=lambda _: None,
        iso_range=lambda _: None,
    )
    assert report["total"]["points_difference"] == 0
    assert report["total"]["members_affected"] == 0
    assert list(report["segments"]) == ["all"]


def test_the_period_is_the_last_n_months_up_to_the_newest_posting() -> None:
    source = Postings([], datetime(2024, 5, 31, 18, tzinfo=UTC))
    run_backtest(
        BacktestRequest(SAMPLE, SAMPLE, months=3),
        source=source,
        segment_of=lambda _: None,
        iso_range=lambda _: None,
    )
    assert source.asked == (datetime(2024, 2, 29, tzinfo=UTC), datetime(2024, 5, 31, 18, tzinfo=UTC))
    empty = run_backtest(
        BacktestRequest(SAMPLE, SAMPLE, months=3),
        source=Postings([], None),
        segment_of=lambda _: None,
        iso_range=lambda _: None,
    )
    assert (empty["until"], empty["total"]["postings"]) == (None, 0)


def test_caps_count_what_the_replay_gave_within_the_member() -> None:
    # dining-2x caps its extra points at 10,000 a month: two 8,000 USD dinners give 8,000 + 2,000 extra
    rows = [
        StoredPosting("t", "classic", record(Decimal(8000), START + timedelta(hours=h)), 0) for h in (1, 2)
    ]
    report = run_backtest(
        BacktestRequest(SAMPLE, SAMPLE, months=1),
        source=Postings(rows, START),
        segment_of=lambda _: None,
        iso_range=lambda _: None,
    )
    assert report["total"]["baseline_points"] == 8000 * 2 + 8000 + 2000


def test_segments_and_value_per_point() -> None:
    rows = [
        StoredPosting("a", "classic", record(Decimal(100), START), 200),
        StoredPosting("b", "classic", record(Decimal(100), START), 200),
        StoredPosting("c", "classic", record(Decimal(100), START, mcc="5999"), 100),  # not dining
    ]
    segment = {"a": "savers", "b": "travellers"}
    report = run_backtest(
        BacktestRequest(SAMPLE, with_dining("4", value_per_point="0.02"), months=1),
        source=Postings(rows, START),
        segment_of=segment.get,
        iso_range=lambda _: None,
    )
    assert set(report["segments"]) == {"savers", "travellers", "all"}
    assert report["segments"]["savers"]["points_difference"] == 200
    assert report["segments"]["all"]["members_affected"] == 0
    # liability: 400 + 400 + 100 points at 0.02 proposed (18.00) against 500 at 0.01 accrued (5.00)
    assert Decimal(report["total"]["liability_difference"]) == Decimal("13.00")


def test_figures_add_up() -> None:
    outcomes = [
        MemberOutcome("x", 2, 10, 10, 15),
        MemberOutcome("x", 1, 5, 6, 6),
        MemberOutcome("y", 1, 0, 0, 1),
    ]
    by = tally(outcomes)
    assert by["x"] == SegmentTally(members=2, affected=1, postings=3, actual=15, baseline=16, proposed=21)
    summed = figures(total(by), Valuation(Decimal("0.01"), Decimal("0.01")))
    assert (summed["points_difference"], summed["change_points"], summed["members_affected"]) == (7, 6, 2)
