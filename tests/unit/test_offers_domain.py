"""Offers in the pure domain: triggers, arbitration and Thompson sampling, contact policy, guardrails,
approval, rollout and the life cycle."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pointflow.adapters.programme_file import load_programme_file, sample_programme_path
from pointflow.domain.arbitration import Estimate, Inputs, Posterior, arbitrate, ineligibility, priority
from pointflow.domain.earning import EarnInput
from pointflow.domain.events import Channel, Direction, TransactionType
from pointflow.domain.offer_policy import (
    Contact,
    approval_reasons,
    contact_refusal,
    member_guardrail_breach,
    pilot_bucket,
    rollout_action,
    within_budget,
)
from pointflow.domain.offer_programme import OfferProgramme, Rollout
from pointflow.domain.offer_report import shadow_report
from pointflow.domain.offer_triggers import MemberContext, fired_triggers
from pointflow.domain.offers import (
    OfferState,
    OfferStateError,
    can_move,
    check_transition,
    proposal_hash,
    proposal_terms,
    terms_of,
)

SAMPLE = load_programme_file(sample_programme_path())
assert SAMPLE.offers is not None
OFFERS: OfferProgramme = SAMPLE.offers
NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
TODAY = NOW.date()


def tx(
    kind: TransactionType, amount: str, *, direction: Direction = Direction.CREDIT, mcc: str | None = None
) -> EarnInput:
    return EarnInput(
        amount=Decimal(amount),
        currency="USD",
        direction=direction,
        transaction_type=kind,
        mcc=mcc,
        iso_range=None,
        merchant_country="US",
        channel=Channel.OTHER,
        booked_at=NOW,
        tier="classic",
    )


def ctx(**changes: object) -> MemberContext:
    base: dict[str, object] = {
        "token": "tok-1",
        "tier": "classic",
        "today": TODAY,
        "joined_on": date(2024, 1, 5),
    }
    base.update(changes)
    return MemberContext(**base)  # type: ignore[arg-type]


def fired_ids(context: MemberContext, transaction: EarnInput | None) -> set[str]:
    return {f.trigger.id for f in fired_triggers(SAMPLE, context, transaction)}


# triggers


def test_a_large_deposit_fires_its_trigger_and_a_small_one_does_not() -> None:
    assert fired_ids(ctx(), tx(TransactionType.DEPOSIT, "12000")) == {"large-deposit"}
    assert fired_ids(ctx(), tx(TransactionType.DEPOSIT, "9999.99")) == set()


def test_an_international_payment_and_a_loan_repayment_fire() -> None:
    assert "international-payment" in fired_ids(ctx(), tx(TransactionType.INTERNATIONAL_PAYMENT, "1500"))
    assert fired_ids(ctx(), tx(TransactionType.LOAN_REPAYMENT, "300")) == {"loan-repayment"}


def test_a_category_pattern_fires_once_when_it_completes() -> None:
    grocery = tx(TransactionType.PURCHASE, "40", direction=Direction.DEBIT, mcc="5411")
    assert "regular-grocer" in fired_ids(ctx(category_counts={"regular-grocer": 3}), grocery)
    assert "regular-grocer" not in fired_ids(ctx(category_counts={"regular-grocer": 4}), grocery)
    assert "regular-grocer" not in fired_ids(ctx(category_counts={"regular-grocer": 2}), grocery)


def test_a_points_milestone_fires_when_it_is_crossed_only() -> None:
    assert "ten-thousand-points" in fired_ids(ctx(points_before=9_900, points_balance=10_050), None)
    assert "ten-thousand-points" not in fired_ids(ctx(points_before=10_000, points_balance=10_050), None)


def test_the_anniversary_fires_on_the_day() -> None:
    assert "anniversary" in fired_ids(ctx(joined_on=date(2023, 3, 10)), None)
    assert "anniversary" not in fired_ids(ctx(joined_on=date(2023, 3, 11)), None)
    assert "anniversary" not in fired_ids(ctx(joined_on=TODAY), None)


def test_a_churn_score_fires_when_it_crosses_the_threshold() -> None:
    assert "churn-risk" in fired_ids(ctx(churn_score=0.7, churn_score_before=0.5), None)
    assert "churn-risk" not in fired_ids(ctx(churn_score=0.7, churn_score_before=0.65), None)
    assert "churn-risk" not in fired_ids(ctx(churn_score=0.4), None)


def test_points_about_to_expire_fire() -> None:
    soon = ((TODAY + timedelta(days=20), 600),)
    later = ((TODAY + timedelta(days=40), 600),)
    assert "points-expiring" in fired_ids(ctx(expiring=soon), None)
    assert "points-expiring" not in fired_ids(ctx(expiring=later), None)


def test_the_monthly_schedule_fires_on_the_first_without_a_transaction() -> None:
    first = ctx(today=date(2026, 4, 1))
    assert "monthly" in fired_ids(first, None)
    assert "monthly" not in fired_ids(first, tx(TransactionType.LOAN_REPAYMENT, "10"))


# arbitration


def deposit_inputs(estimates: dict[str, Estimate | None], **context: object) -> Inputs:
    fired = fired_triggers(SAMPLE, ctx(**context), tx(TransactionType.DEPOSIT, "20000"))
    return Inputs(OFFERS, ctx(**context), fired, SAMPLE.value_per_point, estimates, {})


def confident(p: float) -> Estimate:
    return Estimate(p, 0.9, "propensity@v1")


def test_the_model_winner_is_the_candidate_with_the_highest_priority() -> None:
    choice = arbitrate(
        deposit_inputs({"deposit-bonus": confident(0.2), "invest-cross-sell": confident(0.3)}), _no_explore()
    )
    by_id = {s.offer.id: s for s in choice.candidates}
    assert choice.fallback is None
    assert choice.winner is not None
    assert choice.winner.offer.id == "invest-cross-sell"
    assert by_id["invest-cross-sell"].priority > by_id["deposit-bonus"].priority
    assert choice.baseline is not None
    assert choice.baseline.offer.id == "deposit-bonus"  # the first in trigger order


def test_the_priority_formula_counts_the_liability_the_offer_adds() -> None:
    # deposit-bonus: value 5, 500 points at 0.01 with 20 % breakage = 4.00 of liability.
    choice = arbitrate(
        deposit_inputs({"deposit-bonus": confident(0.5), "invest-cross-sell": confident(0.1)}), _no_explore()
    )
    scored = next(s for s in choice.candidates if s.offer.id == "deposit-bonus")
    assert scored.expected_cost == pytest.approx(0.5 * 4.0)
    assert scored.priority == pytest.approx(0.5 * 5 * 1.0 * 1.0 - 0.5 * 4.0)


def test_an_ineligible_offer_is_recorded_with_its_reason_and_never_wins() -> None:
    inputs = deposit_inputs(
        {"deposit-bonus": confident(0.1), "invest-cross-sell": confident(0.9)}, joined_on=TODAY
    )
    choice = arbitrate(inputs, _no_explore())
    cross_sell = next(s for s in choice.candidates if s.offer.id == "invest-cross-sell")
    assert not cross_sell.eligible
    assert cross_sell.reason == "0 days with the bank, below 90"
    assert choice.winner is not None
    assert choice.winner.offer.id == "deposit-bonus"


def test_without_a_model_the_rule_based_offer_is_used_and_the_record_says_so() -> None:
    choice = arbitrate(
        deposit_inputs({"deposit-bonus": None, "invest-cross-sell": confident(0.9)}), _no_explore()
    )
    assert choice.winner is choice.baseline
    assert choice.winner is not None
    assert choice.winner.offer.id == "deposit-bonus"
    assert choice.fallback == "model unavailable for deposit-bonus: rule-based offer used"


def test_an_unsure_model_falls_back_too() -> None:
    unsure = Estimate(0.9, 0.05, "propensity@v1")
    choice = arbitrate(
        deposit_inputs({"deposit-bonus": unsure, "invest-cross-sell": confident(0.9)}), _no_explore()
    )
    assert choice.fallback is not None
    assert choice.fallback.startswith("model unsure")


def test_the_same_seed_gives_the_same_decision() -> None:
    estimates: dict[str, Estimate | None] = {
        "deposit-bonus": confident(0.2),
        "invest-cross-sell": confident(0.2),
    }
    first = [arbitrate(deposit_inputs(estimates), random.Random(seed)) for seed in range(30)]
    again = [arbitrate(deposit_inputs(estimates), random.Random(seed)) for seed in range(30)]
    assert first == again


def test_exploration_runs_for_about_its_share_and_samples_the_posteriors() -> None:
    estimates: dict[str, Estimate | None] = {
        "deposit-bonus": confident(0.2),
        "invest-cross-sell": confident(0.2),
    }
    rng = random.Random(7)
    choices = [arbitrate(deposit_inputs(estimates), rng) for _ in range(2000)]
    explored = [c for c in choices if c.explored]
    assert 0.08 < len(explored) / len(choices) < 0.12
    assert all(c.exploration_share == OFFERS.exploration_share for c in choices)
    assert all(s.p_source == "bandit" for c in explored for s in c.candidates if s.eligible)


@given(st.integers(0, 200), st.integers(0, 200))
def test_a_posterior_mean_lies_between_zero_and_one_and_follows_the_evidence(
    accepted: int, ignored: int
) -> None:
    belief = Posterior(accepted, ignored)
    assert 0 < belief.mean < 1
    assert Posterior(accepted + 1, ignored).mean > belief.mean > Posterior(accepted, ignored + 1).mean


@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 50))
def test_priority_rises_with_acceptance_when_value_exceeds_cost(p: float, q: float, cost: float) -> None:
    offer = OFFERS.catalogue[0]
    low, high = sorted((p, q))
    if float(offer.value_to_member) > cost:
        assert priority(high, offer, 1.0, cost) >= priority(low, offer, 1.0, cost)


@given(st.dictionaries(st.sampled_from(["deposit-bonus", "invest-cross-sell"]), st.floats(0, 1), min_size=2))
def test_the_winner_is_eligible_and_no_eligible_candidate_scores_higher(ps: dict[str, float]) -> None:
    choice = arbitrate(deposit_inputs({k: confident(v) for k, v in ps.items()}), _no_explore())
    eligible = [s for s in choice.candidates if s.eligible]
    if choice.winner is not None:
        assert choice.winner.eligible
        assert all(s.priority <= choice.winner.priority for s in eligible)
    else:
        assert all(s.priority <= 0 for s in eligible)


def _no_explore() -> random.Random:
    rng = random.Random(0)
    rng.random = lambda: 0.99  # type: ignore[method-assign]
    return rng


def test_eligibility_names_the_rule() -> None:
    travel = OFFERS.offer("travel-discount")
    assert travel is not None
    assert ineligibility(travel, ctx(points_balance=100)) == "100 points, below 8000"
    assert ineligibility(travel, ctx(points_balance=9000)) is None


# contact policy


def test_the_contact_policy_limits_per_period_and_per_channel() -> None:
    policy = OFFERS.contact
    monday = datetime(2026, 3, 9, 9, tzinfo=UTC)
    two = [Contact(monday, "email"), Contact(monday, "push")]
    assert contact_refusal(policy, two, "email", ctx(), NOW) == "already 2 offers this week (at most 2)"
    last_week = [Contact(monday - timedelta(days=7), "email")] * 2
    assert contact_refusal(policy, last_week, "email", ctx(), NOW) is None


def test_an_ignored_offer_starts_a_cool_down() -> None:
    ignored = [Contact(NOW - timedelta(days=20), "email", ignored_at=NOW - timedelta(days=5))]
    assert contact_refusal(OFFERS.contact, ignored, "email", ctx(), NOW) == (
        "an offer was ignored on 2026-03-05: cool-down of 14 days"
    )
    old = [Contact(NOW - timedelta(days=40), "email", ignored_at=NOW - timedelta(days=30))]
    assert contact_refusal(OFFERS.contact, old, "email", ctx(), NOW) is None


def test_a_suppressed_member_is_never_contacted() -> None:
    refusal = contact_refusal(OFFERS.contact, [], "push", ctx(suppressed_by=("complaint-open",)), NOW)
    assert refusal == "member is on the suppression list complaint-open"


# guardrails and approval


def test_the_member_liability_cap_counts_balance_open_offers_and_this_offer() -> None:
    bonus = OFFERS.offer("anniversary-bonus")
    assert bonus is not None
    rails = OFFERS.guardrails
    assert (
        member_guardrail_breach(bonus, rails, ctx(points_balance=40_000, open_offer_points=8_000), 0) is None
    )
    breach = member_guardrail_breach(bonus, rails, ctx(points_balance=40_000, open_offer_points=8_001), 0)
    assert breach is not None
    assert "exceeds the member liability cap 60000" in breach


def test_the_frequency_cap_and_the_type_cap() -> None:
    offer = OFFERS.catalogue[0]
    assert (
        member_guardrail_breach(offer, OFFERS.guardrails, ctx(), 4)
        == "already 4 offers this month (frequency cap)"
    )
    capped = offer.model_copy(update={"points": 30_000, "expected_points": 30_000})
    loose = OFFERS.guardrails.model_copy(update={"member_liability_cap_points": 10**9})
    assert (
        member_guardrail_breach(capped, loose, ctx(), 0) == "points 30000 above the bonus_points cap of 25000"
    )


@given(st.lists(st.integers(1, 500), max_size=60), st.integers(0, 5_000))
def test_spending_only_within_budget_never_overspends(costs: list[int], budget: int) -> None:
    spent = 0
    for cost in costs:
        if within_budget(spent, cost, budget):
            spent += cost
    assert spent <= budget


def test_large_or_anomalous_offers_need_approval() -> None:
    big = OFFERS.offer("anniversary-bonus")
    small = OFFERS.offer("deposit-bonus")
    assert big is not None
    assert small is not None
    rule = OFFERS.approval
    assert approval_reasons(big, rule, confidence=0.9, segment_norm=None) == [
        "12000 points, at or above the approval threshold 10000"
    ]
    assert approval_reasons(small, rule, confidence=0.9, segment_norm=Decimal(4)) == []
    assert approval_reasons(small, rule, confidence=0.1, segment_norm=Decimal(1)) == [
        "anomalous: model confidence 0.10 below 0.2",
        "anomalous: value 5 is over 3.0× the segment's norm 1",
    ]


# rollout


@given(st.text(min_size=1, max_size=20))
def test_a_member_always_falls_in_the_same_pilot_bucket(token: str) -> None:
    assert pilot_bucket(token, "everyday") == pilot_bucket(token, "everyday")
    assert 0 <= pilot_bucket(token, "everyday") < 1


def test_the_pilot_share_is_about_the_configured_share() -> None:
    rollout = Rollout(mode="pilot", pilot_share=0.2)
    issued = sum(
        rollout_action(rollout, token=f"t{i}", segment=None, salt="c")[0] == "issue" for i in range(5000)
    )
    assert 900 < issued < 1100


def test_pilot_segments_are_always_in_and_shadow_never_issues() -> None:
    rollout = Rollout(mode="pilot", pilot_share=0.0001, pilot_segments=("high-value",))
    assert rollout_action(rollout, token="x", segment="high-value", salt="c") == (
        "issue",
        "pilot: segment high-value",
    )
    assert rollout_action(Rollout(mode="shadow"), token="x", segment="high-value", salt="c")[0] == "shadow"
    assert rollout_action(Rollout(mode="live"), token="x", segment=None, salt="c")[0] == "issue"


# life cycle and proposal hash


def test_the_life_cycle_allows_only_its_transitions() -> None:
    check_transition(OfferState.PENDING_APPROVAL, OfferState.APPROVED)
    check_transition(OfferState.ACCEPTED, OfferState.REDEEMED)
    with pytest.raises(OfferStateError, match="an offer that is rejected cannot become issued"):
        check_transition(OfferState.REJECTED, OfferState.ISSUED)
    assert not can_move(OfferState.ISSUED, OfferState.APPROVED)


def test_the_proposal_hash_changes_with_any_term() -> None:
    offer = OFFERS.catalogue[0]
    terms = proposal_terms(terms_of(offer, NOW))
    same = proposal_hash(
        offer_id="o1", token="t", channel="email", terms=proposal_terms(terms_of(offer, NOW))
    )
    assert proposal_hash(offer_id="o1", token="t", channel="email", terms=terms) == same
    bigger = proposal_terms(terms_of(offer.model_copy(update={"points": 501, "expected_points": 501}), NOW))
    assert proposal_hash(offer_id="o1", token="t", channel="email", terms=bigger) != same
    assert proposal_hash(offer_id="o1", token="t", channel="push", terms=terms) != same
    assert terms["points"] == "500"
    assert "multiplier" not in terms


# shadow report


def _record(winner: str, baseline: str, *, fallback: str | None = None) -> dict[str, object]:
    candidates = [
        {"offer": "a", "expected_cost": 2.0, "p_accept": 0.4, "priority": 1.0},
        {"offer": "b", "expected_cost": 0.5, "p_accept": 0.2, "priority": 0.3},
    ]
    return {
        "action": "shadow",
        "explored": 0,
        "fallback": fallback,
        "winner": winner,
        "baseline": baseline,
        "candidates": candidates,
    }


def test_the_shadow_report_sets_the_ai_beside_the_baseline_and_counts_fallbacks() -> None:
    report = shadow_report([_record("a", "b"), _record("b", "b"), _record("b", "b", fallback="no model")])
    assert (report.decisions, report.compared, report.agreed, report.fallbacks) == (3, 2, 1, 1)
    assert report.ai.expected_cost == pytest.approx(2.5)
    assert report.baseline.expected_cost == pytest.approx(1.0)
    assert report.ai.expected_accepts == pytest.approx(0.6)
    assert report.by_action == {"shadow": 3}
