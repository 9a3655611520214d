"""Scoring a commit group's members: online feature rows, the guard, the batched model, the flagged rule."""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest

from pointflow.adapters.model_scoring import ModelScoring, categories, category_of
from pointflow.adapters.scoring import NO_MODEL, RuleScoring
from pointflow.intelligence.features import activity_features
from pointflow.intelligence.propensity import snapshot_features
from pointflow.intelligence.propensity.model import from_files, matrix
from pointflow.intelligence.propensity.online import GROWS_WITH_TIME, RANGE_SLACK, OnlineScorer
from pointflow.intelligence.serving.features import MemberAt, window_columns
from pointflow.intelligence.serving.rule import FALLBACK, RULE_AT_STEP, RULE_BELOW_STEP
from pointflow.intelligence.serving.saving import SAVING_FEATURES, months_from_buckets
from pointflow.intelligence.serving.windows import Bucket as ActivityRow
from pointflow.intelligence.serving.windows import MemberWindows, windows_from_buckets
from pointflow.service_layer.ports import RedemptionEvent, RedemptionTotal, Touched
from tests.unit.propensity_support import MONTHS, small_history, small_model

MCCS = ("5411", "4111", "5812", "3000", "5999", "7011", "")
AT = datetime(2024, 6, 1, tzinfo=UTC)


def random_buckets(seed: int, tokens: list[str], end: date, days: int, rows: int) -> list[ActivityRow]:
    rng = random.Random(seed)
    found: dict[tuple[str, date, str], list[int]] = {}
    for _ in range(rows):
        key = (rng.choice(tokens), end - timedelta(days=rng.randrange(-3, days)), rng.choice(MCCS))
        sums = found.setdefault(key, [0, 0, 0])
        sums[0] += rng.randrange(1, 5_000_000)
        sums[1] += 1
        sums[2] += rng.randrange(0, 300)
    return [(*k, *v) for k, v in found.items()]  # type: ignore[misc]


def test_online_activity_columns_equal_the_batch_function_on_the_same_buckets() -> None:
    tokens = [f"m{i}" for i in range(12)]
    as_of = date(2024, 5, 20)
    rows = random_buckets(5, tokens, as_of, 700, 900)
    members = [MemberAt(t, as_of - timedelta(days=i % 3), 0) for i, t in enumerate(tokens)]
    windows = windows_from_buckets({m.token: m.as_of for m in members}, rows)
    online = window_columns(
        members, windows, [], category_of=category_of, reward_kind={}, categories=categories()
    )
    frame = pl.DataFrame(
        [(t, d, "USD", m, s, c, p) for t, d, m, s, c, p in rows],
        schema=["token", "day", "currency", "mcc", "spend_units", "txn_count", "points"],
        orient="row",
    )
    for i, member in enumerate(members):
        batch = activity_features(
            frame.filter(pl.col("token") == member.token),
            as_of=member.as_of,
            currency="USD",
            category_of={m: category_of(m) for m in MCCS},
            categories=categories()[:-1],
        ).row(0, named=True)
        for name, value in batch.items():
            if name not in {"token", "points_earned"}:  # the model does not read points_earned
                assert online[name][i] == pytest.approx(value, rel=1e-12, abs=0), name
        lifetime_points = batch["points_earned"] if batch["tenure_days"] is not None else 0
        months = max(1.0, round((batch["tenure_days"] or 0) / 30.4375))
        assert online["points_earned_avg"][i] == pytest.approx(lifetime_points / months, rel=1e-12)


def test_a_member_without_activity_in_the_currency_has_no_activity_features() -> None:
    members = [MemberAt("a", date(2024, 5, 1), 1_200)]
    cols = window_columns(
        members, MemberWindows(), [], category_of=category_of, reward_kind={}, categories=categories()
    )
    assert np.isnan(cols["tenure_days"][0])
    assert np.isnan(cols["share_retail_outlets_30d"][0])
    assert cols["points_balance"][0] == 1_200
    assert cols["points_projected"][0] == 1_200
    assert cols["next_calendar_month"][0] == 6


def test_redemption_columns_count_by_reward_kind_and_months_since_the_last() -> None:
    members = [MemberAt("a", date(2024, 5, 1), 0)]
    totals: list[RedemptionTotal] = [
        ("a", "fly", 2, 10_000, date(2024, 2, 28)),
        ("a", "cash", 1, 1_000, date(2024, 3, 31)),
    ]
    cols = window_columns(
        members,
        MemberWindows(),
        totals,
        category_of=category_of,
        reward_kind={"fly": "travel", "cash": "cashback"},
        categories=categories(),
    )
    assert (cols["redemption_count"][0], cols["points_redeemed_total"][0]) == (3, 11_000)
    assert cols["months_since_redemption"][0] == 2
    assert cols["reward_share_travel"][0] == pytest.approx(2 / 3)
    assert cols["redeemed_cashback"][0] == 1


