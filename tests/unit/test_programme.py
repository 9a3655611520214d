"""The programme file: the shipped sample, validation with field paths, YAML loading, lot expiry."""

from __future__ import annotations

import ast
import calendar
import copy
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from pointflow.adapters.programme_file import (
    load_programme_file,
    load_programme_text,
    sample_programme_path,
)
from pointflow.domain import earning, programme
from pointflow.domain.programme import (
    Expiry,
    ExpiryPeriod,
    ProgrammeInvalid,
    add_months,
    expiry_date,
    parse_programme,
)

SAMPLE = load_programme_file(sample_programme_path())
SAMPLE_DATA: dict[str, Any] = SAMPLE.model_dump(mode="json")


def invalid(change: Callable[[dict[str, Any]], object]) -> dict[str, str]:
    """Apply `change` to a copy of the sample and return the errors as {field_path: reason}."""
    data = copy.deepcopy(SAMPLE_DATA)
    change(data)
    with pytest.raises(ProgrammeInvalid) as caught:
        parse_programme(data)
    return dict(caught.value.errors)


def rule(rule_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": rule_id, "description": rule_id, "when": {}, **fields}


# --- the sample ----------------------------------------------------------------------------------


def test_sample_programme_is_complete() -> None:
    assert (SAMPLE.currency, SAMPLE.home_country, SAMPLE.value_per_point) == (
        "USD",
        "US",
        Decimal("0.01"),
    )
    assert SAMPLE.earning.multiplier_mode == "priority"
    assert set(SAMPLE.categories) == {"dining", "groceries", "travel", "fuel"}
    assert [(t.name, t.min_qualifying_points, t.multiplier) for t in SAMPLE.tiers] == [
        ("classic", 0, Decimal(1)),
        ("silver", 10_000, Decimal("1.25")),
        ("gold", 50_000, Decimal("1.5")),
    ]
    assert {"travel", "cashback", "merchandise", "partner_voucher"} <= {r.kind for r in SAMPLE.rewards}
    assert len(SAMPLE.rewards) >= 8
    assert SAMPLE.limits == programme.Limits()
    assert SAMPLE.lots.expiry == Expiry(policy="rolling_months", months=24)


def test_sample_has_every_rule_kind_and_a_window() -> None:
    kinds = {r.kind for r in SAMPLE.rules}
    assert kinds == {"multiplier", "bonus", "exclusion"}
    fuel = next(r for r in SAMPLE.rules if r.id == "fuel-summer-2x")
    assert fuel.valid_from == datetime(2024, 6, 1, tzinfo=UTC)
    assert fuel.valid_to == datetime(2024, 9, 1, tzinfo=UTC)


def test_programme_is_frozen() -> None:
    with pytest.raises(ValidationError):
        SAMPLE.name = "changed"  # type: ignore[misc]


def test_unknown_tier_name_falls_back_to_the_entry_tier() -> None:
    assert SAMPLE.tier("gold").name == "gold"
    assert SAMPLE.tier("platinum").name == "classic"


# --- content hash --------------------------------------------------------------------------------


def test_content_hash_is_stable_and_ignores_decimal_spelling() -> None:
    data = copy.deepcopy(SAMPLE_DATA)
    data["value_per_point"] = "0.010"
    data["earning"]["base_rate"] = "1.0"
    assert parse_programme(data).content_hash() == SAMPLE.content_hash()
    assert len(SAMPLE.content_hash()) == 64


def test_content_hash_changes_with_content() -> None:
    data = copy.deepcopy(SAMPLE_DATA)
    data["rules"][8]["multiplier"] = "2.5"
    assert parse_programme(data).content_hash() != SAMPLE.content_hash()


def test_yaml_and_json_forms_hash_the_same() -> None:
    assert parse_programme(SAMPLE_DATA).content_hash() == SAMPLE.content_hash()


# --- validation with field paths -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (lambda d: d.update(currency="XYZ"), "currency", "ISO 4217"),
        (lambda d: d.update(home_country="us"), "home_country", "ISO 3166"),
        (lambda d: d.update(colour="blue"), "colour", "Extra inputs"),
        (lambda d: d["earning"].update(base_rate="-1"), "earning.base_rate", "greater than"),
        (lambda d: d["categories"]["dining"].update(mccs=["581"]), "categories.dining.mccs.0", "four digits"),
        (
            lambda d: d["categories"]["travel"]["mcc_ranges"][0].update(start="3300"),
            "categories.travel.mcc_ranges.0.end",
            "before its start",
        ),
        (lambda d: d["categories"].update(empty={}), "categories.empty", "at least one MCC"),
        (lambda d: d["rules"][8].pop("multiplier"), "rules.8.multiplier", "required"),
        (lambda d: d["rules"][8].update(multiplier="0"), "rules.8.multiplier", "greater than 0"),
        (lambda d: d["rules"][8].update(bonus_points=5), "rules.8.bonus_points", "not allowed"),
        (lambda d: d["rules"][12].pop("bonus_points"), "rules.12.bonus_points", "needs"),
        (lambda d: d["rules"][0].update(multiplier="2"), "rules.0.multiplier", "not allowed"),
        (
            lambda d: d["rules"][0].update(cap={"points": 5, "period": "day"}),
            "rules.0.cap",
            "cannot have a cap",
        ),
        (lambda d: d["rules"][0].update(stop=True), "rules.0.stop", "already stops"),
        (lambda d: d["rules"][1].update(id="cash-withdrawal"), "rules.1.id", "duplicate"),
        (lambda d: d["rules"][1].update(id="Not A Slug"), "rules.1.id", "is not an id"),
        (lambda d: d["rules"][8].update(kind="boost"), "rules.8.kind", "multiplier"),
        (
            lambda d: d["rules"][8]["when"].update(categories=["dinning"]),
            "rules.8.when.categories.0",
            "unknown category 'dinning'",
        ),
        (
            lambda d: d["earning"]["base_applies_to"].update(tiers=["platinum"]),
            "earning.base_applies_to.tiers.0",
            "unknown tier 'platinum'",
        ),
        (
            lambda d: d["rules"][13]["when"].update(min_amount="10", max_amount="5"),
            "rules.13.when.max_amount",
            "below min_amount",
        ),
        (
            lambda d: d["rules"][8]["cap"].update(period="fortnight"),
            "rules.8.cap.period",
            "",
        ),
        (
            lambda d: d["rules"][10].update(valid_from="2024-06-01T00:00:00"),
            "rules.10.valid_from",
            "timezone",
        ),
        (
            lambda d: d["rules"][10].update(valid_to="2024-05-01T00:00:00Z"),
            "rules.10.valid_to",
            "not after valid_from",
        ),
        (lambda d: d.update(tiers=[]), "tiers", "at least 1"),
        (
            lambda d: d["tiers"][0].update(min_qualifying_points=5),
            "tiers.0.min_qualifying_points",
            "start at 0",
        ),
        (
            lambda d: d["tiers"][2].update(min_qualifying_points=10_000),
            "tiers.2.min_qualifying_points",
            "must be above 10000",
        ),
        (lambda d: d["tiers"][2].update(name="silver"), "tiers.2.name", "duplicate"),
        (lambda d: d["tiers"][1].update(multiplier="0.5"), "tiers.1.multiplier", "1"),
        (lambda d: d["lots"]["expiry"].pop("months"), "lots.expiry.months", "required"),
        (
            lambda d: d["lots"]["expiry"].update(period="year"),
            "lots.expiry.period",
            "not allowed",
        ),
        (lambda d: d["lots"].update(pending_days=-1), "lots.pending_days", "greater than"),
        (lambda d: d["rewards"][7].pop("partner"), "rewards.7.partner", "needs its partner"),
        (lambda d: d["rewards"][1].update(id="cashback-25"), "rewards.2.id", "duplicate"),
        (lambda d: d["rewards"][0].update(points=0), "rewards.0.points", "greater than 0"),
        (lambda d: d["limits"].update(max_batch_events=0), "limits.max_batch_events", ""),
    ],
)
def test_invalid_programmes_name_the_field(
    change: Callable[[dict[str, Any]], object], path: str, words: str
) -> None:
    errors = invalid(change)
    assert path in errors, errors
    assert words in errors[path]


