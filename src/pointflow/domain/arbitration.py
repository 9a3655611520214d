"""Choosing the next-best offer: eligibility, suitability, then priority = P(accept) × value × context weight
× business lever − expected cost (money the bank pays plus the points it adds to the liability), with
Thompson sampling over Beta posteriors for a configured share of decisions, and a rule-based fallback."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from pointflow.domain.offer_programme import OfferDefinition, OfferProgramme
from pointflow.domain.offer_triggers import Fired, MemberContext

# What the rule-based baseline expects a member to accept, by kind of offer, before any data.
RULE_ACCEPT_RATE: dict[str, float] = {
    "bonus_points": 0.30,
    "category_multiplier": 0.20,
    "cashback": 0.25,
    "discounted_redemption": 0.10,
    "cross_sell": 0.05,
    "partner": 0.15,
}


@dataclass(frozen=True, slots=True)
class Posterior:
    """Beta(1 + accepted, 1 + ignored) belief in an offer's acceptance rate in a segment."""

    accepted: int = 0
    ignored: int = 0

    @property
    def mean(self) -> float:
        return (1 + self.accepted) / (2 + self.accepted + self.ignored)

    def sample(self, rng: random.Random) -> float:
        return rng.betavariate(1 + self.accepted, 1 + self.ignored)


@dataclass(frozen=True, slots=True)
class Estimate:
    """P(accept) for one offer and member from a model, with its confidence; None when there is no model."""

    p_accept: float
    confidence: float
    model_version: str
    why: str = ""  # how the model made it, or why it is unsure


@dataclass(frozen=True, slots=True)
class Scored:
    offer: OfferDefinition
    trigger_id: str
    eligible: bool
    reason: str  # why not eligible, or what the score is made of
    p_accept: float = 0.0
    p_source: str = "rule"  # model | bandit | rule
    context_weight: float = 1.0
    expected_cost: float = 0.0  # money, per decision: P(accept) × (cost to bank + liability effect)
    priority: float = 0.0


@dataclass(frozen=True, slots=True)
class Choice:
    """The arbitration's outcome: every candidate scored, the winner, the baseline, and how it was chosen."""

    candidates: tuple[Scored, ...]
    winner: Scored | None
    baseline: Scored | None  # the rule-based choice: the first eligible offer in trigger order
    explored: bool
    fallback: str | None  # why the rule-based offer was used instead of the model's, if it was
    exploration_share: float


@dataclass(frozen=True, slots=True)
class Inputs:
    offers: OfferProgramme
    context: MemberContext
    fired: Sequence[Fired]
    value_per_point: Decimal
    estimates: Mapping[str, Estimate | None]  # by offer id; None: the model could not score it
    posteriors: Mapping[str, Posterior]  # by offer id, for the member's segment


def ineligibility(offer: OfferDefinition, ctx: MemberContext) -> str | None:
    """Why the member may not receive the offer, or None."""
    rules = offer.eligibility
    if rules.tiers and ctx.tier not in rules.tiers:
        return f"tier {ctx.tier} is not one of {', '.join(rules.tiers)}"
    if rules.segments and ctx.segment not in rules.segments:
        return f"segment {ctx.segment or 'unknown'} is not one of {', '.join(rules.segments)}"
    if ctx.tenure_days < rules.min_tenure_days:
        return f"{ctx.tenure_days} days with the bank, below {rules.min_tenure_days}"
    if ctx.points_balance < rules.min_points_balance:
        return f"{ctx.points_balance} points, below {rules.min_points_balance}"
    if rules.max_churn_score is not None and (ctx.churn_score or 0.0) > rules.max_churn_score:
        return f"churn score {ctx.churn_score:.2f} above {rules.max_churn_score}"
    return None


def liability_effect(offer: OfferDefinition, value_per_point: Decimal, breakage_rate: float) -> float:
    """Money the offer adds to the points liability if taken: its points, less expected breakage."""
    return offer.expected_points * float(value_per_point) * (1.0 - breakage_rate)


