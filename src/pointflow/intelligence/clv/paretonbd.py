"""The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987; likelihood as in Fader, Hardie & Lee 2005).

While alive a customer buys at Poisson rate λ ~ Gamma(r, α); their lifetime is exponential with rate
μ ~ Gamma(s, β). The likelihood needs ₂F₁, evaluated on whichever of α, β is larger so its argument
stays in [0, 1), and combined in log space.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from pointflow.intelligence.clv.fitting import Optimum, compress, maximise
from pointflow.intelligence.clv.special import ArrayLike, FloatArray, gammaln, hyp2f1
from pointflow.intelligence.clv.summary import Summary

STARTS = ((1.0, 1.0, 1.0, 1.0), (0.5, 10.0, 0.5, 10.0), (0.2, 5.0, 2.0, 20.0))


@dataclass(frozen=True)
class ParetoNbd:
    """Pareto/NBD parameters: purchase rate heterogeneity (r, α) and drop-out rate heterogeneity (s, β)."""

    r: float
    alpha: float
    s: float
    beta: float
    name: ClassVar[str] = "paretonbd"

    def params(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "s": self.s, "beta": self.beta}

    def log_likelihood(self, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
        """Each customer's log-likelihood."""
        return _log_likelihood(self._vector(), x, t_x, T)

    def p_alive(self, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
        """P(still a customer at T | x, t_x, T)."""
        alive, gone = _terms(self._vector(), x, t_x, T)
        return np.exp(alive - np.logaddexp(alive, gone))

    def expected_transactions(
        self, t: ArrayLike, x: FloatArray, t_x: FloatArray, T: FloatArray
    ) -> FloatArray:
        """E[transactions in (T, T + t] | x, t_x, T]."""
        r, alpha, s, beta = self.r, self.alpha, self.s, self.beta
        rate = (r + x) * (beta + T) / (alpha + T)
        return rate * _lifetime_share(s, np.log((beta + T + t) / (beta + T))) * self.p_alive(x, t_x, T)

    def _vector(self) -> FloatArray:
        return np.array([self.r, self.alpha, self.s, self.beta])


def _lifetime_share(s: float, log_ratio: FloatArray) -> FloatArray:
    """(1 − ratio^(1−s)) / (s − 1) with log_ratio = log ratio; its limit log_ratio as s → 1."""
    if abs(s - 1.0) < 1e-9:
        return log_ratio
    return np.asarray(-np.expm1((1.0 - s) * log_ratio) / (s - 1.0), dtype=np.float64)


def _terms(
    params: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """log of the likelihood's two parts without their common factor: alive at T, and gone in (t_x, T]."""
    r, alpha, s, beta = params
    rsx = r + s + x
    larger, b, gap = (alpha, s + 1, alpha - beta) if alpha >= beta else (beta, r + x, beta - alpha)
    at_tx = np.log(hyp2f1(rsx, b, rsx + 1, gap / (larger + t_x))) - rsx * np.log(larger + t_x)
    at_T = np.log(hyp2f1(rsx, b, rsx + 1, gap / (larger + T))) - rsx * np.log(larger + T)
    with np.errstate(divide="ignore"):
        # A customer whose last purchase is at T has no window to have left in: log 0.
        gone = np.log(s / rsx) + at_tx + _log1mexp(np.minimum(at_T - at_tx, 0.0))
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    return alive, gone


def _log1mexp(d: FloatArray) -> FloatArray:
    """log(1 − e^d) for d ≤ 0, accurate at both ends."""
    with np.errstate(divide="ignore", invalid="ignore"):
        near = np.log(-np.expm1(d))
        far = np.log1p(-np.exp(d))
    return np.where(d > -np.log(2.0), near, far)


def _log_likelihood(params: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    r, alpha, s, beta = params
    alive, gone = _terms(params, x, t_x, T)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    return np.asarray(common + np.logaddexp(alive, gone), dtype=np.float64)


def fit(summary: Summary) -> tuple[ParetoNbd, Optimum]:
    """The maximum likelihood Pareto/NBD for the summary."""
    (x, t_x, T), weights = compress(summary.x, summary.t_x, summary.T)
    optimum = maximise(lambda p: _log_likelihood(p, x, t_x, T), weights, STARTS)
    return ParetoNbd(*(float(v) for v in optimum.params)), optimum
