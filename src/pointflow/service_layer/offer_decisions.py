"""Deciding next-best offers in the accrual's transaction: triggers → arbitration → rollout → contact policy →
guardrails → approval or issue; every decision, offer and outbox message commits with the transaction."""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from pointflow.domain.arbitration import Choice, Estimate, Inputs, Posterior, Scored, arbitrate, candidates
from pointflow.domain.ids import new_id
from pointflow.domain.money import to_units
from pointflow.domain.offer_policy import (
    approval_reasons,
    channel_for,
    effective_rollout,
    member_guardrail_breach,
    rollout_action,
)
from pointflow.domain.offer_programme import OfferDefinition, OfferProgramme
from pointflow.domain.offer_triggers import Fired, MemberContext, fired_triggers, mcc_categories
from pointflow.domain.offers import OfferState, proposal_hash, proposal_terms, terms_of
from pointflow.domain.programme import EarnRule, Programme
from pointflow.service_layer.offer_issue import issue_offer, offer_rules
from pointflow.service_layer.offer_ports import (
    AcceptanceModel,
    Accrued,
    MemberSignals,
    OfferStore,
    OfferStores,
    StoredScore,
)
from pointflow.service_layer.ports import LedgerSession

DEFAULT_SEGMENT = "all"
NORM_WINDOW = timedelta(days=90)  # a segment's norm: the mean value of offers issued to it in this window


@dataclass
class OfferEngine:
    """The offers hook of the accrual commit group; `rng` is injected so that tests and replays repeat."""

    stores: OfferStores
    model: AcceptanceModel
    rng: random.Random = field(default_factory=random.Random)

    def earn_rules(
        self, session: LedgerSession, tokens: Collection[str], at: datetime, *, programme: Programme
    ) -> dict[str, tuple[EarnRule, ...]]:
        store = self.stores.open(session)
        window = _pattern_window(programme)
        if window is not None:
            store.prefetch_activity(tokens, at.date() - window)
        found = store.accepted_rules(tokens, at)
        per_point = programme.value_per_point
        return {token: tuple(offer_rules(offers, per_point)) for token, offers in found.items() if offers}

    def considers(self, booked_at: datetime, at: datetime, *, programme: Programme) -> bool:
        return programme.offers is not None and _recent(booked_at, at, programme.offers)

    def after_accrual(self, session: LedgerSession, accrued: Accrued) -> None:
        offers = accrued.programme.offers
        if offers is None:
            return
        store = self.stores.open(session)
        used = [rule.removeprefix("offer-") for rule in accrued.applied_rules if rule.startswith("offer-")]
        for offer_id in used:
            store.update_offer(
                offer_id,
                expected_state=OfferState.ACCEPTED,
                state=OfferState.REDEEMED,
                responded_at=accrued.at,
            )
        if _fresh(accrued, offers):
            self._decide(store, session, accrued, _quick_context(accrued, store))

    def on_schedule(
        self, session: LedgerSession, accrued: Accrued, expiring: tuple[tuple[date, int], ...]
    ) -> None:
        """Decide for a member outside a transaction: anniversaries, scores, expiring points, schedules."""
        if accrued.programme.offers is not None:
            store = self.stores.open(session)
            quick = replace(_quick_context(accrued, store), expiring=expiring)
            signals = store.signals(accrued.token, accrued.at.date())
            self._decide(store, session, accrued, _full_context(quick, store, signals), signals)

    def _decide(
        self,
        store: OfferStore,
        session: LedgerSession,
        accrued: Accrued,
        context: MemberContext,
        signals: MemberSignals | None = None,
    ) -> None:
        """Fire the triggers on `context`; read the rest of the member only when one fires."""
        offers = accrued.programme.offers
        assert offers is not None
        fired = fired_triggers(accrued.programme, context, accrued.transaction)
        if fired:
            if signals is None:
                signals = store.signals(accrued.token, accrued.at.date())
                context = _full_context(context, store, signals)
            _Decision(self, session, store, accrued, offers, context, signals).run(fired)


def _fresh(accrued: Accrued, offers: OfferProgramme) -> bool:
    """Whether the transaction is recent enough to decide on (see OfferProgramme.max_event_age_hours)."""
    booked = accrued.transaction.booked_at if accrued.transaction is not None else accrued.at
    return _recent(booked, accrued.at, offers)


def _recent(booked_at: datetime, at: datetime, offers: OfferProgramme) -> bool:
    return at - booked_at <= timedelta(hours=offers.max_event_age_hours)


def _quick_context(accrued: Accrued, store: OfferStore) -> MemberContext:
    """The member as the hot path knows it without reading, plus category counts when a pattern may fire."""
    context = MemberContext(
        token=accrued.token,
        tier=accrued.tier,
        today=accrued.at.date(),
        points_before=accrued.points_before,
        points_balance=accrued.points_after,
    )
    return replace(context, category_counts=_pattern_counts(accrued, store))


