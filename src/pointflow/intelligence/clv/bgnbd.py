"""The BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

While alive a customer buys at Poisson rate λ ~ Gamma(r, α); after each purchase they drop out with
probability p ~ Beta(a, b). Fitted to (x, t_x, T) by maximum likelihood.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from pointflow.intelligence.clv.fitting import Optimum, compress, maximise
from pointflow.intelligence.clv.special import ArrayLike, FloatArray, betaln, digamma, gammaln, hyp2f1
from pointflow.intelligence.clv.summary import Summary

STARTS = ((1.0, 1.0, 1.0, 1.0), (0.5, 5.0, 0.5, 2.0), (0.2, 10.0, 2.0, 5.0))


@dataclass(frozen=True)
class BgNbd:
    """BG/NBD parameters: purchase rate heterogeneity (r, α) and drop-out heterogeneity (a, b)."""

    r: float
    alpha: float
    a: float
    b: float
    name: ClassVar[str] = "bgnbd"

    def params(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}

    def log_likelihood(self, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
        """Each customer's log-likelihood."""
        return _log_likelihood(np.array([self.r, self.alpha, self.a, self.b]), x, t_x, T)

    def p_alive(self, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
        """P(still a customer at T | x, t_x, T); 1 for anyone without a repeat purchase."""
        return 1.0 / (1.0 + self._drop_odds(x, t_x, T))

    def expected_transactions(
        self, t: ArrayLike, x: FloatArray, t_x: FloatArray, T: FloatArray
    ) -> FloatArray:
        """E[transactions in (T, T + t] | x, t_x, T]."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        horizon = (alpha + T) / (alpha + T + t)
        tail = horizon ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
        return (a + b + x - 1) / (a - 1) * (1 - tail) / (1.0 + self._drop_odds(x, t_x, T))

    def expected_transactions_new(self, t: ArrayLike) -> FloatArray:
        """E[transactions in (0, t]] for a customer just acquired."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        z = np.asarray(t, dtype=np.float64) / (alpha + t)
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))

    def _drop_odds(self, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
        odds = (
            self.a / (self.b + np.maximum(x, 1) - 1) * ((self.alpha + T) / (self.alpha + t_x)) ** (self.r + x)
        )
        return np.where(x > 0, odds, 0.0)


def _log_likelihood(params: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    r, alpha, a, b = params
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
    alive = -(r + x) * np.log(alpha + T)
    # b + x - 1 is only used where x ≥ 1; max(x, 1) keeps the log defined elsewhere.
    gone = np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + t_x)
    return np.asarray(common + np.logaddexp(alive, np.where(x > 0, gone, -np.inf)), dtype=np.float64)


def _gradient(params: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    """Each customer's gradient of `_log_likelihood` in (r, α, a, b), a row per customer."""
    r, alpha, a, b = params
    alive = -(r + x) * np.log(alpha + T)
    gone = np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + t_x)
    # The share of the likelihood in the "gone after the last purchase" branch.
    share = np.where(x > 0, 1.0 / (1.0 + np.exp(alive - gone)), 0.0)
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - (1 - share) * np.log(alpha + T)
    d_r -= share * np.log(alpha + t_x)
    d_alpha = r / alpha - (r + x) * ((1 - share) / (alpha + T) + share / (alpha + t_x))
    d_a = digamma(a + b) - digamma(a + b + x) + share / a
    d_b = digamma(b + x) - digamma(b) + digamma(a + b) - digamma(a + b + x)
    d_b -= share / (b + np.maximum(x, 1) - 1)
    return np.column_stack([d_r, d_alpha, d_a, d_b])


def fit(summary: Summary) -> tuple[BgNbd, Optimum]:
    """The maximum likelihood BG/NBD for the summary."""
    (x, t_x, T), weights = compress(summary.x, summary.t_x, summary.T)
    optimum = maximise(
        lambda p: _log_likelihood(p, x, t_x, T), weights, STARTS, gradient=lambda p: _gradient(p, x, t_x, T)
    )
    return BgNbd(*(float(v) for v in optimum.params)), optimum
