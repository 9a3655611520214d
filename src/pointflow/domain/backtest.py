"""Back-testing a programme change: re-run earn rules over one member's stored postings, and add up
points, liability and members affected by segment (pure; the events are streamed in by the service layer)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from pointflow.domain.earning import EarnInput, evaluate
from pointflow.domain.events import Channel, Direction, TransactionType
from pointflow.domain.programme import Programme


def earn_input(record: Mapping[str, Any], *, tier: str, iso_range: Callable[[str], str | None]) -> EarnInput:
    """What the earn rules see of a posting, from the inbox's canonical record (no names, no ids needed)."""
    mcc = record.get("mcc")
    return EarnInput(
        amount=Decimal(str(record["amount"])),
        currency=str(record["currency"]),
        direction=Direction(record["direction"]),
        transaction_type=TransactionType(record["transaction_type"]),
        mcc=mcc,
        iso_range=iso_range(mcc) if mcc else None,
        merchant_country=record.get("merchant_country"),
        channel=Channel(record.get("channel") or Channel.OTHER.value),
        booked_at=datetime.fromisoformat(str(record["booked_at"])),
        tier=tier,
    )


@dataclass
class MemberReplay:
    """One member's postings re-run in booking order, caps counting what the replay itself gave."""

    programme: Programme
    usage: dict[tuple[str, str], Decimal] = field(default_factory=dict)

    def points(self, tx: EarnInput) -> int:
        result = evaluate(self.programme, tx, self.usage)
        for key, used in result.usage.items():
            self.usage[key] = self.usage.get(key, Decimal(0)) + used
        return int(result.points)


@dataclass(frozen=True, slots=True)
class MemberOutcome:
    """A member's points over the period: as accrued, re-run under the active and the proposed programme."""

    segment: str
    postings: int
    actual: int
    baseline: int
    proposed: int


@dataclass
class SegmentTally:
    members: int = 0
    affected: int = 0  # members whose points the change moves (proposed re-run ≠ active re-run)
    postings: int = 0
    actual: int = 0
    baseline: int = 0
    proposed: int = 0

    def add(self, member: MemberOutcome) -> None:
        self.members += 1
        self.affected += member.proposed != member.baseline
        self.postings += member.postings
        self.actual += member.actual
        self.baseline += member.baseline
        self.proposed += member.proposed


@dataclass(frozen=True, slots=True)
class Valuation:
    """Money per point before and after the change (the liability is points at the programme's value)."""

    current: Decimal
    proposed: Decimal


def replay_member(
    current: Programme, proposed: Programme, inputs: Iterable[tuple[EarnInput, int]], segment: str
) -> MemberOutcome:
    """Re-run a member's postings (with the points each actually accrued) under both programmes."""
    base, new = MemberReplay(current), MemberReplay(proposed)
    postings = actual = baseline = changed = 0
    for tx, accrued in inputs:
        postings += 1
        actual += accrued
        baseline += base.points(tx)
        changed += new.points(tx)
    return MemberOutcome(segment, postings, actual, baseline, changed)


def tally(outcomes: Iterable[MemberOutcome]) -> dict[str, SegmentTally]:
    """Outcomes added up by segment."""
    found: dict[str, SegmentTally] = {}
    for outcome in outcomes:
        found.setdefault(outcome.segment, SegmentTally()).add(outcome)
    return found


def figures(segment: SegmentTally, value: Valuation) -> dict[str, Any]:
    """A segment's figures as the report shows them: points, liability in money, members affected."""
    liability_actual = segment.actual * value.current
    liability_proposed = segment.proposed * value.proposed
    return {
        "members": segment.members,
        "members_affected": segment.affected,
        "postings": segment.postings,
        "actual_points": segment.actual,
        "baseline_points": segment.baseline,
        "proposed_points": segment.proposed,
        "points_difference": segment.proposed - segment.actual,
        "change_points": segment.proposed - segment.baseline,
        "liability_actual": str(liability_actual),
        "liability_proposed": str(liability_proposed),
        "liability_difference": str(liability_proposed - liability_actual),
    }


def total(segments: Mapping[str, SegmentTally]) -> SegmentTally:
    summed = SegmentTally()
    for part in segments.values():
        for name in ("members", "affected", "postings", "actual", "baseline", "proposed"):
            setattr(summed, name, getattr(summed, name) + getattr(part, name))
    return summed
