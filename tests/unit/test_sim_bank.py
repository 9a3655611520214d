"""The sandbox bank: reproducible, ordered, well-formed events with no personal data in them."""

from __future__ import annotations

import calendar
import itertools
import json
import re
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import iso18245
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointflow.domain.events import Channel, Direction, ReversalKind, TransactionType
from pointflow.sim.bank import PERSONAS, Event, SimCustomer, customers, generate, write_jsonl

START = date(2024, 1, 31)  # a month end, so month arithmetic has to clamp
END = datetime(2024, 5, 31, tzinfo=UTC)
SEED = 11
CUSTOMERS = 80
MONTHS = 4
AMOUNT = re.compile(r"^\d+\.\d{2}$")


@pytest.fixture(scope="module")
def events() -> list[Event]:
    return list(generate(customers=CUSTOMERS, months=MONTHS, start=START, seed=SEED))


@pytest.fixture(scope="module")
def people() -> list[SimCustomer]:
    return customers(CUSTOMERS, SEED)


def posted(events: list[Event]) -> list[Event]:
    return [e for e in events if e["event_type"] == "transaction.posted"]


def reversed_(events: list[Event]) -> list[Event]:
    return [e for e in events if e["event_type"] == "transaction.reversed"]


def months_after(day: date, months: int) -> date:
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def moment(event: Event) -> datetime:
    return datetime.fromisoformat(str(event["timestamp"]).replace("Z", "+00:00"))


def test_the_same_seed_gives_the_same_events() -> None:
    first = list(generate(customers=15, months=2, start=START, seed=3))
    assert first == list(generate(customers=15, months=2, start=START, seed=3))


def test_another_seed_gives_other_events() -> None:
    first = list(generate(customers=15, months=2, start=START, seed=3))
    assert first != list(generate(customers=15, months=2, start=START, seed=4))


def test_customers_are_reproducible_and_are_the_ones_that_transact(
    events: list[Event], people: list[SimCustomer]
) -> None:
    assert people == customers(CUSTOMERS, SEED)
    assert {e["customer_id"] for e in events} <= {p.customer_id for p in people}
    assert people[0].customer_id == "cust_000001"
    assert {p.home_country for p in people} == {"US"}


def test_events_come_in_booking_time_order_within_the_period(events: list[Event]) -> None:
    stamps = [str(e["timestamp"]) for e in events]
    assert stamps == sorted(stamps)
    assert all(s.endswith("Z") for s in stamps)
    assert moment(events[0]) >= datetime(2024, 1, 31, tzinfo=UTC)
    assert moment(events[-1]) < END


def test_transaction_ids_are_unique(events: list[Event]) -> None:
    ids = [e["transaction_id"] for e in events]
    assert len(ids) == len(set(ids))


def test_reversals_follow_an_earlier_purchase_of_the_same_customer(events: list[Event]) -> None:
    seen: dict[object, Event] = {}
    for event in events:
        if event["event_type"] == "transaction.reversed":
            original = seen[event["original_transaction_id"]]
            assert original["transaction_type"] == "purchase"
            assert (event["customer_id"], event["account_id"]) == (
                original["customer_id"],
                original["account_id"],
            )
            assert moment(event) > moment(original)
            assert Decimal(str(event["amount"])) <= Decimal(str(original["amount"]))
        seen[event["transaction_id"]] = event
    assert reversed_(events), "expected some reversals in four months"


def test_about_one_purchase_in_a_hundred_is_reversed(events: list[Event]) -> None:
    purchases = sum(e.get("transaction_type") == "purchase" for e in events)
    assert 0.003 < len(reversed_(events)) / purchases < 0.03
    assert {e["reversal_kind"] for e in reversed_(events)} <= {k.value for k in ReversalKind}


def test_amounts_are_positive_strings_with_two_decimals_in_dollars(events: list[Event]) -> None:
    for event in events:
        amount = event["amount"]
        assert isinstance(amount, str)
        assert AMOUNT.match(amount), amount
        assert Decimal(amount) > 0
    assert {e["currency"] for e in events} == {"USD"}