def priority(p_accept: float, offer: OfferDefinition, context_weight: float, cost: float) -> float:
    """P(accept) × value × context weight × lever − P(accept) × cost."""
    return p_accept * float(offer.value_to_member) * context_weight * offer.lever - p_accept * cost


def candidates(fired: Sequence[Fired], offers: OfferProgramme) -> Iterator[tuple[Fired, OfferDefinition]]:
    """Each offer the fired triggers propose, once, in trigger order (the rule-based order)."""
    seen: set[str] = set()
    for one in fired:
        for offer_id in one.trigger.offers:
            offer = offers.offer(offer_id)
            if offer is not None and offer_id not in seen:
                seen.add(offer_id)
                yield one, offer


def arbitrate(inputs: Inputs, rng: random.Random) -> Choice:
    """Score every candidate and choose; `rng` decides exploration and draws the Thompson samples."""
    share = inputs.offers.exploration_share
    explored = rng.random() < share
    rule_scored = [
        _score(inputs, fired, offer, None, rng) for fired, offer in candidates(inputs.fired, inputs.offers)
    ]
    baseline = next((s for s in rule_scored if s.eligible), None)
    fallback = _fallback_reason(inputs, rule_scored)
    if fallback is not None:
        return Choice(tuple(rule_scored), baseline, baseline, False, fallback, share)
    mode = "bandit" if explored else "model"
    scored = [
        _score(inputs, fired, offer, mode, rng) for fired, offer in candidates(inputs.fired, inputs.offers)
    ]
    eligible = [s for s in scored if s.eligible and s.priority > 0]
    winner = max(eligible, key=lambda s: s.priority, default=None)
    return Choice(tuple(scored), winner, baseline, explored, None, share)


def _fallback_reason(inputs: Inputs, rule_scored: Sequence[Scored]) -> str | None:
    eligible = [s.offer.id for s in rule_scored if s.eligible]
    if not eligible:
        return None
    missing = [offer_id for offer_id in eligible if inputs.estimates.get(offer_id) is None]
    if missing:
        return f"model unavailable for {', '.join(missing)}: rule-based offer used"
    floor = inputs.offers.min_model_confidence
    unsure = [oid for oid in eligible if (e := inputs.estimates[oid]) is not None and e.confidence < floor]
    if unsure:
        whys = sorted({e.why for oid in unsure if (e := inputs.estimates[oid]) is not None and e.why})
        because = f" ({'; '.join(whys)})" if whys else ""
        return (
            f"model unsure (confidence below {floor}) for {', '.join(unsure)}{because}: rule-based offer used"
        )
    return None


def _score(
    inputs: Inputs, fired: Fired, offer: OfferDefinition, mode: str | None, rng: random.Random
) -> Scored:
    why_not = ineligibility(offer, inputs.context)
    if why_not is not None:
        return Scored(offer, fired.trigger.id, False, why_not)
    p, source = _p_accept(inputs, offer, mode, rng)
    weight = inputs.offers.context_weights.get(fired.trigger.kind, 1.0)
    breakage = inputs.offers.guardrails.breakage_rate
    cost = float(offer.cost_to_bank) + liability_effect(offer, inputs.value_per_point, breakage)
    score = priority(p, offer, weight, cost)
    reason = (
        f"{fired.reason}; P(accept) {p:.3f} ({source}) × value {offer.value_to_member} × context {weight}"
        f" × lever {offer.lever} − expected cost {p * cost:.2f} = {score:.3f}"
    )
    return Scored(offer, fired.trigger.id, True, reason, p, source, weight, p * cost, score)


def _p_accept(
    inputs: Inputs, offer: OfferDefinition, mode: str | None, rng: random.Random
) -> tuple[float, str]:
    if mode == "bandit":
        return inputs.posteriors.get(offer.id, Posterior()).sample(rng), "bandit"
    estimate = inputs.estimates.get(offer.id) if mode == "model" else None
    if estimate is not None:
        return estimate.p_accept, "model"
    return RULE_ACCEPT_RATE[offer.kind], "rule"
