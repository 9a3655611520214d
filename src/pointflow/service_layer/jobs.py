"""The ledger's scheduled jobs: release held points and expire lots. Each is idempotent for an as-of date."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pointflow.domain.ids import new_id
from pointflow.domain.ledger import Leg, plan_expiry, plan_release
from pointflow.domain.members import Lot, LotState, Member
from pointflow.domain.money import CustomerToken
from pointflow.service_layer.ports import LedgerSession, LedgerSessions

_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class JobResult:
    job: str
    as_of: date
    lots: int
    points: int

    def as_dict(self) -> dict[str, object]:
        return {
            "job": self.job,
            "as_of": self.as_of.isoformat(),
            "lots": self.lots,
            "points": self.points,
        }


def release_pending(as_of: date, *, sessions: LedgerSessions, clock: Callable[[], datetime]) -> JobResult:
    """Move held points whose release date has come (release_on ≤ as_of) to available."""
    return _run("release", as_of, "pending", "release_on", as_of, sessions, clock)


def expire_lots(as_of: date, *, sessions: LedgerSessions, clock: Callable[[], datetime]) -> JobResult:
    """Expire what remains of lots whose last day has passed (expires_on < as_of) into breakage."""
    return _run("expire", as_of, "available", "expires_on", as_of - timedelta(days=1), sessions, clock)


def _run(
    job: str,
    as_of: date,
    state: str,
    column: str,
    due: date,
    sessions: LedgerSessions,
    clock: Callable[[], datetime],
) -> JobResult:
    lots_done = points_done = 0
    while True:
        with sessions.begin() as session:
            lots = session.lots_due(state=state, column=column, as_of=due, limit=_CHUNK)
            now = clock()
            members = session.members({lot.token for lot in lots})
            for lot in lots:
                points_done += _settle(session, job, lot, members[lot.token], now, as_of)
            lots_done += len(lots)
            if len(lots) < _CHUNK:
                result = JobResult(job, as_of, lots_done, points_done)
                session.add_row(
                    "job_runs",
                    {"job": job, "as_of": as_of, "started_at": now, "result": result.as_dict()},
                )
                return result


def _settle(session: LedgerSession, job: str, lot: Lot, member: Member, now: datetime, as_of: date) -> int:
    token = CustomerToken(lot.token)
    legs: tuple[Leg, ...]
    if job == "release":
        legs = plan_release(token, lot.view())
        lot.state = LotState.AVAILABLE
    else:
        legs = plan_expiry(token, lot.view())
        lot.remaining, lot.state = 0, LotState.CLOSED
    posting_id = new_id()
    points = abs(legs[0].points)
    session.add_posting(
        id=posting_id,
        kind=job,
        key=f"{job}:{lot.id}",
        token=token,
        at=now,
        memo=f"{job} of lot {lot.id} as of {as_of.isoformat()}",
        legs=legs,
    )
    if job == "expire":
        session.add_allocation(posting_id=posting_id, lot_id=lot.id, points=points)
    session.save_lot(lot)
    member.balances = member.balances.apply(legs)
    session.save_member(member)
    session.audit(
        at=now,
        actor=f"job:{job}",
        action=f"points.{job}d",
        subject=f"member:{token}",
        details={"lot_id": lot.id, "points": points, "as_of": as_of.isoformat()},
    )
    return points
