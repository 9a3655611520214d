"""Scoring one member in process, per event: a registered version loaded once, one NumPy row per call.

The batch scorer (`scoring.py`) goes through Polars; here a call is a LightGBM `predict` on a single
float row with one thread, an interpolation for the calibration and, when asked, one `pred_contrib` call
for the explanation. A row the model was not trained for (a feature missing that never was, or a value far
outside the training range) is scored by the fallback rule instead and flagged as low confidence.
`score_batch` scores the members of one commit group with one `pred_leaf` call, from which precomputed
tables give the raw log-odds and the path contributions together (`path_contributions.py`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt

from pointflow.intelligence.propensity.metrics import FloatArray
from pointflow.intelligence.propensity.model import MODEL_FILE
from pointflow.intelligence.propensity.path_contributions import PathExplainer
from pointflow.intelligence.propensity.scoring import TOP_FEATURES
from pointflow.intelligence.registry import FeatureReference, ModelVersion
from pointflow.intelligence.serving.rule import FALLBACK, REWARD_TYPES
from pointflow.intelligence.serving.rule import RULE_INPUT as _RULE_INPUT
from pointflow.intelligence.serving.rule import rule_probability as rule_probability
from pointflow.intelligence.serving.saving import EARNING_WINDOWS, SINCE_WINDOW

RANGE_SLACK = 0.5  # a value may stray this share of the training range (at least 1) beyond min or max
SHARE_PREFIXES = ("share_", "reward_share_")
CALENDAR = {"next_calendar_month": (1.0, 12.0)}  # a year of training need not show every month
# 3 × transactions of 30 days / of 90 days: 3 when all are recent (a new member), whatever training saw
# … and the months a balance stood above the goal estimate since the last redemption, within the window
BOUNDED = {"activity_momentum": (0.0, 3.0), "months_over_goal_estimate": (0.0, SINCE_WINDOW - 1.0)}
# Lifetime totals only grow while a member stays: a programme older than the training window has members
# beyond its maximum who are not unusual for that, so only their lower bound is checked.
GROWS_WITH_TIME = frozenset(
    {
        "tenure_days",
        "txn_count",
        "spend_units",
        "points_earned",
        "redemption_count",
        "points_redeemed_total",
        "months_since_redemption",  # a member who stops redeeming keeps counting up
        # … and the saving ratios of a member who keeps earning without redeeming (a non-redeemer)
        *(f"balance_months_{w}m" for w in EARNING_WINDOWS),
        "progress_to_last_redemption",
        "projected_progress_to_last_redemption",
        "progress_to_mean_redemption",
        "redemption_overdue",
        "balance_months_ewma",
        "progress_to_goal_estimate",
        "projected_progress_to_goal_estimate",
        "progress_to_goal_estimate_now",
        *(f"redeemed_{kind}" for kind in REWARD_TYPES),
    }
)
_ACTIVE_DAYS = re.compile(r"^active_days_(\d+)d$")
_NO_MODEL = "no model registered"
_PREDICT: dict[str, Any] = {"num_threads": 1, "predict_disable_shape_check": True}  # rows are ours


@dataclass(frozen=True, slots=True)
class Score:
    """One member's score: calibrated P(redeem next month), where it came from, and why to trust it."""

    probability: float
    source: str  # "model:<name>/<version>" or "fallback-rule"
    low_confidence: bool
    reasons: tuple[str, ...] = ()  # why confidence is low: the features at fault, or no model
    top_contributions: tuple[tuple[str, float], ...] = ()  # (feature, log-odds contribution), if explained
    imputed: tuple[str, ...] = ()  # features the caller could not observe, filled with the training median

    @property
    def fallback(self) -> bool:
        return self.source == FALLBACK


