"""The offers section of the programme file: the sample's set, and validation errors that name the field."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from pointflow.adapters.programme_file import load_programme_file, sample_programme_path
from pointflow.domain.programme import ProgrammeInvalid, parse_programme

SAMPLE = load_programme_file(sample_programme_path())
SAMPLE_DATA: dict[str, Any] = SAMPLE.model_dump(mode="json")


def errors_after(change: Callable[[dict[str, Any]], object]) -> dict[str, str]:
    data = copy.deepcopy(SAMPLE_DATA)
    change(data["offers"])
    with pytest.raises(ProgrammeInvalid) as caught:
        parse_programme(data)
    return dict(caught.value.errors)


def test_the_sample_has_every_kind_of_trigger_and_offer() -> None:
    offers = SAMPLE.offers
    assert offers is not None
    assert {t.kind for t in offers.triggers} == {
        "transaction",
        "category_pattern",
        "points_balance",
        "tenure_anniversary",
        "score",
        "points_expiring",
        "schedule",
    }
    assert {o.kind for o in offers.catalogue} == {
        "bonus_points",
        "category_multiplier",
        "cashback",
        "discounted_redemption",
        "cross_sell",
        "partner",
    }
    assert offers.approval.points_threshold == 10_000
    assert offers.rollout_of("retention").mode == "shadow"
    assert offers.rollout_of("everyday").mode == "pilot"


def test_the_sample_round_trips_with_the_same_hash() -> None:
    assert parse_programme(SAMPLE_DATA).content_hash() == SAMPLE.content_hash()


def test_a_multiplier_offer_needs_its_category_and_multiplier() -> None:
    def drop(offers: dict[str, Any]) -> None:
        offer = next(o for o in offers["catalogue"] if o["id"] == "grocery-double")
        offer["multiplier"] = None

    index = next(i for i, o in enumerate(SAMPLE_DATA["offers"]["catalogue"]) if o["id"] == "grocery-double")
    assert errors_after(drop) == {
        f"offers.catalogue.{index}.multiplier": "required for an offer of kind category_multiplier"
    }


def test_terms_of_another_kind_are_refused() -> None:
    def add(offers: dict[str, Any]) -> None:
        offers["catalogue"][0]["cashback_percent"] = "2"

    assert errors_after(add) == {
        "offers.catalogue.0.cashback_percent": "not allowed on an offer of kind bonus_points"
    }


def test_a_trigger_naming_an_unknown_offer_is_refused() -> None:
    def rename(offers: dict[str, Any]) -> None:
        offers["triggers"][0]["offers"] = ["no-such-offer"]

    assert errors_after(rename) == {"offers.triggers.0.offers.0": "unknown offer 'no-such-offer'"}


def test_an_offer_on_an_unknown_category_or_reward_is_refused() -> None:
    def rename(offers: dict[str, Any]) -> None:
        for offer in offers["catalogue"]:
            if offer["category"] is not None:
                offer["category"] = "casinos"
            if offer["reward"] is not None:
                offer["reward"] = "yacht"

    found = errors_after(rename)
    assert "unknown category 'casinos'" in found.values()
    assert "unknown reward 'yacht'" in found.values()


def test_a_score_trigger_needs_its_threshold() -> None:
    def drop(offers: dict[str, Any]) -> None:
        trigger = next(t for t in offers["triggers"] if t["kind"] == "score")
        trigger["threshold"] = None

    index = next(i for i, t in enumerate(SAMPLE_DATA["offers"]["triggers"]) if t["kind"] == "score")
    assert errors_after(drop) == {
        f"offers.triggers.{index}.threshold": "required for a trigger of kind score"
    }


def test_a_pilot_with_nobody_in_it_is_refused() -> None:
    def empty(offers: dict[str, Any]) -> None:
        offers["rollout"] = {"mode": "pilot", "pilot_share": 0, "pilot_segments": []}

    assert errors_after(empty) == {
        "offers.rollout.pilot_share": "a pilot needs a pilot_share above 0 or pilot_segments"
    }


def test_an_offer_in_an_unknown_campaign_is_refused() -> None:
    def move(offers: dict[str, Any]) -> None:
        offers["catalogue"][0]["campaign"] = "nowhere"

    assert errors_after(move) == {"offers.catalogue.0.campaign": "unknown campaign 'nowhere'"}


def test_bonus_points_count_at_least_their_points_in_the_liability() -> None:
    def shrink(offers: dict[str, Any]) -> None:
        offers["catalogue"][0]["expected_points"] = 10

    reason = "at least the offer's 500 points, which it adds to the liability"
    assert errors_after(shrink) == {"offers.catalogue.0.expected_points": reason}


def test_a_programme_without_offers_is_still_valid() -> None:
    data = copy.deepcopy(SAMPLE_DATA)
    del data["offers"]
    assert parse_programme(data).offers is None
