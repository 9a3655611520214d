"""What the offers store reads and writes of a member's scores and segment: the newest `member_scores` row
of a model as of a day, the last active day for the churn estimate, and the stored segment."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, select

from pointflow.adapters.db.offer_tables import member_segments
from pointflow.adapters.db.tables import member_activity_days, member_scores
from pointflow.domain.ids import new_id
from pointflow.service_layer.offer_ports import MemberSignals, StoredScore

PROPENSITY, CHURN = "propensity", "churn"
_s = member_scores.c


def newest_score(conn: Connection, token: str, model: str, on_or_before: date) -> StoredScore | None:
    query = (
        select(_s.probability, _s.source, _s.low_confidence, _s.reasons, _s.as_of)
        .where(_s.token == token, _s.model == model, _s.as_of <= on_or_before)
        .order_by(_s.as_of.desc(), _s.id.desc())
        .limit(1)
    )
    row = conn.execute(query).first()
    if row is None:
        return None
    return StoredScore(
        float(row.probability), row.source, bool(row.low_confidence), tuple(row.reasons), row.as_of
    )


def signals(conn: Connection, token: str, today: date) -> MemberSignals:
    """Newest scores as of today and as of yesterday (a crossing lies between them), and the segment."""
    yesterday = today - timedelta(days=1)
    segment = conn.execute(select(member_segments.c.segment).where(member_segments.c.token == token)).scalar()
    return MemberSignals(
        today=today,
        propensity=newest_score(conn, token, PROPENSITY, today),
        propensity_before=newest_score(conn, token, PROPENSITY, yesterday),
        churn=newest_score(conn, token, CHURN, today),
        churn_before=newest_score(conn, token, CHURN, yesterday),
        segment=segment,
    )


def last_active(conn: Connection, tokens: Collection[str], until: date) -> dict[str, date]:
    days = member_activity_days.c
    query = (
        select(days.token, func.max(days.day))
        .where(days.token.in_(sorted(tokens)), days.day <= until)
        .group_by(days.token)
    )
    return {str(token): day for token, day in conn.execute(query)}


def add_scores(
    conn: Connection, model: str, as_of: date, scores: Mapping[str, StoredScore], at: datetime
) -> int:
    """Append one row per member without a `model` score for `as_of` (a re-run adds nothing)."""
    if not scores:
        return 0
    had = set(
        conn.execute(
            select(_s.token).where(_s.token.in_(sorted(scores)), _s.model == model, _s.as_of == as_of)
        ).scalars()
    )
    rows = [_row(token, model, score, at) for token, score in scores.items() if token not in had]
    if rows:
        conn.execute(insert(member_scores), rows)
    return len(rows)


def _row(token: str, model: str, score: StoredScore, at: datetime) -> dict[str, object]:
    return {
        "id": new_id(),
        "token": token,
        "model": model,
        "source": score.source,
        "probability": score.probability,
        "low_confidence": score.low_confidence,
        "reasons": list(score.reasons),
        "contributions": [],
        "explained_by": "rule",
        "imputed": [],
        "source_system": "job",
        "source_id": f"offers-run:{score.as_of.isoformat()}",
        "as_of": score.as_of,
        "scored_at": at,
    }


def replace_segments(
    conn: Connection, members: Mapping[str, tuple[str, str]], *, refreshed_on: date, at: datetime
) -> int:
    """Make `members` (token → segment id, name) the stored segments: a refresh replaces the previous one,
    so a member it left unsegmented falls back to the default segment."""
    conn.execute(delete(member_segments))
    rows = [
        {"token": t, "segment": s, "segment_name": n, "refreshed_on": refreshed_on, "loaded_at": at}
        for t, (s, n) in members.items()
    ]
    if rows:
        conn.execute(insert(member_segments), rows)
    return len(rows)


def segment_names(conn: Connection) -> Callable[[str], str | None]:
    """token → segment name as the last `pointflow segments load` stored them; None for one it left out."""
    t = member_segments.c
    found = {
        str(r.token): str(r.segment_name or f"segment {r.segment}")
        for r in conn.execute(select(t.token, t.segment, t.segment_name))
    }
    return found.get