@dataclass(frozen=True, slots=True)
class RangeGuard:
    """Per feature, the training range widened by RANGE_SLACK, and whether training ever saw it missing."""

    names: tuple[str, ...]
    low: FloatArray
    high: FloatArray
    nullable: npt.NDArray[np.bool_]

    @classmethod
    def from_reference(
        cls, features: Sequence[str], reference: Mapping[str, FeatureReference], slack: float = RANGE_SLACK
    ) -> RangeGuard:
        """A feature without a reference (or never present in training) is not checked; one that grows
        with time (GROWS_WITH_TIME) has no upper bound; a share or a calendar month may take any value its
        definition allows."""
        low, high, nullable = [], [], []
        for name in features:
            ref = reference.get(name)
            if ref is None or not ref.edges:
                low.append(-math.inf)
                high.append(math.inf)
                nullable.append(True)
                continue
            pad = slack * max(ref.edges[-1] - ref.edges[0], 1.0)
            bounds = _by_construction(name)
            if bounds is not None:
                low.append(bounds[0])
                high.append(bounds[1])
            else:
                low.append(ref.edges[0] - pad)
                high.append(math.inf if name in GROWS_WITH_TIME else ref.edges[-1] + pad)
            nullable.append(ref.missing > 0)
        return cls(tuple(features), np.array(low), np.array(high), np.array(nullable, dtype=np.bool_))

    def refused(self, rows: FloatArray) -> npt.NDArray[np.bool_]:
        """Per cell (rows × features): missing where training never was, or beyond the widened range."""
        return (
            (np.isnan(rows) & ~self.nullable) | (rows < self.low) | (rows > self.high)
        )  # NaN compares False

    def problems(self, row: FloatArray) -> tuple[str, ...]:
        """The features that make this row untrustworthy, as `name missing` or `name=value out of range`."""
        bad = self.refused(row)
        if not bad.any():
            return ()
        return self.describe(row, bad)

    def describe(self, row: FloatArray, bad: npt.NDArray[np.bool_]) -> tuple[str, ...]:
        return tuple(
            f"{self.names[i]} missing" if math.isnan(row[i]) else f"{self.names[i]}={row[i]:g} out of range"
            for i in np.flatnonzero(bad)
        )


def _by_construction(name: str) -> tuple[float, float] | None:
    """The range a feature takes by definition, whatever training saw: shares, the calendar month, the
    active days of an N-day window (a history shorter than the window in training caps what it saw)."""
    if name.startswith(SHARE_PREFIXES):
        return 0.0, 1.0
    if (days := _ACTIVE_DAYS.match(name)) is not None:
        return 0.0, float(days.group(1))
    return CALENDAR.get(name) or BOUNDED.get(name)


def reference_median(ref: FeatureReference) -> float:
    """The training median, read off the reference: the edge where the bins' cumulative share passes 1/2."""
    if not ref.edges:
        return math.nan
    at = int(np.searchsorted(np.cumsum(ref.shares), 0.5, side="left"))
    return float(ref.edges[min(at, len(ref.edges) - 1)])


