"""Scores of a probability forecast: ranking (AUC, PR-AUC, lift by decile), calibration (Brier, ECE)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from sklearn.metrics import average_precision_score, roc_auc_score

FloatArray = npt.NDArray[np.float64]
ECE_BINS = 10


def expected_calibration_error(y: FloatArray, p: FloatArray, bins: int = ECE_BINS) -> float:
    """Mean |observed rate − mean forecast| over equal-width probability bins, weighted by their rows."""
    index = np.minimum((p * bins).astype(np.int64), bins - 1)
    error = 0.0
    for b in range(bins):
        inside = index == b
        if inside.any():
            error += inside.mean() * abs(float(y[inside].mean()) - float(p[inside].mean()))
    return float(error)


def reliability_bins(y: FloatArray, p: FloatArray, bins: int = ECE_BINS) -> list[dict[str, object]]:
    """The calibration curve behind the ECE: each non-empty equal-width bin's mean forecast, observed
    rate and row count, so a report can draw it without the test rows."""
    index = np.minimum((p * bins).astype(np.int64), bins - 1)
    curve: list[dict[str, object]] = []
    for b in range(bins):
        inside = index == b
        if inside.any():
            curve.append(
                {
                    "low": round(b / bins, 4),
                    "high": round((b + 1) / bins, 4),
                    "predicted": round(float(p[inside].mean()), 4),
                    "observed": round(float(y[inside].mean()), 4),
                    "rows": int(inside.sum()),
                }
            )
    return curve


def lift_by_decile(y: FloatArray, p: FloatArray) -> list[float]:
    """Each decile's positive rate over the overall rate, deciles from the highest scores down."""
    order = np.argsort(-p, kind="stable")
    base = float(y.mean())
    parts = np.array_split(y[order], 10)
    return [round(float(part.mean()) / base, 3) if base > 0 and part.size else 0.0 for part in parts]


def binary_metrics(y: FloatArray, p: FloatArray) -> dict[str, object]:
    """AUC, PR-AUC, Brier, ECE (10 bins) and its reliability bins, lift by decile, base rate, row count."""
    both_classes = 0 < y.sum() < y.size
    return {
        "auc": round(float(roc_auc_score(y, p)), 4) if both_classes else None,
        "pr_auc": round(float(average_precision_score(y, p)), 4) if both_classes else None,
        "brier": round(float(np.mean((p - y) ** 2)), 4),
        "ece": round(expected_calibration_error(y, p), 4),
        "reliability": reliability_bins(y, p),
        "lift_by_decile": lift_by_decile(y, p),
        "base_rate": round(float(y.mean()), 4),
        "rows": int(y.size),
    }
