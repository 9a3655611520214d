"""The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves").

A customer's transaction values are Gamma(p, ν) around their own mean p/ν, with ν ~ Gamma(q, γ) across
customers. Fitted to the x ≥ 1 customers' number of repeat transactions and mean spend per repeat transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from pointflow.intelligence.clv.fitting import Optimum, compress, maximise
from pointflow.intelligence.clv.special import FloatArray, digamma, gammaln
from pointflow.intelligence.clv.summary import Summary

STARTS = ((1.0, 1.0, 1.0), (5.0, 3.0, 10.0), (2.0, 2.0, 50.0))


@dataclass(frozen=True)
class GammaGamma:
    """Gamma-Gamma parameters: shape p of a customer's spend, and the Gamma(q, γ) of its scale."""

    p: float
    q: float
    gamma: float
    name: ClassVar[str] = "gammagamma"

    def params(self) -> dict[str, float]:
        return {"p": self.p, "q": self.q, "gamma": self.gamma}

    def log_likelihood(self, x: FloatArray, mean_spend: FloatArray) -> FloatArray:
        """Each customer's log-likelihood of their mean spend, given x ≥ 1 transactions."""
        return _log_likelihood(np.array([self.p, self.q, self.gamma]), x, mean_spend)

    def expected_spend(self, x: FloatArray, mean_spend: FloatArray) -> FloatArray:
        """E[spend per transaction | x, mean spend]: between the population's mean and the customer's."""
        p, q, gamma = self.p, self.q, self.gamma
        return np.asarray(p * (gamma + x * mean_spend) / (p * x + q - 1), dtype=np.float64)


def _log_likelihood(params: FloatArray, x: FloatArray, m: FloatArray) -> FloatArray:
    p, q, gamma = params
    px = p * x
    return np.asarray(
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(gamma + m * x),
        dtype=np.float64,
    )


def _gradient(params: FloatArray, x: FloatArray, m: FloatArray) -> FloatArray:
    """Each customer's gradient of `_log_likelihood` in (p, q, γ), a row per customer."""
    p, q, gamma = params
    px = p * x
    d_p = x * (digamma(px + q) - digamma(px) + np.log(m) + np.log(x) - np.log(gamma + m * x))
    d_q = digamma(px + q) - digamma(q) + np.log(gamma) - np.log(gamma + m * x)
    d_gamma = q / gamma - (px + q) / (gamma + m * x)
    return np.column_stack([d_p, d_q, d_gamma])


def spenders(summary: Summary) -> Summary:
    """The customers the model describes: a repeat transaction, and a positive mean spend on them."""
    repeaters = summary.repeaters()
    return repeaters.select(repeaters.monetary > 0)


def fit(summary: Summary) -> tuple[GammaGamma, Optimum]:
    """The maximum likelihood Gamma-Gamma for the summary's `spenders`."""
    fitted_to = spenders(summary)
    (x, m), weights = compress(fitted_to.x, fitted_to.monetary)
    optimum = maximise(
        lambda p: _log_likelihood(p, x, m), weights, STARTS, gradient=lambda p: _gradient(p, x, m)
    )
    return GammaGamma(*(float(v) for v in optimum.params)), optimum
