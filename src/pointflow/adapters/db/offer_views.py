"""Read views of offers and decision records for the API: the approval queue, a member's offers, and a
decision record told in words a compliance officer can read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from pointflow.adapters.db.offer_store import stored_offer
from pointflow.adapters.db.offer_tables import offer_decisions, offers
from pointflow.domain.offers import OfferState
from pointflow.service_layer.offer_ports import StoredOffer


def pending(conn: Connection, limit: int) -> list[StoredOffer]:
    query = (
        select(offers)
        .where(offers.c.state == OfferState.PENDING_APPROVAL.value)
        .order_by(offers.c.approval_due, offers.c.id)
        .limit(limit)
    )
    return [stored_offer(r) for r in conn.execute(query)]


def member_offers(conn: Connection, token: str, limit: int = 100) -> list[StoredOffer]:
    query = select(offers).where(offers.c.token == token).order_by(offers.c.proposed_at.desc()).limit(limit)
    return [stored_offer(r) for r in conn.execute(query)]


def decision(conn: Connection, token: str, decision_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        select(offer_decisions).where(offer_decisions.c.id == decision_id, offer_decisions.c.token == token)
    ).first()
    if row is None:
        return None
    record = dict(row._mapping)
    record.pop("token")
    record["at"] = row.at.isoformat()
    record["explored"] = bool(row.explored)
    record["in_words"] = in_words(record)
    return record


def in_words(record: dict[str, Any]) -> str:
    """The decision as sentences: what triggered it, what was considered, what happened and why."""
    triggers = "; ".join(f"{t['id']} ({t['reason']})" for t in record["triggers"]) or "none"
    considered = "; ".join(_candidate_words(c) for c in record["candidates"]) or "no candidates"
    model = (
        f"Models: {', '.join(record['model_versions'])}."
        if record["model_versions"]
        else "No model scored this decision."
    )
    fallback = f" Fallback: {record['fallback']}." if record["fallback"] else ""
    exploration = (
        f" Exploration share {record['exploration_share']:.0%}; this decision "
        f"{'explored (Thompson sample)' if record['explored'] else 'exploited'}."
    )
    segment = f" Member's segment: {record.get('segment') or 'not recorded'}."
    return (
        f"Triggered by: {triggers}.{segment} Considered: {considered}. {model}{fallback}{exploration}"
        f" Rollout {record['rollout']}; action {record['action']}: {record['reason']}."
    )


def _candidate_words(candidate: dict[str, Any]) -> str:
    if not candidate["eligible"]:
        return f"{candidate['offer']} not eligible ({candidate['reason']})"
    said = candidate.get("model")
    how = f"; the model: {said['why']}" if said and candidate["p_source"] == "model" else ""
    return f"{candidate['offer']} priority {candidate['priority']:.3f} ({candidate['reason']}{how})"


def decision_records(conn: Connection, *, since: datetime, until: datetime) -> Iterator[dict[str, Any]]:
    """Decision records made in [since, until), oldest first, streamed."""
    query = (
        select(offer_decisions)
        .where(offer_decisions.c.at >= since, offer_decisions.c.at < until)
        .order_by(offer_decisions.c.at)
        .execution_options(yield_per=1000)
    )
    for row in conn.execute(query):
        yield dict(row._mapping)