def test_fields_use_the_connector_vocabulary(events: list[Event]) -> None:
    rows = posted(events)
    assert {e["direction"] for e in rows} <= {d.value for d in Direction}
    assert {e["channel"] for e in rows} <= {c.value for c in Channel}
    assert {e["transaction_type"] for e in rows} <= {t.value for t in TransactionType}
    assert all(e["value_date"] == str(e["timestamp"])[:10] for e in rows)


def test_mccs_are_real_four_digit_codes(events: list[Event]) -> None:
    codes = {str(e["merchant_category_code"]) for e in posted(events)}
    for code in codes:
        assert re.fullmatch(r"\d{4}", code)
        iso18245.get_mcc(code)
    assert {"6011", "6051", "7995", "5411", "5812"} <= codes


def test_every_persona_is_present(people: list[SimCustomer]) -> None:
    assert set(PERSONAS) == {
        "frequent_traveller",
        "family_grocery",
        "student",
        "affluent_saver",
        "drifting_away",
    }
    assert {p.persona for p in people} == set(PERSONAS)


def test_the_bank_books_more_than_card_purchases(events: list[Event]) -> None:
    kinds = Counter(e["transaction_type"] for e in posted(events))
    for kind in ("salary_credit", "cash_withdrawal", "quasi_cash", "loan_repayment", "fee"):
        assert kinds[kind] > 0, kind
    assert kinds["own_account_transfer"] + kinds["international_payment"] + kinds["deposit"] > 0


def test_frequent_travellers_shop_abroad_more(events: list[Event], people: list[SimCustomer]) -> None:
    persona = {p.customer_id: p.persona for p in people}
    abroad: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for event in posted(events):
        if event["transaction_type"] == "purchase":
            who = persona[str(event["customer_id"])]
            total[who] += 1
            abroad[who] += event["merchant_country"] != "US"
    share = {who: abroad[who] / total[who] for who in total}
    assert share["frequent_traveller"] > 2 * share["family_grocery"]


def test_drifting_members_fade_away() -> None:
    people = {p.customer_id: p.persona for p in customers(120, 5)}
    per_month: Counter[tuple[str, str]] = Counter()
    for event in generate(customers=120, months=8, start=date(2024, 1, 1), seed=5):
        per_month[(people[str(event["customer_id"])], str(event["timestamp"])[:7])] += 1
    assert per_month[("drifting_away", "2024-08")] < 0.6 * per_month[("drifting_away", "2024-01")]
    assert per_month[("family_grocery", "2024-08")] > 0.8 * per_month[("family_grocery", "2024-01")]


def test_no_personal_data_leaves_the_bank(events: list[Event], people: list[SimCustomer]) -> None:
    text = json.dumps(events)
    for person in people:
        assert person.full_name not in text
        assert person.email not in text
        assert person.phone not in text


def test_generation_streams_month_by_month() -> None:
    # 7,500 years of months: only the first one may be built before the first event arrives
    first = list(itertools.islice(generate(customers=5, months=90_000, start=START), 10))
    assert len(first) == 10


def test_write_jsonl_writes_one_event_a_line(tmp_path: Path) -> None:
    target = tmp_path / "events.jsonl"
    expected = list(generate(customers=5, months=1, start=START))
    assert write_jsonl(iter(expected), target) == len(expected)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == expected


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
    months=st.integers(min_value=1, max_value=3),
)
def test_any_period_is_ordered_and_bounded(seed: int, start: date, months: int) -> None:
    events = list(generate(customers=3, months=months, start=start, seed=seed))
    stamps = [str(e["timestamp"]) for e in events]
    assert stamps == sorted(stamps)
    assert stamps[0] >= start.isoformat()
    assert stamps[-1] < months_after(start, months).isoformat()
    ids = {e["transaction_id"] for e in events}
    assert all(e["original_transaction_id"] in ids for e in reversed_(events))