def _pattern_window(programme: Programme) -> timedelta | None:
    """How far back the programme's category patterns look; None when it has none."""
    offers = programme.offers
    days = [t.within_days or 0 for t in offers.triggers if t.kind == "category_pattern"] if offers else []
    return timedelta(days=max(days)) if days else None


def _pattern_counts(accrued: Accrued, store: OfferStore) -> dict[str, int]:
    offers = accrued.programme.offers
    assert offers is not None
    patterns = [t for t in offers.triggers if t.kind == "category_pattern"]
    known = mcc_categories(accrued.programme)
    if accrued.transaction is None:
        return {}
    mine = known.get(accrued.transaction.mcc or "", frozenset())
    patterns = [t for t in patterns if t.category in mine]
    if not patterns:
        return {}
    longest = max(t.within_days or 0 for t in patterns)
    rows = store.activity(accrued.token, accrued.at.date() - timedelta(days=longest))
    counts: dict[str, int] = {}
    for trigger in patterns:
        since = accrued.at.date() - timedelta(days=trigger.within_days or 0)
        stored = sum(
            n for day, mcc, n in rows if day > since and trigger.category in known.get(mcc, frozenset())
        )
        counts[trigger.id] = stored  # the store counts this transaction and the group's earlier ones
    return counts


def _full_context(quick: MemberContext, store: OfferStore, signals: MemberSignals) -> MemberContext:
    return replace(
        quick,
        segment=signals.segment,
        joined_on=store.joined_on(quick.token),
        churn_score=_probability(signals.churn),
        churn_score_before=_probability(signals.churn_before),
        propensity=_probability(signals.propensity),
        propensity_before=_probability(signals.propensity_before),
        suppressed_by=store.suppressed_by(quick.token),
        open_offer_points=store.open_offer_points(quick.token),
    )


def _probability(score: StoredScore | None) -> float | None:
    return None if score is None else score.probability


@dataclass
class _Decision:
    engine: OfferEngine
    session: LedgerSession
    store: OfferStore
    accrued: Accrued
    offers: OfferProgramme
    context: MemberContext
    signals: MemberSignals
    record: dict[str, Any] = field(default_factory=dict)
    estimates: dict[str, Estimate | None] = field(default_factory=dict)

    def run(self, fired: list[Fired]) -> None:
        segment = self.context.segment or DEFAULT_SEGMENT
        found = list(candidates(fired, self.offers))
        posteriors = self.store.posteriors(segment, [offer.id for _, offer in found])
        model = self.engine.model
        self.estimates = {
            offer.id: model.estimate(self.signals, offer, posteriors.get(offer.id, Posterior()))
            for _, offer in found
        }
        inputs = Inputs(
            self.offers,
            self.context,
            fired,
            self.accrued.programme.value_per_point,
            self.estimates,
            posteriors,
        )
        choice = arbitrate(inputs, self.engine.rng)
        self.record = _record(self.accrued, fired, choice, self.estimates) | {
            "rollout": self.offers.rollout.mode,
            "segment": segment,
        }
        if choice.winner is None:
            self._finish("none", "no eligible offer with a positive priority")
            return
        self._act(choice, choice.winner)

    def _act(self, choice: Choice, winner: Scored) -> None:
        offer, ctx = winner.offer, self.context
        rollout = effective_rollout(
            self.offers.rollout_of(offer.campaign), self.store.campaign_rollout(offer.campaign)
        )
        action, why = rollout_action(rollout, token=ctx.token, segment=ctx.segment, salt=offer.campaign)
        self.record["rollout"] = rollout.mode
        if action == "shadow":
            self._finish("shadow", f"{_why_won(choice, winner)}; {why}")
            return
        since = self.accrued.at - timedelta(days=31)
        history = self.store.contacts(ctx.token, since)
        channel, refusal = channel_for(offer, self.offers.contact, history, ctx, self.accrued.at)
        in_period = sum(1 for contact in history if contact.at >= self.accrued.at - timedelta(days=30))
        refusal = refusal or member_guardrail_breach(offer, self.offers.guardrails, ctx, in_period)
        self.record["guardrails"] = {"contact_and_member": refusal or "passed"}
        if channel is None or refusal is not None:
            self._finish("refused", f"{_why_won(choice, winner)}; refused: {refusal}")
            return
        self._propose(choice, winner, channel, why)

    def _propose(self, choice: Choice, winner: Scored, channel: str, rollout_why: str) -> None:
        offer, at = winner.offer, self.accrued.at
        # a rule-based choice is not the model's, so the model's doubt about it makes it no anomaly
        estimate = self.estimates.get(offer.id) if choice.fallback is None else None
        reasons = approval_reasons(
            offer,
            self.offers.approval,
            confidence=estimate.confidence if estimate else None,
            segment_norm=self.store.segment_norm(self.context.segment or DEFAULT_SEGMENT, at - NORM_WINDOW),
        )
        row = _offer_row(offer, self.context, channel, at, self.accrued.actor, reasons, self.record["id"])
        if reasons:
            row["state"] = OfferState.PENDING_APPROVAL.value
            row["approval_due"] = at + timedelta(days=self.offers.approval.expires_after_days)
        self.store.add_offer(row)
        self.record["offer_id"] = row["id"]
        if reasons:
            self._audit("offer.proposed", row, reasons=reasons)
            self._finish(
                "pending_approval",
                f"{_why_won(choice, winner)}; {rollout_why}; waits for approval: {'; '.join(reasons)}",
            )
            return
        refusal = issue_offer(
            self.session,
            self.store,
            self.offers,
            row["id"],
            at=at,
            actor=self.accrued.actor,
            expected=OfferState.PROPOSED,
        )
        if refusal is not None:
            self.store.update_offer(
                row["id"],
                expected_state=OfferState.PROPOSED.value,
                state=OfferState.REJECTED.value,
                decided_by="guardrails",
                decided_reason=refusal,
                decided_at=at,
            )
            self._finish("refused", f"{_why_won(choice, winner)}; refused: {refusal}")
            return
        self._finish("issued", f"{_why_won(choice, winner)}; {rollout_why}")

    def _audit(self, action: str, row: Mapping[str, Any], **details: Any) -> None:
        self.session.audit(
            at=self.accrued.at,
            actor=self.accrued.actor,
            action=action,
            subject=f"member:{row['token']}",
            details={"offer_id": row["id"], "offer_code": row["offer_code"], **details},
        )

    def _finish(self, action: str, reason: str) -> None:
        self.record["action"], self.record["reason"] = action, reason
        self.store.add_decision(self.record)


