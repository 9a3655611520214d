"""Issuing an offer inside the transaction that commits it: budget and type caps reserved atomically, the
offer record and the priority-offer flag written back to the core, and the member notified, via the outbox."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal

from pointflow.domain.core import WriteBackKind
from pointflow.domain.earning import period_key
from pointflow.domain.money import UNITS_PER_MAJOR, to_units
from pointflow.domain.offer_programme import OfferProgramme
from pointflow.domain.offers import OfferState
from pointflow.domain.programme import Condition, EarnRule
from pointflow.service_layer import outbox
from pointflow.service_layer.offer_ports import OfferStore, StoredOffer
from pointflow.service_layer.ports import LedgerSession

# The terms a notification carries (the message templates read them); the rest stay with the core record.
NOTIFY_TERMS = (
    "points",
    "multiplier",
    "category",
    "valid_from",
    "valid_until",
    "cashback_percent",
    "discount_percent",
    "reward",
    "product",
    "partner",
)
RULE_KINDS = ("category_multiplier", "cashback")  # offers that, once accepted, are temporary earn rules
# Above every earn rule in the sample, so that in priority mode the offer's multiplier is the one applied.
OFFER_RULE_PRIORITY = 100_000


def issue_offer(
    session: LedgerSession,
    store: OfferStore,
    offers: OfferProgramme,
    offer_id: str,
    *,
    at: datetime,
    actor: str,
    expected: OfferState,
) -> str | None:
    """Issue the offer now, or return why a guardrail refused it (then nothing was spent or sent)."""
    offer = store.offer(offer_id, lock=True)
    if offer is None or offer.state != expected.value:
        return f"the offer is no longer {expected.value}"
    refusal = _reserve(store, offers, offer, at)
    if refusal is not None:
        return refusal
    if not store.update_offer(
        offer.id, expected_state=expected.value, state=OfferState.ISSUED.value, issued_at=at
    ):
        raise RuntimeError(f"offer {offer.id} changed under a row lock")  # the lock makes this impossible
    for kind, values in _messages(offer, offers.locale):
        outbox.enqueue(
            session, kind=kind, key=f"{kind.value}:{offer.id}", token=offer.token, at=at, values=values
        )
    session.audit(
        at=at,
        actor=actor,
        action="offer.issued",
        subject=f"member:{offer.token}",
        details={
            "offer_id": offer.id,
            "offer_code": offer.offer_code,
            "channel": offer.channel,
            "proposal_hash": offer.proposal_hash,
        },
    )
    return None


def _reserve(store: OfferStore, offers: OfferProgramme, offer: StoredOffer, at: datetime) -> str | None:
    campaign = offers.campaign(offer.campaign)
    cap = offers.guardrails.type_caps.get(offer.kind)  # type: ignore[call-overload]
    if cap is not None and not store.count_issue(
        offer.kind, period_key(cap.period, at), cap.max_issued_per_period
    ):
        return f"the {offer.kind} cap of {cap.max_issued_per_period} offers a {cap.period} is reached"
    budget_units = to_units(campaign.budget_money)
    if not store.reserve_budget(
        campaign.id,
        points=offer.expected_points,
        units=offer.cost_units,
        budget_points=campaign.budget_points,
        budget_units=budget_units,
    ):
        spent = f"{campaign.budget_points} points, {campaign.budget_money}"
        return f"campaign {campaign.id} budget spent ({spent})"
    return None


def _messages(offer: StoredOffer, locale: str) -> Iterator[tuple[WriteBackKind, dict[str, str]]]:
    terms = offer.terms
    yield (
        WriteBackKind.OFFER,
        {
            "offer_id": offer.id,
            "offer_code": offer.offer_code,
            "kind": offer.kind,
            "description": f"pointflow offer {offer.offer_code}",
            "starts_on": offer.valid_from.date().isoformat(),
            "expires_on": offer.valid_until.date().isoformat(),
            **{name: terms[name] for name in NOTIFY_TERMS if name in terms},
        },
    )
    yield WriteBackKind.FLAG, {"priority_offer": "true", "offer_id": offer.id, "offer_code": offer.offer_code}
    yield (
        WriteBackKind.NOTIFY,
        {
            "offer_id": offer.id,
            "offer_code": offer.offer_code,
            "channel": offer.channel,
            "locale": locale,
            **{name: terms[name] for name in NOTIFY_TERMS if name in terms},
        },
    )


def offer_rules(accepted: Iterable[StoredOffer], value_per_point: Decimal) -> Iterator[EarnRule]:
    """Accepted multiplier and cashback offers as temporary earn rules for their member, valid for the
    offer's period."""
    for offer in accepted:
        if offer.kind == "category_multiplier":
            yield _multiplier_rule(offer)
        elif offer.kind == "cashback":
            yield _cashback_rule(offer, value_per_point)


def _multiplier_rule(offer: StoredOffer) -> EarnRule:
    multiplier, category = Decimal(offer.terms["multiplier"]), offer.terms["category"]
    until = offer.valid_until.date()
    return EarnRule(
        id=f"offer-{offer.id}",
        description=f"offer {offer.offer_code}: x{multiplier} on {category} until {until}",
        kind="multiplier",
        priority=OFFER_RULE_PRIORITY,
        multiplier=multiplier,
        when=Condition(categories=(category,)),
        valid_from=offer.valid_from,
        valid_to=offer.valid_until,
    )


def _cashback_rule(offer: StoredOffer, value_per_point: Decimal) -> EarnRule:
    """Cashback paid in points at the programme's value per point: 3 % at 0.01 a point is 3 points a unit."""
    percent, category = Decimal(offer.terms["cashback_percent"]), offer.terms.get("category")
    where = f" on {category}" if category else ""
    until = offer.valid_until.date()
    return EarnRule(
        id=f"offer-{offer.id}",
        description=f"offer {offer.offer_code}: {percent} % back in points{where} until {until}",
        kind="bonus",
        priority=OFFER_RULE_PRIORITY,
        bonus_per_unit=percent / 100 / value_per_point,
        when=Condition(
            directions=("debit",),
            transaction_types=("purchase",),
            categories=(category,) if category else (),
        ),
        valid_from=offer.valid_from,
        valid_to=offer.valid_until,
    )


def money(units: int) -> Decimal:
    return Decimal(units) / UNITS_PER_MAJOR
