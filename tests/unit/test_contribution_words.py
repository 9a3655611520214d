"""Member 360 says a score's contributions in words, the fallback rule's input included."""

from __future__ import annotations

from pointflow.adapters.scoring import rule_contribution
from pointflow.entrypoints.console.member_view import contribution_words


def test_a_model_contribution_says_which_way_it_moved_the_score() -> None:
    assert contribution_words(["days_since_last_txn", -0.4121]) == (
        "days_since_last_txn lowered the score (-0.412 log-odds)"
    )


def test_the_fallback_rules_input_is_a_sentence_not_a_dict() -> None:
    [item] = rule_contribution(1666.66666)
    words = contribution_words(item)
    assert words.startswith("points_projected was 1,666.6667; the rule: points_projected >= 1000")
    assert "{" not in words


def test_an_unknown_input_says_so() -> None:
    [item] = rule_contribution(float("nan"))
    assert contribution_words(item).startswith("points_projected was not known; the rule: ")