class OnlineScorer:
    """Built once from a registered version (or without one); `score` takes rows in `features` order."""

    def __init__(
        self,
        features: Sequence[str],
        *,
        booster: lgb.Booster | None = None,
        knots: tuple[Sequence[float], Sequence[float]] = ((), ()),
        guard: RangeGuard | None = None,
        source: str = FALLBACK,
        fill: Mapping[str, float] | None = None,
    ) -> None:
        self.features = tuple(features)
        self.source = source if booster is not None else FALLBACK
        self._booster = booster
        self._knots = (np.array(knots[0], dtype=np.float64), np.array(knots[1], dtype=np.float64))
        self._guard = guard
        self._rule_at = self.features.index(_RULE_INPUT) if _RULE_INPUT in self.features else None
        # features the caller cannot observe (score_batch only): column index → training median
        self._fill = {self.features.index(n): v for n, v in (fill or {}).items() if n in self.features}
        self._filled = tuple(self.features[j] for j in sorted(self._fill))
        self._paths: PathExplainer | None = None  # built on the first batch

    @classmethod
    def from_version(
        cls, metadata: ModelVersion, files: Mapping[str, str], *, unobserved: Sequence[str] = ()
    ) -> OnlineScorer:
        """The model text into a Booster, the calibration knots and the reference ranges from the metadata.

        `unobserved` names features the caller never has (e.g. the core's account balance in the hot
        path): `score_batch` fills them with the reference median and names them in `Score.imputed`.
        """
        calibration = metadata.extra.get("calibration", {})
        if not isinstance(calibration, dict):
            raise ValueError("metadata extra.calibration is not an object")
        reference = metadata.reference
        return cls(
            metadata.features,
            booster=lgb.Booster(model_str=files[MODEL_FILE]),
            knots=(calibration.get("knots_x", ()), calibration.get("knots_y", ())),
            guard=RangeGuard.from_reference(metadata.features, reference),
            source=f"model:{metadata.name}/{metadata.version}",
            fill={n: reference_median(reference[n]) for n in unobserved if n in reference},
        )

    @classmethod
    def rule_only(cls, features: Sequence[str] = (_RULE_INPUT,)) -> OnlineScorer:
        """No registered model: every score is the flagged rule (rows in `features` order)."""
        return cls(features)

    def row(self, values: Mapping[str, float | int | None]) -> FloatArray:
        """A feature mapping as a row in model order; absent keys and None become NaN (missing)."""
        return np.array([_number(values.get(name)) for name in self.features], dtype=np.float64)

    def score(self, row: FloatArray, *, explain: bool = False) -> Score:
        """Score one member. `explain` adds the top contributions (TreeSHAP: costly, see the model card)."""
        if row.shape != (len(self.features),):  # LightGBM's own shape check is off for speed
            raise ValueError(f"expected {len(self.features)} features in model order, got shape {row.shape}")
        if self._booster is None:
            return self._rule(row, (_NO_MODEL,))
        problems = self._guard.problems(row) if self._guard is not None else ()
        if problems:
            return self._rule(row, problems)
        x = row.reshape(1, -1)
        if not explain:
            raw = float(self._booster.predict(x, **_PREDICT)[0])
            return Score(self._calibrate(raw), self.source, low_confidence=False)
        contributions = self._contributions(self._booster, x)
        raw = 1.0 / (1.0 + math.exp(-float(contributions.sum())))  # the bias is the last column
        return Score(self._calibrate(raw), self.source, False, (), self._top(contributions))

    def score_batch(self, rows: FloatArray) -> list[Score]:
        """Score many members (rows × features in model order) with their top contributions by the
        decision path (`path_contributions`), one `pred_leaf` call; rows the guard refuses go to the rule."""
        if rows.ndim != 2 or rows.shape[1] != len(self.features):
            raise ValueError(
                f"expected rows of {len(self.features)} features in model order, got {rows.shape}"
            )
        if self._booster is None:
            return [self._rule(row, (_NO_MODEL,)) for row in rows]
        rows = rows.copy()
        for j, value in self._fill.items():
            rows[:, j] = value
        bad = self._guard.refused(rows) if self._guard is not None else np.zeros(rows.shape, np.bool_)
        refused = bad.any(axis=1)
        scores: list[Score | None] = [None] * rows.shape[0]
        for i in np.flatnonzero(refused):
            assert self._guard is not None
            scores[i] = self._rule(rows[i], self._guard.describe(rows[i], bad[i]))
        trusted = np.flatnonzero(~refused)
        if trusted.size:
            for i, score in zip(trusted, self._model_scores(rows[trusted]), strict=True):
                scores[i] = score
        return [s for s in scores if s is not None]

    def _model_scores(self, x: FloatArray) -> list[Score]:
        assert self._booster is not None
        if self._paths is None:
            self._paths = PathExplainer(self._booster)
        contributions = self._paths.contributions(x)
        raw = 1.0 / (1.0 + np.exp(-contributions.sum(axis=1)))  # the bias is the last column
        probability = np.interp(raw, *self._knots) if self._knots[0].size else raw
        return [
            Score(float(p), self.source, False, (), self._top(c), self._filled)
            for p, c in zip(probability, contributions, strict=True)
        ]

    def explain(self, row: FloatArray) -> tuple[tuple[str, float], ...]:
        """The top contributions alone, for filling in a decision record after the hot path (see the card)."""
        return self._top(self.contributions(row))

    def contributions(self, row: FloatArray) -> FloatArray:
        """Each feature's contribution to the raw log-odds (LightGBM's TreeSHAP), then the bias."""
        if self._booster is None:
            raise ValueError("no model: the fallback rule has no contributions")
        return self._contributions(self._booster, row.reshape(1, -1))

    @staticmethod
    def _contributions(booster: lgb.Booster, x: FloatArray) -> FloatArray:
        contributions: FloatArray = np.asarray(booster.predict(x, pred_contrib=True, **_PREDICT), np.float64)
        first: FloatArray = contributions[0]
        return first

    def _calibrate(self, raw: float) -> float:
        if not self._knots[0].size:
            return raw
        return float(np.interp(raw, self._knots[0], self._knots[1]))

    def _top(self, contributions: FloatArray) -> tuple[tuple[str, float], ...]:
        by_feature = contributions[: len(self.features)]
        order = np.argsort(-np.abs(by_feature), kind="stable")[:TOP_FEATURES]
        return tuple((self.features[j], float(by_feature[j])) for j in order)

    def _rule(self, row: FloatArray, reasons: tuple[str, ...]) -> Score:
        points = float(row[self._rule_at]) if self._rule_at is not None else math.nan
        return Score(rule_probability(points), FALLBACK, low_confidence=True, reasons=reasons)


def _number(value: float | int | None) -> float:
    return math.nan if value is None else float(value)
