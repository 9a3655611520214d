"""The offers job for triggers that no transaction fires (anniversaries, score crossings, points about to
expire, schedules): every member, page by page, once per as-of date."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from pointflow.domain.members import Lot, Member
from pointflow.domain.programme import Programme
from pointflow.intelligence.acceptance import RECENCY_SCALE_DAYS, recency_churn
from pointflow.service_layer.offer_decisions import OfferEngine
from pointflow.service_layer.offer_ports import Accrued, OfferStore, StoredScore
from pointflow.service_layer.ports import LedgerSession, LedgerSessions

ACTOR = "job:offers-run"
CHURN_SOURCE = "rule:recency"
CHURN_RULE = f"no churn model is served: 1 - exp(-days since the last activity / {RECENCY_SCALE_DAYS:g})"


@dataclass(frozen=True, slots=True)
class RunResult:
    as_of: date
    members: int
    decided: int
    skipped: int  # already decided for this as-of date
    churn_estimates: int = 0  # stored for this date by this run (a re-run stores none)

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "members": self.members,
            "decided": self.decided,
            "skipped": self.skipped,
            "churn_estimates": self.churn_estimates,
        }


def run_offer_triggers(
    as_of: date,
    *,
    sessions: LedgerSessions,
    engine: OfferEngine,
    programme: Callable[[], Programme],
    page: int = 500,
) -> RunResult:
    """Evaluate the non-transaction triggers for every member as of the date; a member decided for that
    date before is skipped, so running the job twice for one date decides once."""
    at, cause = datetime.combine(as_of, time(), tzinfo=UTC), f"schedule:{as_of.isoformat()}"
    active, after, counts = programme(), "", [0, 0, 0, 0]
    while True:
        with sessions.begin() as session:
            store = engine.stores.open(session)
            tokens = store.member_page(after=after, limit=page)
            if not tokens:
                return RunResult(as_of, *counts)
            members, done = session.members(tokens), store.decided(tokens, cause)  # rows locked on PostgreSQL
            counts[3] += store_churn(store, tokens, as_of, at)
            for token in tokens:
                counts[0] += 1
                if token in done or token not in members:
                    counts[2] += 1
                    continue
                _one(session, engine, members[token], at, cause, active)
            counts[1] += len(store.decided(tokens, cause)) - len(done)
            after = tokens[-1]


def store_churn(store: OfferStore, tokens: list[str], as_of: date, at: datetime) -> int:
    """Store each member's recency churn estimate for the date (once: a re-run adds nothing); the score
    trigger compares it with the newest one before the date."""
    scores = {
        token: StoredScore(recency_churn((as_of - day).days), CHURN_SOURCE, True, (CHURN_RULE,), as_of)
        for token, day in store.last_active(tokens, as_of).items()
    }
    return store.add_scores("churn", as_of, scores, at)


def _one(
    session: LedgerSession,
    engine: OfferEngine,
    member: Member,
    at: datetime,
    cause: str,
    programme: Programme,
) -> None:
    balance = member.balances.available
    look = Accrued(member.token, member.tier, None, balance, balance, (), cause, at, ACTOR, programme)
    engine.on_schedule(session, look, _expiring(session.open_lots(member.token)))


def _expiring(lots: list[Lot]) -> tuple[tuple[date, int], ...]:
    return tuple((lot.expires_on, lot.remaining) for lot in lots if lot.expires_on is not None)
