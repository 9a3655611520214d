"""Sensitive attributes measure fairness and never feed a model: no propensity input is one of them."""

from __future__ import annotations

import re

import pytest

from pointflow.adapters.model_scoring import observed_features
from pointflow.intelligence.propensity import training_set
from pointflow.intelligence.propensity.dataset import feature_columns
from tests.unit.propensity_support import MONTHS, small_history

# Words that name a protected or personal attribute; a feature name made of any of them is refused.
SENSITIVE = frozenset(
    {
        "age", "birth", "born", "dob", "gender", "sex", "marital", "married", "religion", "religious",
        "ethnic", "ethnicity", "race", "nationality", "citizenship", "disability", "pregnancy", "pregnant",
        "band", "name", "email", "phone", "mobile", "address", "postcode", "zip", "iban", "ssn",
    }
)  # fmt: skip


def words(feature: str) -> set[str]:
    return set(re.split(r"[^a-z0-9]+", feature.lower()))


def sensitive(features: set[str] | list[str]) -> list[str]:
    return sorted(f for f in features if words(f) & SENSITIVE)


def test_the_training_features_hold_no_sensitive_attribute() -> None:
    features = feature_columns(training_set(small_history(), range(2, MONTHS - 1)))
    assert len(features) > 50  # the real list, not an empty one
    assert sensitive(features) == []


def test_the_served_features_hold_no_sensitive_attribute() -> None:
    assert len(observed_features()) > 50
    assert sensitive(observed_features()) == []


@pytest.mark.parametrize(
    "bad", ["age_band", "customer_age_years", "gender", "date_of_birth", "home_postcode"]
)
def test_the_check_would_see_one(bad: str) -> None:
    assert sensitive([bad, "tenure_days"]) == [bad]
