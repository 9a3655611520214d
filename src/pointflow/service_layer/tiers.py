"""Tier evaluation: points earned in the trailing twelve months (net of clawbacks) place each member."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from pointflow.domain.core import WriteBackKind
from pointflow.domain.programme import Programme, Tier
from pointflow.service_layer.jobs import JobResult
from pointflow.service_layer.outbox import enqueue
from pointflow.service_layer.ports import LedgerSession, LedgerSessions

_PAGE = 5000
QUALIFYING_DAYS = 365


def tier_for(tiers: tuple[Tier, ...] | list[Tier], qualifying: int) -> Tier:
    """The highest tier whose threshold the member reaches (tiers are sorted by threshold)."""
    reached = [t for t in tiers if qualifying >= t.min_qualifying_points]
    return reached[-1] if reached else tiers[0]


def evaluate_tiers(
    as_of: date,
    *,
    sessions: LedgerSessions,
    programme: Callable[[], Programme],
    clock: Callable[[], datetime],
) -> JobResult:
    """Move members up or down; idempotent for an as-of date (a second run finds nothing to change)."""
    since = datetime.combine(as_of - timedelta(days=QUALIFYING_DAYS), time.min, tzinfo=UTC)
    tiers = programme().tiers
    changed = evaluated = 0
    after = ""
    while True:
        with sessions.begin() as session:
            page = session.tier_page(since=since, after=after, limit=_PAGE)
            now = clock()
            for token, current, qualifying in page:
                target = tier_for(tiers, qualifying).name
                if target != current:
                    _change_tier(session, token, current, target, qualifying, as_of, now)
                    changed += 1
            evaluated += len(page)
            if len(page) < _PAGE:
                return JobResult("tiers", as_of, evaluated, changed)
            after = page[-1][0]


def _change_tier(
    session: LedgerSession, token: str, current: str, target: str, qualifying: int, as_of: date, now: datetime
) -> None:
    """The new tier, its audit record and the flag for the core, in the job's transaction."""
    session.set_tier(token, target)
    session.audit(
        at=now,
        actor="job:tiers",
        action="tier.changed",
        subject=f"member:{token}",
        details={"from": current, "to": target, "qualifying_points": qualifying, "as_of": as_of.isoformat()},
    )
    enqueue(
        session,
        kind=WriteBackKind.FLAG,
        key=f"pointflow-tier-{token}-{as_of.isoformat()}-{target}",
        token=token,
        at=now,
        values={"flag": "loyalty_tier", "value": target, "previous": current},
    )
