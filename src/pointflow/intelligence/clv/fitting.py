"""Maximum likelihood for the models: log-parameters, several starts, alike customers counted once."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pointflow.intelligence.clv.special import FloatArray, minimise

# exp(±12) spans every parameter a purchase model of weeks or dollars has use for, and keeps exp() finite.
LOG_BOUND = 12.0
# Tight enough to reach the precision papers print their estimates to along the likelihoods' flat ridges.
FTOL = 1e-13
# What the optimiser sees where the likelihood is undefined: large, finite, so the line search backs off.
UNDEFINED = 1e20


@dataclass(frozen=True)
class Optimum:
    """The best of several local maximisations of a log-likelihood."""

    params: FloatArray
    log_likelihood: float
    converged: bool
    starts: int
    seconds: float


def compress(*columns: FloatArray) -> tuple[list[FloatArray], FloatArray]:
    """The distinct rows of the columns and how often each occurs: customers who look alike are one term."""
    table = np.column_stack(columns)
    rows, counts = np.unique(table, axis=0, return_counts=True)
    return [rows[:, i].copy() for i in range(rows.shape[1])], counts.astype(np.float64)


def maximise(
    log_likelihood: Callable[[FloatArray], FloatArray],
    weights: FloatArray,
    starts: Sequence[Sequence[float]],
    gradient: Callable[[FloatArray], FloatArray] | None = None,
) -> Optimum:
    """Maximise Σ weights · log_likelihood(params) over positive params, searching in log space.

    `gradient(params)`, if given, is each customer's gradient of their log-likelihood (a row per customer).
    """
    began = time.perf_counter()
    # Per customer, not summed: gradients of a few units rather than thousands keep L-BFGS-B's first
    # steps sane from every start (summed, starts away from the optimum stopped after one step).
    customers = float(weights.sum())

    def objective(log_params: FloatArray) -> float:
        # Far from the optimum the special functions overflow; that point is simply not a candidate.
        with np.errstate(all="ignore"):
            total = float(np.dot(weights, log_likelihood(np.exp(log_params))))
        return -total / customers if np.isfinite(total) else UNDEFINED

    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(starts[0])
    jac = None if gradient is None else _log_space_slope(gradient, weights / customers)
    minima = [
        minimise(objective, np.log(np.asarray(s, dtype=np.float64)), bounds, ftol=FTOL, gradient=jac)
        for s in starts
    ]
    best = min(minima, key=lambda m: m.value)
    return Optimum(
        params=np.exp(best.x),
        log_likelihood=-best.value * customers,
        converged=best.converged and best.value < UNDEFINED,
        starts=len(starts),
        seconds=time.perf_counter() - began,
    )


def _log_space_slope(
    gradient: Callable[[FloatArray], FloatArray], weights: FloatArray
) -> Callable[[FloatArray], FloatArray]:
    """The objective's gradient in log-parameters from the customers' gradients in the parameters."""

    def slope(log_params: FloatArray) -> FloatArray:
        params = np.exp(log_params)
        with np.errstate(all="ignore"):
            total = weights @ gradient(params)
        # d/d log θ = θ · d/dθ, and the objective is the negated log-likelihood.
        return np.asarray(np.nan_to_num(-params * total), dtype=np.float64)

    return slope
