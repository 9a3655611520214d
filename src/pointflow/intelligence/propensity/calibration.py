"""Isotonic calibration kept as a piecewise-linear map, saved as JSON, applied without sklearn."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.isotonic import IsotonicRegression

from pointflow.intelligence.propensity.metrics import FloatArray


@dataclass(frozen=True, slots=True)
class Calibrator:
    """Raw score → calibrated probability by interpolation between fitted knots (identity if none)."""

    knots_x: tuple[float, ...] = ()
    knots_y: tuple[float, ...] = ()

    def apply(self, raw: FloatArray) -> FloatArray:
        if not self.knots_x:
            return raw
        return np.asarray(np.interp(raw, np.array(self.knots_x), np.array(self.knots_y)), dtype=np.float64)

    def to_json(self) -> dict[str, list[float]]:
        return {"knots_x": list(self.knots_x), "knots_y": list(self.knots_y)}

    @classmethod
    def from_json(cls, data: dict[str, list[float]]) -> Calibrator:
        return cls(tuple(data["knots_x"]), tuple(data["knots_y"]))


def fit_isotonic(y: FloatArray, raw: FloatArray) -> Calibrator:
    """Fit a monotone map from raw scores to observed rates on a held-out slice."""
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, y)
    xs = np.asarray(iso.X_thresholds_, dtype=np.float64)
    ys = np.asarray(iso.y_thresholds_, dtype=np.float64)
    return Calibrator(tuple(round(float(x), 8) for x in xs), tuple(round(float(v), 8) for v in ys))
