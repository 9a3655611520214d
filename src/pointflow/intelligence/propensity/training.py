"""Time-based training and evaluation: earlier snapshots train, later validate and calibrate, last test."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import polars as pl
from sklearn.metrics import log_loss

from pointflow.intelligence.propensity.baselines import RecencyRule, fit_logistic, predict_logistic
from pointflow.intelligence.propensity.calibration import fit_isotonic
from pointflow.intelligence.propensity.dataset import REWARD_TYPES, feature_columns
from pointflow.intelligence.propensity.metrics import FloatArray, binary_metrics
from pointflow.intelligence.propensity.model import (
    BINARY_PARAMS,
    REWARD_PARAMS,
    PropensityModel,
    fit_booster,
    matrix,
)


@dataclass(frozen=True, slots=True)
class TimeSplit:
    """Snapshot months for training, validation (early stopping, calibration) and test, in time order."""

    train: tuple[int, ...]
    validation: tuple[int, ...]
    test: tuple[int, ...]


def time_split(snapshots: Sequence[int], *, test: int = 3, validation: int = 2) -> TimeSplit:
    """The last `test` snapshots test, the `validation` before them validate, the rest train."""
    ordered = sorted(set(snapshots))
    if len(ordered) < test + validation + 1:
        raise ValueError(f"need at least {test + validation + 1} snapshots, got {len(ordered)}")
    cut = len(ordered) - test - validation
    return TimeSplit(
        tuple(ordered[:cut]), tuple(ordered[cut : cut + validation]), tuple(ordered[cut + validation :])
    )


@dataclass(frozen=True)
class TrainingResult:
    model: PropensityModel
    metrics: dict[str, object]
    split: TimeSplit


def _part(frame: pl.DataFrame, months: tuple[int, ...]) -> pl.DataFrame:
    return frame.filter(pl.col("snapshot").is_in(months))


def _y(frame: pl.DataFrame) -> FloatArray:
    return frame["redeems"].cast(pl.Float64).to_numpy()


def train_propensity(
    dataset: pl.DataFrame, *, seed: int = 7, split: TimeSplit | None = None
) -> TrainingResult:
    """Train the calibrated classifier, the reward-type classifier and the baselines; measure on test."""
    split = split or time_split(dataset["snapshot"].unique().to_list())
    features = feature_columns(dataset)
    train, valid, test = (_part(dataset, m) for m in (split.train, split.validation, split.test))
    xs = {name: matrix(part, features) for name, part in (("train", train), ("valid", valid), ("test", test))}
    booster = fit_booster(BINARY_PARAMS, (xs["train"], _y(train)), (xs["valid"], _y(valid)), seed)
    raw_valid = np.asarray(booster.predict(xs["valid"]), dtype=np.float64)
    model = PropensityModel(booster, fit_isotonic(_y(valid), raw_valid), None, tuple(features))
    reward_booster, reward_metrics = _train_reward(train, valid, test, features, seed)
    model = PropensityModel(model.booster, model.calibrator, reward_booster, model.features)
    metrics = {
        "test": _binary_report(model, train, test, xs),
        "reward_type": reward_metrics,
        "best_iteration": booster.best_iteration,
        "split": {"train": list(split.train), "validation": list(split.validation), "test": list(split.test)},
        "rows": {"train": train.height, "validation": valid.height, "test": test.height},
    }
    return TrainingResult(model, metrics, split)


def _binary_report(
    model: PropensityModel, train: pl.DataFrame, test: pl.DataFrame, xs: dict[str, FloatArray]
) -> dict[str, object]:
    y_test = _y(test)
    raw = np.asarray(model.booster.predict(xs["test"]), dtype=np.float64)
    logistic = fit_logistic(xs["train"], _y(train))
    return {
        "lightgbm_calibrated": binary_metrics(y_test, model.calibrator.apply(raw)),
        "lightgbm_raw": binary_metrics(y_test, raw),
        "logistic_regression": binary_metrics(y_test, predict_logistic(logistic, xs["test"])),
        "recency_rule": binary_metrics(y_test, RecencyRule.fit(train).predict(test)),
    }


def _redeemers(frame: pl.DataFrame) -> tuple[pl.DataFrame, FloatArray]:
    rows = frame.filter(pl.col("redeems") == 1, pl.col("reward_label").is_not_null())
    codes = rows["reward_label"].cast(pl.String).replace_strict({k: i for i, k in enumerate(REWARD_TYPES)})
    return rows, codes.cast(pl.Float64).to_numpy()


def _train_reward(
    train: pl.DataFrame, valid: pl.DataFrame, test: pl.DataFrame, features: list[str], seed: int
) -> tuple[lgb.Booster | None, dict[str, object]]:
    (tr, y_tr), (va, y_va), (te, y_te) = _redeemers(train), _redeemers(valid), _redeemers(test)
    if min(tr.height, va.height, te.height) == 0 or len(set(y_tr.tolist())) < len(REWARD_TYPES):
        return None, {"skipped": "too few redeemers of every reward type"}
    booster = fit_booster(REWARD_PARAMS, (matrix(tr, features), y_tr), (matrix(va, features), y_va), seed)
    proba = np.asarray(booster.predict(matrix(te, features)), dtype=np.float64).reshape(te.height, -1)
    baseline = _past_favourite(te, _majority(y_tr))
    return booster, {
        "accuracy": round(float((proba.argmax(axis=1) == y_te).mean()), 4),
        "log_loss": round(float(log_loss(y_te, proba, labels=list(range(len(REWARD_TYPES))))), 4),
        "baseline_past_favourite_accuracy": round(float((baseline == y_te).mean()), 4),
        "rows": te.height,
    }


def _majority(codes: FloatArray) -> int:
    return int(np.bincount(codes.astype(np.int64), minlength=len(REWARD_TYPES)).argmax())


def _past_favourite(frame: pl.DataFrame, fallback: int) -> FloatArray:
    """The type a member has redeemed most often so far (ties: REWARD_TYPES order), else `fallback`."""
    counts = frame.select([f"redeemed_{k}" for k in REWARD_TYPES]).to_numpy()
    return np.where(counts.sum(axis=1) > 0, counts.argmax(axis=1), fallback).astype(np.float64)