def _why_won(choice: Choice, winner: Scored) -> str:
    if choice.fallback is not None:
        return f"{winner.offer.id} chosen by the rule-based baseline ({choice.fallback})"
    how = "Thompson sample (exploration)" if choice.explored else "highest priority"
    return f"{winner.offer.id} won by {how}: {winner.priority:.3f}"


def _record(
    accrued: Accrued, fired: list[Fired], choice: Choice, estimates: Mapping[str, Estimate | None]
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "token": accrued.token,
        "at": accrued.at,
        "cause": accrued.cause,
        "triggers": [{"id": f.trigger.id, "kind": f.trigger.kind, "reason": f.reason} for f in fired],
        "candidates": [_candidate(s, estimates.get(s.offer.id)) for s in choice.candidates],
        "winner": None if choice.winner is None else choice.winner.offer.id,
        "baseline": None if choice.baseline is None else choice.baseline.offer.id,
        "explored": int(choice.explored),
        "exploration_share": choice.exploration_share,
        "fallback": choice.fallback,
        "model_versions": sorted({e.model_version for e in estimates.values() if e is not None}),
        "guardrails": {},
        "rollout": "live",
        "offer_id": None,
    }


def _candidate(scored: Scored, estimate: Estimate | None) -> dict[str, Any]:
    return {
        "model": None if estimate is None else _estimate(estimate),
        "offer": scored.offer.id,
        "trigger": scored.trigger_id,
        "eligible": scored.eligible,
        "reason": scored.reason,
        "p_accept": round(scored.p_accept, 6),
        "p_source": scored.p_source,
        "value": str(scored.offer.value_to_member),
        "context_weight": scored.context_weight,
        "lever": scored.offer.lever,
        "expected_cost": round(scored.expected_cost, 6),
        "priority": round(scored.priority, 6),
    }


def _offer_row(
    offer: OfferDefinition,
    ctx: MemberContext,
    channel: str,
    at: datetime,
    actor: str,
    reasons: list[str],
    decision_id: str,
) -> dict[str, Any]:
    offer_id, terms = new_id(), terms_of(offer, at)
    return {
        "id": offer_id,
        "token": ctx.token,
        "decision_id": decision_id,
        "offer_code": offer.id,
        "kind": offer.kind,
        "campaign": offer.campaign,
        "channel": channel,
        "state": OfferState.PROPOSED.value,
        "terms": proposal_terms(terms),
        "proposal_hash": proposal_hash(
            offer_id=offer_id, token=ctx.token, channel=channel, terms=proposal_terms(terms)
        ),
        "expected_points": offer.expected_points,
        "cost_units": to_units(offer.cost_to_bank),
        "value_units": to_units(offer.value_to_member),
        "approval_reasons": reasons,
        "proposed_at": at,
        "proposed_by": actor,
        "approval_due": None,
        "valid_from": terms.valid_from,
        "valid_until": terms.valid_until,
        "segment": ctx.segment or DEFAULT_SEGMENT,
    }


def _estimate(estimate: Estimate) -> dict[str, Any]:
    """What the acceptance model said of a candidate, whether or not arbitration used it."""
    return {
        "p_accept": round(estimate.p_accept, 6),
        "confidence": round(estimate.confidence, 6),
        "version": estimate.model_version,
        "why": estimate.why,
    }