def test_simulated_members_of_a_later_month_score_by_the_model_with_the_training_reference() -> None:
    version, files = small_model()
    frame = snapshot_features(small_history(), MONTHS - 1)
    rows = matrix(frame, list(version.features))
    tenure = version.reference["tenure_days"]
    old_high = tenure.edges[-1] + RANGE_SLACK * max(tenure.edges[-1] - tenure.edges[0], 1.0)
    # the month scored lies past the training months: a two-sided range check refused every member
    assert "tenure_days" in GROWS_WITH_TIME
    assert (rows[:, version.features.index("tenure_days")] > old_high).mean() > 0.5
    scores = OnlineScorer.from_version(version, files).score_batch(rows)
    by_model = [s for s in scores if not s.fallback]
    assert len(by_model) >= 0.95 * len(scores)
    batch = from_files(files, dict(version.extra), version.features).probability(frame)
    trusted = [i for i, s in enumerate(scores) if not s.fallback]
    assert np.abs(np.array([s.probability for s in by_model]) - batch[trusted]).max() <= 1e-9
    assert all(len(s.top_contributions) == 3 for s in by_model)


def test_batch_contributions_add_up_to_the_raw_margin() -> None:
    version, files = small_model()
    scorer = OnlineScorer.from_version(version, files)
    rows = matrix(snapshot_features(small_history(), MONTHS - 1), list(version.features))[:40]
    booster = from_files(files, dict(version.extra), version.features).booster
    assert scorer._booster is not None
    scorer.score_batch(rows[:1])  # builds the path tables
    assert scorer._paths is not None
    paths = scorer._paths.contributions(rows)
    margin = np.asarray(booster.predict(rows, raw_score=True))
    assert np.abs(paths.sum(axis=1) - margin).max() <= 1e-9
    shap = np.asarray(booster.predict(rows, pred_contrib=True))[:, :-1]
    top_path = np.argmax(np.abs(paths[:, :-1]), axis=1)
    top_shap = np.argsort(-np.abs(shap), axis=1)[:, :3]
    agree = np.mean([p in s for p, s in zip(top_path, top_shap, strict=True)])
    assert agree >= 0.8


class FakeSession:
    """The reads scoring makes, from lists; `add_row` collects the records."""

    def __init__(
        self,
        activity: list[ActivityRow],
        redemptions: list[RedemptionTotal] | None = None,
        events: list[RedemptionEvent] | None = None,
    ) -> None:
        self.activity = activity
        self.redemptions = redemptions or []
        self.events = events or []
        self.saving_reads = 0
        self.rows: list[tuple[str, dict[str, Any]]] = []

    def recent_points(
        self, tokens: Collection[str], *, since: date, until: date, currency: str
    ) -> dict[str, int]:
        assert currency == "USD"
        out: dict[str, int] = {}
        for token, day, *_, points in self.activity:
            if token in tokens and since <= day <= until:
                out[token] = out.get(token, 0) + points
        return out

    def activity_windows(
        self, members: Sequence[tuple[str, date]], *, currency: str, months: bool = False
    ) -> MemberWindows:
        assert currency == "USD"
        windows = windows_from_buckets(dict(members), self.activity)
        if months:
            self.saving_reads += 1
            windows.months = months_from_buckets(dict(members), self.activity)
        return windows

    def redemption_totals(self, tokens: Collection[str]) -> list[RedemptionTotal]:
        return [r for r in self.redemptions if r[0] in tokens]

    def redemption_events(self, tokens: Collection[str]) -> list[RedemptionEvent]:
        self.saving_reads += 1
        return [e for e in self.events if e[0] in tokens]

    def add_row(self, table: str, row: dict[str, Any]) -> None:
        self.rows.append((table, row))


def touched(token: str, day: date, available: int) -> Touched:
    return Touched(
        token, datetime(day.year, day.month, day.day, 12, tzinfo=UTC), "generic", f"txn_{token}", available
    )