def test_every_problem_is_reported_at_once() -> None:
    def break_twice(data: dict[str, Any]) -> None:
        data["rules"][8].pop("multiplier")
        data["rewards"][0]["points"] = -1

    assert {"rules.8.multiplier", "rewards.0.points"} <= set(invalid(break_twice))


def test_sum_mode_refuses_multipliers_below_one() -> None:
    def halve_in_sum_mode(data: dict[str, Any]) -> None:
        data["earning"]["multiplier_mode"] = "sum"
        data["rules"][10]["multiplier"] = "0.5"

    assert "priority mode" in invalid(halve_in_sum_mode)["rules.10.multiplier"]


def test_a_reducing_multiplier_cannot_be_capped() -> None:
    errors = invalid(lambda d: d["rules"][8].update(multiplier="0.5"))
    assert "rules.8.cap" in errors


def test_a_reducing_multiplier_is_fine_in_priority_mode() -> None:
    data = copy.deepcopy(SAMPLE_DATA)
    data["rules"][10]["multiplier"] = "0.5"
    assert parse_programme(data).rules[10].multiplier == Decimal("0.5")


def test_a_non_mapping_is_refused() -> None:
    with pytest.raises(ProgrammeInvalid) as caught:
        parse_programme(["not", "a", "mapping"])  # type: ignore[arg-type]
    assert caught.value.errors[0][0] == "<root>"


def test_the_error_message_lists_paths_and_reasons() -> None:
    data = copy.deepcopy(SAMPLE_DATA)
    data["currency"] = "XYZ"
    with pytest.raises(ProgrammeInvalid, match=r"currency: 'XYZ' is not an active ISO 4217"):
        parse_programme(data)


# --- YAML ----------------------------------------------------------------------------------------

