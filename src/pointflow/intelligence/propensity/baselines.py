"""Baselines the model must beat: a redemption-recency rule and a logistic regression on the same features."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from pointflow.intelligence.propensity.metrics import FloatArray

NEVER = -1  # the recency bucket of members who have never redeemed
MAX_RECENCY = 6  # months since the last redemption are capped here


def recency_bucket(frame: pl.DataFrame) -> pl.Series:
    """Months since the last redemption, capped at MAX_RECENCY; NEVER when there is none."""
    months = pl.col("months_since_redemption")
    return frame.select(
        pl.when(months.is_null()).then(NEVER).otherwise(pl.min_horizontal(months, MAX_RECENCY)).alias("b")
    )["b"]


@dataclass(frozen=True, slots=True)
class RecencyRule:
    """P(redeem next month) = the training rate at the same months since the last redemption."""

    rates: dict[int, float]
    overall: float

    @classmethod
    def fit(cls, frame: pl.DataFrame) -> RecencyRule:
        table = (
            frame.with_columns(recency_bucket(frame).alias("b")).group_by("b").agg(pl.col("redeems").mean())
        )
        rates = {int(b): float(r) for b, r in table.iter_rows()}
        return cls(rates, float(frame.select(pl.col("redeems").mean()).item() or 0.0))

    def predict(self, frame: pl.DataFrame) -> FloatArray:
        buckets = recency_bucket(frame).to_list()
        return np.array([self.rates.get(b, self.overall) for b in buckets], dtype=np.float64)


def fit_logistic(x: FloatArray, y: FloatArray) -> Pipeline:
    """Median-imputed, standardised logistic regression."""
    model = make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True),
        StandardScaler(),
        LogisticRegression(max_iter=500),
    )
    return model.fit(x, y)


def predict_logistic(model: Pipeline, x: FloatArray) -> FloatArray:
    return np.asarray(model.predict_proba(x)[:, 1], dtype=np.float64)