def test_without_a_model_each_member_gets_a_flagged_rule_record() -> None:
    end = date(2024, 5, 31)
    session = FakeSession(
        [("a", end, "5411", 1, 1, 600), ("a", end - timedelta(days=120), "5411", 1, 1, 9_000)]
    )
    group = [touched("a", end, 900), touched("b", end, 0)]
    RuleScoring().score_group(session, group, programme=_programme(), at=AT)  # type: ignore[arg-type]
    records = {row["token"]: row for table, row in session.rows if table == "member_scores"}
    a, b = records["a"], records["b"]
    assert (a["source"], a["low_confidence"], a["reasons"], a["explained_by"]) == (
        FALLBACK,
        True,
        [NO_MODEL],
        "rule",
    )
    assert a["contributions"][0]["value"] == 900 + 600 / 3  # the 120-day-old points are outside 90 days
    assert a["probability"] == RULE_AT_STEP
    assert b["probability"] == RULE_BELOW_STEP
    assert (a["source_id"], a["as_of"], a["scored_at"]) == ("txn_a", end, AT)


def test_with_a_model_records_carry_contributions_and_name_the_imputed_feature() -> None:
    version, files = small_model()
    scoring = ModelScoring.from_version(version, files)
    end = date(2024, 5, 31)
    rng = random.Random(3)
    activity = [
        ("a", end - timedelta(days=d), rng.choice(MCCS[:5]), 300_000, 1, 30) for d in range(0, 160, 2)
    ]
    session = FakeSession(activity)
    group = [touched("a", end, 1_500), touched("new", end, 0)]
    scoring.score_group(session, group, programme=_programme(), at=AT)  # type: ignore[arg-type]
    records = {row["token"]: row for _, row in session.rows}
    a, new = records["a"], records["new"]
    assert a["source"] == f"model:propensity/{version.version}", a["reasons"]
    assert a["low_confidence"] is False
    assert a["explained_by"] == "path"
    assert len(a["contributions"]) == 3
    assert set(a["contributions"][0]) == {"feature", "contribution"}
    assert "account_balance_cents" in a["imputed"]  # the core's balance is not in the hot path
    assert new["source"] == FALLBACK  # no transaction at all: the model was never trained on such a row
    assert "tenure_days missing" in new["reasons"]
    assert new["contributions"][0]["feature"] == "points_projected"


def test_a_model_with_saving_features_reads_the_months_and_each_redemption() -> None:
    version, files = small_model()
    scoring = ModelScoring.from_version(version, files)
    assert scoring.saving
    end = date(2024, 6, 30)
    activity: list[ActivityRow] = [
        ("a", end - timedelta(days=d), "5411", 300_000, 1, 300) for d in range(0, 400, 3)
    ]
    events: list[RedemptionEvent] = [("a", date(2024, 1, 31), 2_500), ("a", date(2024, 4, 30), 5_000)]
    session = FakeSession(activity, events=events)
    x = scoring.rows(session, [MemberAt("a", end, 4_000)], _programme())  # type: ignore[arg-type]
    row = dict(zip(scoring.scorer.features, x[0], strict=True))
    assert session.saving_reads == 2
    assert (row["ever_redeemed"], row["last_redemption_points"], row["mean_redemption_points"]) == (
        1,
        5_000,
        3_750,
    )
    assert row["progress_to_last_redemption"] == 4_000 / 5_000
    assert row["redemption_interval_months"] == 3
    assert row["points_since_redemption"] == sum(p for _, day, *_, p in activity if day > date(2024, 4, 30))
    in_twelve_months = sum(p for _, day, *_, p in activity if day >= date(2023, 7, 1))
    assert row["points_earned_12cm_avg"] == in_twelve_months / 12


def test_a_member_new_this_month_has_every_saving_feature_training_always_had() -> None:
    version, files = small_model()
    scoring = ModelScoring.from_version(version, files)
    end = date(2024, 6, 30)
    activity: list[ActivityRow] = [("n", end - timedelta(days=d), "5411", 300_000, 1, 300) for d in range(10)]
    x = scoring.rows(FakeSession(activity), [MemberAt("n", end, 3_000)], _programme())  # type: ignore[arg-type]
    row = dict(zip(scoring.scorer.features, x[0], strict=True))
    always = [name for name in SAVING_FEATURES if version.reference[name].missing == 0]
    assert "points_momentum_ewma" in always
    assert [name for name in always if math.isnan(row[name])] == []
    assert row["points_momentum_ewma"] == 0


def test_a_model_without_saving_features_does_not_read_them() -> None:
    version, _ = small_model()
    scoring = ModelScoring(OnlineScorer.rule_only([f for f in version.features if f not in SAVING_FEATURES]))
    session = FakeSession([("a", date(2024, 6, 30), "5411", 1, 1, 10)])
    scoring.rows(session, [MemberAt("a", date(2024, 6, 30), 0)], _programme())  # type: ignore[arg-type]
    assert not scoring.saving
    assert session.saving_reads == 0


def _programme() -> Any:
    class _P:
        currency = "USD"
        rewards = ()

    return _P()