MINIMAL_YAML = """
id: tiny
name: Tiny
currency: EUR
home_country: DE
value_per_point: 0.005
earning: {base_rate: 0.1, base_applies_to: {}}
tiers: [{name: base, min_qualifying_points: 0, multiplier: 1}]
lots: {expiry: {policy: never}}
"""


def test_minimal_yaml_programme_uses_defaults_and_exact_decimals() -> None:
    tiny = load_programme_text(MINIMAL_YAML)
    assert tiny.value_per_point == Decimal("0.005")
    assert tiny.earning.base_rate == Decimal("0.1")
    assert (tiny.rules, tiny.rewards, tiny.categories) == ((), (), {})
    assert tiny.limits.max_transaction_amount == Decimal(1_000_000)
    assert tiny.earning.multiplier_mode == "priority"


def test_yaml_syntax_error_names_the_line() -> None:
    with pytest.raises(ProgrammeInvalid) as caught:
        load_programme_text("id: x\nname: [unclosed\ncurrency: USD\n")
    (path, reason), *_ = caught.value.errors
    assert path == "<yaml>"
    assert "line " in reason


def test_yaml_repeated_key_is_refused() -> None:
    with pytest.raises(ProgrammeInvalid) as caught:
        load_programme_text(MINIMAL_YAML + "currency: USD\n")
    assert caught.value.errors == [("<yaml>", "line 10: key 'currency' appears twice")]


@pytest.mark.parametrize("text", ["", "- a list\n", "just text\n"])
def test_yaml_that_is_not_a_mapping_is_refused(text: str) -> None:
    with pytest.raises(ProgrammeInvalid) as caught:
        load_programme_text(text)
    assert caught.value.errors[0][0] == "<root>"


def test_validation_errors_from_yaml_name_the_field() -> None:
    with pytest.raises(ProgrammeInvalid) as caught:
        load_programme_text(MINIMAL_YAML.replace("policy: never", "policy: sometimes"))
    assert "lots.expiry.policy" in dict(caught.value.errors)


def test_load_programme_file_reads_a_path(tmp_path: Path) -> None:
    path = tmp_path / "programme.yaml"
    path.write_text(MINIMAL_YAML, encoding="utf-8")
    assert load_programme_file(path).id == "tiny"
    assert load_programme_file(str(path)).currency == "EUR"


# --- lot expiry ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expiry", "earned_on", "expires_on"),
    [
        (Expiry(policy="rolling_months", months=24), date(2024, 5, 15), date(2026, 5, 15)),
        (Expiry(policy="rolling_months", months=1), date(2024, 1, 31), date(2024, 2, 29)),
        (Expiry(policy="rolling_months", months=12), date(2024, 2, 29), date(2025, 2, 28)),
        (Expiry(policy="rolling_months", months=2), date(2024, 11, 30), date(2025, 1, 30)),
        (Expiry(policy="end_of_period", period="month"), date(2024, 2, 3), date(2024, 2, 29)),
        (Expiry(policy="end_of_period", period="quarter"), date(2024, 5, 3), date(2024, 6, 30)),
        (
            Expiry(policy="end_of_period", period="quarter", periods_after=1),
            date(2024, 12, 31),
            date(2025, 3, 31),
        ),
        (
            Expiry(policy="end_of_period", period="year", periods_after=1),
            date(2024, 1, 1),
            date(2025, 12, 31),
        ),
        (
            Expiry(policy="end_of_period", period="month", periods_after=2),
            date(2024, 11, 15),
            date(2025, 1, 31),
        ),
        (Expiry(policy="never"), date(2024, 5, 15), None),
    ],
)
def test_expiry_date(expiry: Expiry, earned_on: date, expires_on: date | None) -> None:
    assert expiry_date(expiry, earned_on) == expires_on


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 240))
def test_add_months_keeps_the_day_or_clamps_to_month_end(day: date, months: int) -> None:
    later = add_months(day, months)
    assert _month_index(later) - _month_index(day) == months
    assert later.day == min(day.day, calendar.monthrange(later.year, later.month)[1])


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    st.sampled_from(["month", "quarter", "year"]),
    st.integers(0, 8),
)
def test_end_of_period_is_the_last_day_of_the_right_period(
    day: date, period: ExpiryPeriod, after: int
) -> None:
    size = {"month": 1, "quarter": 3, "year": 12}[period]
    expires = expiry_date(Expiry(policy="end_of_period", period=period, periods_after=after), day)
    assert expires is not None
    next_day = expires + timedelta(days=1)
    assert next_day.day == 1
    assert (next_day.month - 1) % size == 0
    assert _month_index(expires) // size - _month_index(day) // size == after


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


# --- layering ------------------------------------------------------------------------------------

FORBIDDEN_IN_DOMAIN = {"yaml", "sqlalchemy", "fastapi", "faststream", "httpx", "polars", "os", "io"}


@pytest.mark.parametrize("module", [programme, earning])
def test_domain_modules_import_no_io_library(module: Any) -> None:
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not imported & FORBIDDEN_IN_DOMAIN
