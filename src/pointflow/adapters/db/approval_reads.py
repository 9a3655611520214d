"""The console's approval queue: pending offers with what the model said of them (their decision record)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from pointflow.adapters.db.offer_store import stored_offer
from pointflow.adapters.db.offer_tables import offer_decisions, offers
from pointflow.domain.offers import OfferState
from pointflow.service_layer.offer_ports import StoredOffer

_PENDING = offers.c.state == OfferState.PENDING_APPROVAL.value


@dataclass(frozen=True, slots=True)
class Review:
    """A pending offer and its winning candidate's scores: acceptance probability and where it came from."""

    offer: StoredOffer
    p_accept: float | None
    p_source: str | None
    priority: float | None
    model_versions: tuple[str, ...]
    fallback: str | None


def pending_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(offers).where(_PENDING)).scalar_one())


def pending_reviews(conn: Connection, *, limit: int, offset: int) -> list[Review]:
    """Pending offers, the soonest due first, each with the model's view from its decision record."""
    d = offer_decisions.c
    query = (
        select(offers, d.candidates, d.model_versions, d.fallback)
        .outerjoin(offer_decisions, d.id == offers.c.decision_id)
        .where(_PENDING)
        .order_by(offers.c.approval_due, offers.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [_review(row) for row in conn.execute(query)]


def _review(row: Any) -> Review:
    offer = stored_offer(row)
    winner: dict[str, Any] = next((c for c in row.candidates or [] if c.get("offer") == offer.offer_code), {})
    return Review(
        offer=offer,
        p_accept=winner.get("p_accept"),
        p_source=winner.get("p_source"),
        priority=winner.get("priority"),
        model_versions=tuple(row.model_versions or ()),
        fallback=row.fallback,
    )
