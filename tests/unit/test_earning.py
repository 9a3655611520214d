"""The earn-rules engine against the sample programme and small variations of it."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointflow.adapters.programme_file import load_programme_file, sample_programme_path
from pointflow.domain import earning
from pointflow.domain.earning import EarnInput, EarnResult, TraceLine, evaluate, period_key
from pointflow.domain.events import Channel, Direction, TransactionType
from pointflow.domain.money import round_points
from pointflow.domain.programme import Programme, parse_programme

SAMPLE = load_programme_file(sample_programme_path())
MAY = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
JULY = datetime(2024, 7, 15, 12, 0, tzinfo=UTC)
NO_USAGE: Mapping[tuple[str, str], Decimal] = {}

DINNER = EarnInput(
    amount=Decimal("149.99"),
    currency="USD",
    direction=Direction.DEBIT,
    transaction_type=TransactionType.PURCHASE,
    mcc="5812",
    iso_range="Miscellaneous outlets",
    merchant_country="US",
    channel=Channel.CARD_PRESENT,
    booked_at=MAY,
    tier="classic",
)


def tx(**changes: Any) -> EarnInput:
    """The 149.99 USD dinner, with some fields changed."""
    return dataclasses.replace(DINNER, **changes)


def variant(change: Callable[[dict[str, Any]], object]) -> Programme:
    """The sample programme with `change` applied to its plain form."""
    data = copy.deepcopy(SAMPLE.model_dump(mode="json"))
    change(data)
    return parse_programme(data)


def with_rules(*rules: dict[str, Any], mode: str = "priority") -> Programme:
    """The sample programme with extra rules appended and the given multiplier mode."""

    def change(data: dict[str, Any]) -> None:
        data["rules"].extend(rules)
        data["earning"]["multiplier_mode"] = mode

    return variant(change)


def line(result: EarnResult, rule_id: str) -> TraceLine:
    return next(line for line in result.lines if line.rule_id == rule_id)


def outcomes(result: EarnResult) -> dict[str, str]:
    return {line.rule_id: line.outcome for line in result.lines}


# --- the worked example --------------------------------------------------------------------------


def test_the_generic_connector_example_earns_300_points() -> None:
    result = evaluate(SAMPLE, DINNER, NO_USAGE)

    assert result.points == 300
    assert result.exact == Decimal("299.98")
    assert result.excluded_by is None
    earning = [line for line in result.lines if line.outcome == "applied"]
    assert [(line.rule_id, line.kind, line.points) for line in earning] == [
        ("base", "base", Decimal("149.99")),
        ("dining-2x", "multiplier", Decimal("149.99")),
        ("tier:classic", "tier", Decimal(0)),
    ]
    assert line(result, "dining-2x").reason == ("MCC 5812 is in category dining: x2 adds 149.99 points")
    assert line(result, "dining-2x").multiplier == Decimal(2)
    assert line(result, "tier:classic").multiplier == Decimal(1)
    assert result.usage == {("dining-2x", "2024-05"): Decimal("149.99")}


def test_every_rule_of_the_sample_has_a_line() -> None:
    result = evaluate(SAMPLE, DINNER, NO_USAGE)
    expected = {rule.id for rule in SAMPLE.rules} | {"base", "tier:classic"}
    assert [line.rule_id for line in result.lines].count("base") == 1
    assert set(outcomes(result)) == expected
    assert outcomes(result)["fuel-summer-2x"] == "inactive"
    assert outcomes(result)["cash-withdrawal"] == "not_matched"


def test_result_is_rounded_once_at_the_end() -> None:
    result = evaluate(SAMPLE, tx(amount=Decimal("0.25"), mcc="5411"), NO_USAGE)
    # 0.25 base + 0.125 groceries extra = 0.375: each part alone would round to 0.
    assert result.exact == Decimal("0.375")
    assert result.points == 0
    assert evaluate(SAMPLE, tx(amount=Decimal("0.34"), mcc="5411"), NO_USAGE).points == 1


# --- currency and base ---------------------------------------------------------------------------


def test_another_currency_earns_nothing_and_says_why() -> None:
    result = evaluate(SAMPLE, tx(currency="EUR"), NO_USAGE)
    assert (result.points, result.exact, result.excluded_by) == (0, Decimal(0), None)
    (only,) = result.lines
    assert (only.rule_id, only.kind, only.outcome) == ("base", "base", "not_matched")
    assert "EUR" in only.reason
    assert "USD" in only.reason


def test_a_credit_earns_no_base_and_no_multiplier() -> None:
    result = evaluate(SAMPLE, tx(direction=Direction.CREDIT), NO_USAGE)
    assert result.points == 0
    assert line(result, "base").outcome == "not_matched"
    assert line(result, "base").reason == "direction credit is not debit"
    assert line(result, "dining-2x").outcome == "not_matched"
    assert "no base points" in line(result, "dining-2x").reason
    assert line(result, "tier:classic").outcome == "not_matched"


def test_base_rate_scales_the_base() -> None:
    generous = variant(lambda d: d["earning"].update(base_rate="2.5"))
    result = evaluate(generous, tx(mcc="5999"), NO_USAGE)
    assert result.exact == Decimal("374.975")
    assert result.points == 375


# --- exclusions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "rule_id"),
    [
        ({"transaction_type": TransactionType.CASH_WITHDRAWAL, "mcc": "6011"}, "cash-withdrawal"),
        ({"mcc": "6051"}, "quasi-cash-merchant"),
        ({"transaction_type": TransactionType.QUASI_CASH}, "quasi-cash"),
        ({"mcc": "7995"}, "gambling"),
        ({"transaction_type": TransactionType.FEE, "mcc": None}, "fees"),
        ({"transaction_type": TransactionType.OWN_ACCOUNT_TRANSFER}, "own-account-transfer"),
        ({"transaction_type": TransactionType.INTEREST, "direction": Direction.CREDIT}, "interest"),
    ],
)
def test_exclusions_earn_nothing(changes: dict[str, Any], rule_id: str) -> None:
    result = evaluate(SAMPLE, tx(**changes), NO_USAGE)
    assert (result.points, result.exact, result.excluded_by) == (0, Decimal(0), rule_id)
    assert line(result, rule_id).outcome == "excluded"
    assert {line.kind for line in result.lines} == {"exclusion"}
    assert result.usage == {}


def test_an_exclusion_reason_names_why() -> None:
    result = evaluate(SAMPLE, tx(mcc="7995"), NO_USAGE)
    assert line(result, "gambling").reason == "MCC is 7995"


def test_the_first_of_several_matching_exclusions_is_named() -> None:
    result = evaluate(SAMPLE, tx(transaction_type=TransactionType.QUASI_CASH, mcc="6051"), NO_USAGE)
    assert result.excluded_by == "quasi-cash-merchant"
    assert outcomes(result)["quasi-cash"] == "excluded"


def test_an_inactive_exclusion_does_not_exclude() -> None:
    programme = with_rules(
        {
            "id": "no-dining-in-2023",
            "description": "old",
            "kind": "exclusion",
            "priority": 2000,
            "when": {"categories": ["dining"]},
            "valid_to": "2024-01-01T00:00:00Z",
        }
    )
    result = evaluate(programme, DINNER, NO_USAGE)
    assert result.points == 300
    assert line(result, "no-dining-in-2023").outcome == "inactive"


# --- multipliers and bonuses ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mcc", "points"),
    [
        ("3005", 300),  # airline range x3
        ("3400", 300),  # car rental range
        ("7011", 300),  # lodging
        ("3300", 100),  # between the airline and car-rental ranges: base only
        ("5411", 150),  # groceries x1.5
        ("5541", 100),  # fuel outside its season
        ("5999", 100),  # no category
        (None, 100),  # no MCC
        ("58", 100),  # malformed MCC counts as missing
    ],
)
def test_category_multipliers(mcc: str | None, points: int) -> None:
    assert evaluate(SAMPLE, tx(amount=Decimal(100), mcc=mcc), NO_USAGE).points == points


def test_international_purchase_bonus_adds_a_point_per_unit() -> None:
    result = evaluate(SAMPLE, tx(amount=Decimal(200), mcc="5999", merchant_country="FR"), NO_USAGE)
    assert result.points == 400
    assert line(result, "international-purchase").reason == (
        "transaction type is purchase; direction is debit; amount 200 is at least 100; "
        "merchant country FR is outside US: bonus of 200 points"
    )


def test_international_bonus_needs_the_minimum_amount() -> None:
    result = evaluate(SAMPLE, tx(amount=Decimal("99.99"), merchant_country="FR"), NO_USAGE)
    assert line(result, "international-purchase").reason == ("amount 99.99 is below the minimum 100")


@pytest.mark.parametrize(("amount", "points"), [("1000", 200), ("999.99", 0), ("25000", 200)])
def test_international_payment_bonus(amount: str, points: int) -> None:
    payment = tx(
        amount=Decimal(amount),
        transaction_type=TransactionType.INTERNATIONAL_PAYMENT,
        mcc=None,
        merchant_country=None,
        channel=Channel.ONLINE_BANKING,
    )
    result = evaluate(SAMPLE, payment, NO_USAGE)
    assert result.points == points
    assert line(result, "base").outcome == "not_matched"


def test_a_salary_credit_earns_a_bonus_without_base_points() -> None:
    salary = tx(
        amount=Decimal(3200),
        direction=Direction.CREDIT,
        transaction_type=TransactionType.SALARY_CREDIT,
        mcc=None,
        tier="gold",
    )
    result = evaluate(SAMPLE, salary, NO_USAGE)
    assert result.points == 100  # bonuses are not raised by the tier
    assert line(result, "salary-credit").outcome == "applied"
    assert result.usage == {("salary-credit", "2024-05"): Decimal(100)}


def test_flat_and_per_unit_bonus_combine() -> None:
    programme = with_rules(
        {
            "id": "online-shopping",
            "description": "10 points plus 0.5 per USD online",
            "kind": "bonus",
            "bonus_points": 10,
            "bonus_per_unit": "0.5",
            "when": {"channels": ["card_not_present"]},
        }
    )
    online = tx(amount=Decimal(40), mcc="5999", channel=Channel.CARD_NOT_PRESENT)
    assert line(evaluate(programme, online, NO_USAGE), "online-shopping").points == 30
    assert evaluate(programme, online, NO_USAGE).points == 70


# --- priority and sum ----------------------------------------------------------------------------

ONLINE_BOOST = {
    "id": "online-1-5x",
    "description": "1.5x online",
    "kind": "multiplier",
    "priority": 10,
    "multiplier": "1.5",
    "when": {"channels": ["card_not_present"]},
}


def test_priority_mode_applies_only_the_highest_priority_multiplier() -> None:
    result = evaluate(with_rules(ONLINE_BOOST), tx(amount=Decimal(100), channel=Channel.CARD_NOT_PRESENT), {})
    assert result.points == 200
    superseded = line(result, "online-1-5x")
    assert superseded.outcome == "superseded"
    assert "dining-2x" in superseded.reason


def test_sum_mode_adds_every_matching_multiplier() -> None:
    programme = with_rules(ONLINE_BOOST, mode="sum")
    result = evaluate(programme, tx(amount=Decimal(100), channel=Channel.CARD_NOT_PRESENT), {})
    assert result.exact == Decimal("250.0")
    assert outcomes(result)["online-1-5x"] == "applied"


def test_equal_priorities_are_settled_by_file_order() -> None:
    first = dict(ONLINE_BOOST, id="first-online", priority=200, multiplier="4")
    second = dict(ONLINE_BOOST, id="second-online", priority=200, multiplier="5")
    online = tx(amount=Decimal(10), mcc="5999", channel=Channel.CARD_NOT_PRESENT)
    assert evaluate(with_rules(first, second), online, NO_USAGE).points == 40
    assert evaluate(with_rules(second, first), online, NO_USAGE).points == 50


def test_a_multiplier_below_one_reduces_points_in_priority_mode() -> None:
    programme = with_rules(
        dict(ONLINE_BOOST, id="online-half", priority=900, multiplier="0.5"),
    )
    online = tx(amount=Decimal(100), channel=Channel.CARD_NOT_PRESENT)
    result = evaluate(programme, online, NO_USAGE)
    assert result.points == 50
    assert outcomes(result)["dining-2x"] == "superseded"


# --- stop ----------------------------------------------------------------------------------------


def test_a_stopping_rule_stops_lower_priority_rules() -> None:
    programme = variant(lambda d: d["rules"][8].update(stop=True))  # dining-2x
    abroad = tx(amount=Decimal(200), merchant_country="FR")
    result = evaluate(programme, abroad, NO_USAGE)
    assert result.points == 400  # no international bonus
    stopped = line(result, "international-purchase")
    assert stopped.outcome == "stopped"
    assert "dining-2x" in stopped.reason
    assert outcomes(result)["travel-3x"] == "not_matched"  # above the stopping rule


def test_a_stopping_rule_that_does_not_apply_stops_nothing() -> None:
    programme = variant(lambda d: d["rules"][8].update(stop=True))
    result = evaluate(programme, tx(amount=Decimal(200), mcc="5999", merchant_country="FR"), {})
    assert result.points == 400
    assert "stopped" not in outcomes(result).values()


# --- caps ----------------------------------------------------------------------------------------


def test_a_cap_cuts_the_contribution_and_says_so() -> None:
    used = {("dining-2x", "2024-05"): Decimal(9900)}
    result = evaluate(SAMPLE, tx(amount=Decimal(150)), used)
    capped = line(result, "dining-2x")
    assert (capped.outcome, capped.points) == ("capped", Decimal(100))
    assert capped.reason.endswith("cap of 10000 points per month reached (9900 used)")
    assert result.points == 250
    assert result.usage == {("dining-2x", "2024-05"): Decimal(100)}


def test_an_exhausted_cap_gives_nothing_and_records_no_usage() -> None:
    used = {("dining-2x", "2024-05"): Decimal(10_000)}
    result = evaluate(SAMPLE, DINNER, used)
    assert (line(result, "dining-2x").outcome, line(result, "dining-2x").points) == ("capped", Decimal(0))
    assert result.points == 150
    assert result.usage == {}


def test_overspent_cap_never_goes_negative() -> None:
    used = {("dining-2x", "2024-05"): Decimal(12_000)}
    assert line(evaluate(SAMPLE, DINNER, used), "dining-2x").points == 0


def test_a_cap_is_per_period() -> None:
    used = {("dining-2x", "2024-04"): Decimal(10_000)}
    assert evaluate(SAMPLE, DINNER, used).points == 300
    june = evaluate(SAMPLE, tx(booked_at=datetime(2024, 6, 1, tzinfo=UTC)), used)
    assert june.usage == {("dining-2x", "2024-06"): Decimal("149.99")}


def test_monthly_bonus_caps() -> None:
    salary = tx(
        amount=Decimal(3200),
        direction=Direction.CREDIT,
        transaction_type=TransactionType.SALARY_CREDIT,
        mcc=None,
    )
    assert evaluate(SAMPLE, salary, {("salary-credit", "2024-05"): Decimal(100)}).points == 0
    deposit = dataclasses.replace(salary, transaction_type=TransactionType.DEPOSIT)
    result = evaluate(SAMPLE, deposit, {("large-deposit", "2024-05"): Decimal(600)})
    assert result.points == 0  # 3,200 is below the 10,000 minimum
    big = dataclasses.replace(deposit, amount=Decimal(10_000))
    result = evaluate(SAMPLE, big, {("large-deposit", "2024-05"): Decimal(600)})
    assert (result.points, outcomes(result)["large-deposit"]) == (400, "capped")


def test_a_cap_counts_the_rule_contribution_not_the_total() -> None:
    result = evaluate(SAMPLE, tx(amount=Decimal(100), tier="gold"), NO_USAGE)
    assert result.usage == {("dining-2x", "2024-05"): Decimal(100)}
    assert result.points == 300


@pytest.mark.parametrize(
    ("period", "at", "key"),
    [
        ("day", datetime(2024, 5, 15, 23, 59, tzinfo=UTC), "2024-05-15"),
        ("week", datetime(2024, 5, 15, tzinfo=UTC), "2024-W20"),
        ("week", datetime(2024, 12, 30, tzinfo=UTC), "2025-W01"),
        ("week", datetime(2021, 1, 3, tzinfo=UTC), "2020-W53"),
        ("month", datetime(2024, 5, 15, tzinfo=UTC), "2024-05"),
        ("quarter", datetime(2024, 5, 15, tzinfo=UTC), "2024-Q2"),
        ("quarter", datetime(2024, 12, 31, tzinfo=UTC), "2024-Q4"),
        ("year", datetime(2024, 5, 15, tzinfo=UTC), "2024"),
        ("lifetime", datetime(2024, 5, 15, tzinfo=UTC), "lifetime"),
        ("month", datetime(2024, 5, 31, 22, 30, tzinfo=timezone(timedelta(hours=-2))), "2024-06"),
    ],
)
def test_period_key(period: str, at: datetime, key: str) -> None:
    assert period_key(period, at) == key


def test_period_key_refuses_unknown_periods() -> None:
    with pytest.raises(ValueError, match="fortnight"):
        period_key("fortnight", MAY)


# --- validity windows ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("booked_at", "outcome", "points"),
    [
        (datetime(2024, 5, 31, 23, 59, 59, tzinfo=UTC), "inactive", 100),
        (datetime(2024, 6, 1, 0, 0, tzinfo=UTC), "applied", 200),
        (JULY, "applied", 200),
        (datetime(2024, 8, 31, 23, 59, 59, tzinfo=UTC), "applied", 200),
        (datetime(2024, 9, 1, 0, 0, tzinfo=UTC), "inactive", 100),
        (datetime(2024, 6, 1, 1, 0, tzinfo=timezone(timedelta(hours=2))), "inactive", 100),
    ],
)
def test_a_seasonal_rule_applies_only_inside_its_window(
    booked_at: datetime, outcome: str, points: int
) -> None:
    fuel = tx(amount=Decimal(100), mcc="5541", booked_at=booked_at)
    result = evaluate(SAMPLE, fuel, NO_USAGE)
    assert (outcomes(result)["fuel-summer-2x"], result.points) == (outcome, points)


def test_an_inactive_rule_names_its_window() -> None:
    reason = line(evaluate(SAMPLE, tx(mcc="5541"), NO_USAGE), "fuel-summer-2x").reason
    assert "2024-06-01T00:00:00+00:00" in reason
    assert "2024-09-01T00:00:00+00:00" in reason
    assert "2024-05-15T12:00:00+00:00" in reason


# --- tiers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "points"), [("classic", 200), ("silver", 250), ("gold", 300), ("platinum", 200)]
)
def test_tier_multiplies_base_and_multiplier_points(tier: str, points: int) -> None:
    assert evaluate(SAMPLE, tx(amount=Decimal(100), tier=tier), NO_USAGE).points == points


def test_an_unknown_tier_is_treated_as_the_entry_tier_and_says_so() -> None:
    tier_line = line(evaluate(SAMPLE, tx(tier="platinum"), NO_USAGE), "tier:classic")
    assert "'platinum' is unknown" in tier_line.reason


def test_a_rule_for_one_tier() -> None:
    programme = with_rules(
        {
            "id": "gold-welcome",
            "description": "50 points per purchase for gold members",
            "kind": "bonus",
            "bonus_points": 50,
            "when": {"tiers": ["gold"], "transaction_types": ["purchase"]},
        }
    )
    assert evaluate(programme, tx(amount=Decimal(100), tier="gold"), NO_USAGE).points == 350
    assert evaluate(programme, tx(amount=Decimal(100), tier="silver"), NO_USAGE).points == 250


# --- conditions ----------------------------------------------------------------------------------


def bonus_when(**condition: Any) -> Programme:
    return with_rules(
        {"id": "probe", "description": "probe", "kind": "bonus", "bonus_points": 1000, **condition}
    )


@pytest.mark.parametrize(
    ("condition", "changes", "matches"),
    [
        ({"mcc_ranges": [{"start": "5800", "end": "5899"}]}, {}, True),
        ({"mcc_ranges": [{"start": "5800", "end": "5811"}]}, {}, False),
        ({"iso_ranges": ["miscellaneous OUTLETS"]}, {}, True),
        ({"iso_ranges": ["Transportation"]}, {}, False),
        ({"max_amount": "149.99"}, {}, True),
        ({"max_amount": "149.98"}, {}, False),
        ({"international": False}, {}, True),
        ({"international": False}, {"merchant_country": "fr"}, False),
        ({"international": True}, {"merchant_country": None}, False),
        ({"international": True}, {"transaction_type": TransactionType.INTERNATIONAL_PAYMENT}, True),
        ({"channels": ["atm", "branch"]}, {}, False),
        ({"directions": ["credit"]}, {}, False),
        ({}, {}, True),
    ],
)
def test_conditions(condition: dict[str, Any], changes: dict[str, Any], matches: bool) -> None:
    result = evaluate(bonus_when(when=condition), tx(**changes), NO_USAGE)
    assert line(result, "probe").outcome == ("applied" if matches else "not_matched")


def test_a_category_can_be_an_iso_range() -> None:
    def add_transport(data: dict[str, Any]) -> None:
        data["categories"]["transport"] = {"iso_ranges": ["Transportation"]}
        data["rules"].append(
            {
                "id": "transport-bonus",
                "description": "transport",
                "kind": "bonus",
                "bonus_points": 7,
                "when": {"categories": ["transport"]},
            }
        )

    programme = variant(add_transport)
    bus = tx(amount=Decimal(3), mcc="4111", iso_range="Transportation")
    assert line(evaluate(programme, bus, NO_USAGE), "transport-bonus").points == 7


def test_an_empty_condition_says_it_matches_everything() -> None:
    reason = line(evaluate(bonus_when(when={}), DINNER, NO_USAGE), "probe").reason
    assert reason.startswith("no conditions")


# --- bad input and caching -----------------------------------------------------------------------


def test_a_naive_booking_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(SAMPLE, tx(booked_at=datetime(2024, 5, 15, 12)), NO_USAGE)


def test_a_negative_amount_is_refused() -> None:
    with pytest.raises(ValueError, match="direction"):
        evaluate(SAMPLE, tx(amount=Decimal(-1)), NO_USAGE)


def test_each_programme_object_is_evaluated_with_its_own_rules() -> None:
    doubled = variant(lambda d: d["earning"].update(base_rate="2"))
    for _ in range(3):
        assert evaluate(SAMPLE, DINNER, NO_USAGE).points == 300
        assert evaluate(doubled, DINNER, NO_USAGE).points == 600


def test_repeated_evaluations_give_equal_results() -> None:
    first = evaluate(SAMPLE, tx(mcc="7995"), NO_USAGE)
    assert evaluate(SAMPLE, tx(mcc="7995"), NO_USAGE) == first


# --- properties ----------------------------------------------------------------------------------

CAPPED = [(rule.id, rule.cap.points) for rule in SAMPLE.rules if rule.cap is not None]
RAISED_CAPS = variant(
    lambda d: [rule["cap"].update(points=rule["cap"]["points"] * 3) for rule in d["rules"] if rule.get("cap")]
)

transactions = st.builds(
    EarnInput,
    amount=st.decimals(min_value=0, max_value=50_000, places=2, allow_nan=False),
    currency=st.sampled_from(["USD", "USD", "USD", "EUR"]),
    direction=st.sampled_from(Direction),
    transaction_type=st.sampled_from(TransactionType),
    mcc=st.sampled_from([None, "5812", "5411", "3005", "5541", "6051", "7995", "5999", "4111"]),
    iso_range=st.sampled_from([None, "Transportation", "Miscellaneous outlets"]),
    merchant_country=st.sampled_from([None, "US", "FR", "JP"]),
    channel=st.sampled_from(Channel),
    booked_at=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2025, 1, 1), timezones=st.just(UTC)
    ),
    tier=st.sampled_from(["classic", "silver", "gold", "unknown"]),
)


@st.composite
def usage_for(draw: st.DrawFn, earn: EarnInput) -> dict[tuple[str, str], Decimal]:
    key = period_key("month", earn.booked_at)
    return {
        (rule_id, key): Decimal(draw(st.integers(0, points * 2)))
        for rule_id, points in CAPPED
        if draw(st.booleans())
    }


@st.composite
def cases(draw: st.DrawFn) -> tuple[EarnInput, dict[tuple[str, str], Decimal]]:
    earn = draw(transactions)
    return earn, draw(usage_for(earn))


@settings(max_examples=300)
@given(cases())
def test_points_are_never_negative_and_are_the_rounded_sum_of_the_lines(
    case: tuple[EarnInput, dict[tuple[str, str], Decimal]],
) -> None:
    result = evaluate(SAMPLE, *case)
    exact = sum((line.points for line in result.lines), Decimal(0))
    assert result.exact == exact
    assert result.points == round_points(exact)
    assert result.points >= 0
    assert all(line.points >= 0 for line in result.lines)


@settings(max_examples=300)
@given(cases())
def test_an_excluded_transaction_earns_nothing(
    case: tuple[EarnInput, dict[tuple[str, str], Decimal]],
) -> None:
    result = evaluate(SAMPLE, *case)
    if result.excluded_by is not None:
        assert result.points == 0
        assert result.usage == {}
        assert line(result, result.excluded_by).outcome == "excluded"


@settings(max_examples=300)
@given(cases())
def test_raising_a_cap_never_lowers_points(
    case: tuple[EarnInput, dict[tuple[str, str], Decimal]],
) -> None:
    assert evaluate(RAISED_CAPS, *case).exact >= evaluate(SAMPLE, *case).exact


@settings(max_examples=300)
@given(cases())
def test_usage_never_takes_a_cap_past_its_limit(
    case: tuple[EarnInput, dict[tuple[str, str], Decimal]],
) -> None:
    earn, used = case
    caps = dict(CAPPED)
    for (rule_id, key), consumed in evaluate(SAMPLE, earn, used).usage.items():
        assert consumed > 0
        assert used.get((rule_id, key), Decimal(0)) + consumed <= caps[rule_id]


@settings(max_examples=200)
@given(cases())
def test_every_rule_gets_exactly_one_line_unless_excluded(
    case: tuple[EarnInput, dict[tuple[str, str], Decimal]],
) -> None:
    earn, used = case
    result = evaluate(SAMPLE, earn, used)
    if earn.currency != "USD" or result.excluded_by is not None:
        return
    ids = [line.rule_id for line in result.lines]
    assert len(ids) == len(set(ids)) == len(SAMPLE.rules) + 2


# --- what transactions of one kind share ---------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        # checks on the transaction type, direction and channel come before the amount check ...
        ({"channels": ["atm"], "min_amount": 1000}, "channel card_present is not atm"),
        # ... the amount check before those on the tier and the merchant
        ({"min_amount": 1000, "mccs": ["5411"]}, "amount 149.99 is below the minimum 1000"),
        ({"max_amount": 100, "tiers": ["gold"]}, "amount 149.99 is above the maximum 100"),
        ({"min_amount": 100, "mccs": ["5411"]}, "MCC 5812 is not 5411"),
        ({"min_amount": 100, "tiers": ["gold"]}, "tier classic is not gold"),
    ],
)
def test_the_first_failing_check_gives_the_reason(condition: dict[str, Any], reason: str) -> None:
    assert line(evaluate(bonus_when(when=condition), DINNER, NO_USAGE), "probe").reason == reason


def test_a_matching_condition_explains_every_check_in_order() -> None:
    condition = {
        "channels": ["card_present"],
        "max_amount": 500,
        "tiers": ["classic"],
        "international": False,
    }
    assert line(evaluate(bonus_when(when=condition), DINNER, NO_USAGE), "probe").reason == (
        "channel is card_present; amount 149.99 is at most 500; tier is classic; "
        "merchant country US is the home country: bonus of 1000.00 points"
    )


def test_transactions_of_one_kind_differ_by_amount_and_time() -> None:
    programme = with_rules(
        {
            "id": "small-spend",
            "description": "no points under 5 USD",
            "kind": "exclusion",
            "priority": 2000,
            "when": {"max_amount": "4.99"},
        },
        {
            "id": "may-dining",
            "description": "May dining bonus",
            "kind": "bonus",
            "bonus_points": 5,
            "when": {"categories": ["dining"], "min_amount": 20},
            "valid_from": "2024-05-01T00:00:00Z",
            "valid_to": "2024-06-01T00:00:00Z",
        },
    )
    coffee = evaluate(programme, tx(amount=Decimal("3.50")), NO_USAGE)
    assert (coffee.excluded_by, line(coffee, "small-spend").reason) == (
        "small-spend",
        "amount 3.50 is at most 4.99",
    )
    lunch = evaluate(programme, tx(amount=Decimal(12)), NO_USAGE)
    assert line(lunch, "small-spend").reason == "amount 12 is above the maximum 4.99"
    assert line(lunch, "may-dining").reason == "amount 12 is below the minimum 20"
    dinner = evaluate(programme, DINNER, NO_USAGE)
    assert line(dinner, "may-dining").reason == (
        "amount 149.99 is at least 20; MCC 5812 is in category dining: bonus of 5.00 points"
    )
    in_july = line(evaluate(programme, tx(booked_at=JULY), NO_USAGE), "may-dining")
    assert in_july.outcome == "inactive"
    assert in_july.reason.endswith("booked at 2024-07-15T12:00:00+00:00")
    shop = line(evaluate(programme, tx(mcc="5999"), NO_USAGE), "may-dining")
    assert (shop.outcome, shop.reason) == ("not_matched", "MCC 5999 is not in category dining")


def test_more_kinds_than_the_cache_holds_evaluate_as_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    kinds = [tx(merchant_country=f"{n:02d}", amount=Decimal(n)) for n in range(12)]
    alone = [evaluate(SAMPLE.model_copy(), kind, NO_USAGE) for kind in kinds]
    monkeypatch.setattr(earning, "_SHARED_CACHE_SIZE", 5)
    programme = SAMPLE.model_copy()
    for _ in range(3):
        assert [evaluate(programme, kind, NO_USAGE) for kind in kinds] == alone


@settings(max_examples=200)
@given(cases(), cases())
def test_a_result_does_not_depend_on_what_was_evaluated_before(
    first: tuple[EarnInput, dict[tuple[str, str], Decimal]],
    second: tuple[EarnInput, dict[tuple[str, str], Decimal]],
) -> None:
    programme = RAISED_CAPS.model_copy()  # a new object, so a cold start
    earn, used = second
    alone = evaluate(programme, earn, used)
    same_kind = dataclasses.replace(earn, amount=first[0].amount, booked_at=first[0].booked_at)
    warmed = RAISED_CAPS.model_copy()
    evaluate(warmed, first[0], first[1])
    evaluate(warmed, same_kind, first[1])
    assert evaluate(warmed, earn, used) == alone
