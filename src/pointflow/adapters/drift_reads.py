"""What the drift check reads: the population's feature rows as of a date, a page of members at a time,
and the scores the champion served in the window. Feature rows come from the same online state and the
same function the hot path scores with (`intelligence.serving.features`), so drift means what scoring saw.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

from sqlalchemy import Connection, func, select

from pointflow.adapters.db import scoring_reads as reads
from pointflow.adapters.db.tables import member_activity_days, member_scores, members
from pointflow.adapters.db.window_sums import window_sums
from pointflow.adapters.model_scoring import categories, category_of
from pointflow.domain.programme import Programme
from pointflow.intelligence.serving.features import Floats, MemberAt, feature_matrix, window_columns

PAGE = 2_000
_b = member_activity_days.c
_s = member_scores.c


def population(
    conn: Connection, *, since: date, until: date, currency: str, page: int = PAGE
) -> Iterator[list[str]]:
    """Tokens with a transaction in [since, until] in the currency, a page at a time in token order."""
    after = ""
    while True:
        query = (
            select(_b.token)
            .where(_b.day >= since, _b.day <= until, _b.currency == currency, _b.token > after)
            .group_by(_b.token)
            .order_by(_b.token)
            .limit(page)
        )
        tokens = [str(t) for (t,) in conn.execute(query)]
        if not tokens:
            return
        yield tokens
        after = tokens[-1]


def feature_rows(
    conn: Connection, tokens: Sequence[str], *, as_of: date, programme: Programme, features: Sequence[str]
) -> Floats:
    """The members' rows (in `features` order) as of the end of `as_of` (later buckets are left out of the
    window sums); the available balance and the redemption history are today's: the ledger keeps no
    balance by date, and the drift check runs for a recent date."""
    query = select(members.c.token, members.c.available).where(members.c.token.in_(tokens))
    balance = {str(t): int(a) for t, a in conn.execute(query)}
    at = [MemberAt(t, as_of, int(balance.get(t, 0))) for t in tokens]
    columns = window_columns(
        at,
        window_sums(conn, {}, [(t, as_of) for t in tokens], currency=programme.currency),
        reads.redemption_totals(conn, tokens),
        category_of=category_of,
        reward_kind={reward.id: reward.kind for reward in programme.rewards},
        categories=categories(),
    )
    return feature_matrix(columns, features, len(at))


def served_scores(conn: Connection, *, source: str, since: date, until: date) -> list[float]:
    """Each member's latest score from `source` (e.g. model:propensity/v0003) with as-of in [since, until]."""
    latest = (
        select(func.max(_s.id).label("id"))
        .where(_s.source == source, _s.as_of >= since, _s.as_of <= until)
        .group_by(_s.token)
        .subquery()
    )
    query = select(_s.probability).join(latest, latest.c.id == _s.id)
    return [float(p) for (p,) in conn.execute(query)]
