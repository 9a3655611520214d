"""The limits on an offer once chosen: contact policy, guardrails, when a person must approve, and rollout."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from pointflow.domain.earning import period_key
from pointflow.domain.offer_programme import (
    Approval,
    ContactPolicy,
    Guardrails,
    OfferDefinition,
    Rollout,
    TypeCap,
)
from pointflow.domain.offer_triggers import MemberContext


@dataclass(frozen=True, slots=True)
class Contact:
    """One offer sent to the member before: when, on which channel, and whether it was ignored."""

    at: datetime
    channel: str
    ignored_at: datetime | None = None


def contact_refusal(
    policy: ContactPolicy, history: Sequence[Contact], channel: str, ctx: MemberContext, now: datetime
) -> str | None:
    """Why the contact policy forbids another offer on `channel` now, or None."""
    lists = [name for name in ctx.suppressed_by if name in policy.suppression_lists]
    if lists:
        return f"member is on the suppression list {lists[0]}"
    current = period_key(policy.period, now)
    in_period = [c for c in history if period_key(policy.period, c.at) == current]
    if len(in_period) >= policy.max_per_period:
        return f"already {len(in_period)} offers this {policy.period} (at most {policy.max_per_period})"
    limit = policy.max_per_channel.get(channel)  # type: ignore[call-overload]
    on_channel = sum(1 for c in in_period if c.channel == channel)
    if limit is not None and on_channel >= limit:
        return f"already {on_channel} offers by {channel} this {policy.period} (at most {limit})"
    cooldown = timedelta(days=policy.cooldown_days_after_ignored)
    ignored = [c.ignored_at for c in history if c.ignored_at is not None and now - c.ignored_at < cooldown]
    if ignored:
        days = policy.cooldown_days_after_ignored
        return f"an offer was ignored on {max(ignored).date()}: cool-down of {days} days"
    return None


def channel_for(
    offer: OfferDefinition,
    policy: ContactPolicy,
    history: Sequence[Contact],
    ctx: MemberContext,
    now: datetime,
) -> tuple[str | None, str | None]:
    """The first of the offer's channels the policy allows, or None and the last refusal."""
    refusal: str | None = None
    for channel in offer.channels:
        refusal = contact_refusal(policy, history, channel, ctx, now)
        if refusal is None:
            return channel, None
    return None, refusal


def type_cap_breach(offer: OfferDefinition, cap: TypeCap | None) -> str | None:
    """Why the offer's terms exceed what policy allows for its kind, or None."""
    if cap is None:
        return None
    checks = (
        (offer.points, cap.max_points, "points"),
        (offer.multiplier, cap.max_multiplier, "multiplier"),
        (offer.cashback_percent, cap.max_cashback_percent, "cashback percent"),
        (offer.value_to_member, cap.max_value, "value"),
    )
    for value, most, label in checks:
        if value is not None and most is not None and Decimal(value) > Decimal(most):
            return f"{label} {value} above the {offer.kind} cap of {most}"
    return None


def member_guardrail_breach(
    offer: OfferDefinition, rails: Guardrails, ctx: MemberContext, offers_in_period: int
) -> str | None:
    """Why a guardrail that concerns only this member forbids the offer, or None."""
    held = ctx.points_balance + ctx.open_offer_points + offer.expected_points
    if held > rails.member_liability_cap_points:
        return (
            f"balance {ctx.points_balance} + open offers {ctx.open_offer_points} + this offer"
            f" {offer.expected_points} exceeds the member liability cap {rails.member_liability_cap_points}"
        )
    if offers_in_period >= rails.max_offers_per_member_per_period:
        return f"already {offers_in_period} offers this {rails.frequency_period} (frequency cap)"
    return type_cap_breach(offer, rails.type_caps.get(offer.kind))


def within_budget(spent: int | Decimal, cost: int | Decimal, budget: int | Decimal) -> bool:
    """The rule the database applies atomically: spent + cost ≤ budget."""
    return spent + cost <= budget


def approval_reasons(
    offer: OfferDefinition, rule: Approval, *, confidence: float | None, segment_norm: Decimal | None
) -> list[str]:
    """Why a person must approve this offer before it is issued (empty: no approval needed)."""
    return list(_approval_reasons(offer, rule, confidence, segment_norm))


def _approval_reasons(
    offer: OfferDefinition, rule: Approval, confidence: float | None, norm: Decimal | None
) -> Iterator[str]:
    if offer.expected_points >= rule.points_threshold:
        yield f"{offer.expected_points} points, at or above the approval threshold {rule.points_threshold}"
    if rule.value_threshold is not None and offer.value_to_member >= rule.value_threshold:
        yield f"value {offer.value_to_member}, at or above the approval threshold {rule.value_threshold}"
    if confidence is not None and confidence < rule.min_confidence:
        yield f"anomalous: model confidence {confidence:.2f} below {rule.min_confidence}"
    if norm is not None and norm > 0 and offer.value_to_member > norm * Decimal(str(rule.max_norm_ratio)):
        ratio = rule.max_norm_ratio
        yield f"anomalous: value {offer.value_to_member} is over {ratio}× the segment's norm {norm}"


def pilot_bucket(token: str, salt: str) -> float:
    """A member's fixed place in [0, 1) for a salt: the same member always falls in the same share."""
    digest = hashlib.sha256(f"{salt}:{token}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def rollout_action(rollout: Rollout, *, token: str, segment: str | None, salt: str) -> tuple[str, str]:
    """("issue" | "shadow", why) for a member under a rollout."""
    if rollout.mode == "live":
        return "issue", "live rollout"
    if rollout.mode == "shadow":
        return "shadow", "shadow rollout: decision recorded, nothing issued"
    if segment is not None and segment in rollout.pilot_segments:
        return "issue", f"pilot: segment {segment}"
    bucket = pilot_bucket(token, salt)
    if bucket < rollout.pilot_share:
        return "issue", f"pilot: member in the {rollout.pilot_share:.0%} share"
    return "shadow", "pilot: member outside the pilot share and segments, decision recorded only"


def effective_rollout(configured: Rollout, override: tuple[str, float] | None) -> Rollout:
    """The campaign's rollout: the mode and pilot share set in the console, when set, over the file's."""
    if override is None:
        return configured
    mode, share = override
    return Rollout.model_validate(
        {"mode": mode, "pilot_share": share, "pilot_segments": configured.pilot_segments}
    )
