"""Typed doors to the SciPy functions the models use, so the untyped import lives in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize, special

FloatArray = npt.NDArray[np.float64]
ArrayLike = FloatArray | float


def gammaln(x: ArrayLike) -> FloatArray:
    """log Γ(x)."""
    return np.asarray(special.gammaln(x), dtype=np.float64)


def digamma(x: ArrayLike) -> FloatArray:
    """ψ(x) = d log Γ(x) / dx."""
    return np.asarray(special.digamma(x), dtype=np.float64)


def betaln(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """log B(a, b)."""
    return np.asarray(special.betaln(a, b), dtype=np.float64)


def hyp2f1(a: ArrayLike, b: ArrayLike, c: ArrayLike, z: ArrayLike) -> FloatArray:
    """The Gauss hypergeometric function ₂F₁(a, b; c; z)."""
    return np.asarray(special.hyp2f1(a, b, c, z), dtype=np.float64)


@dataclass(frozen=True)
class Minimum:
    """Where one local minimisation stopped."""

    x: FloatArray
    value: float
    converged: bool


def minimise(
    objective: Callable[[FloatArray], float],
    start: FloatArray,
    bounds: list[tuple[float, float]],
    *,
    ftol: float,
    gradient: Callable[[FloatArray], FloatArray] | None = None,
) -> Minimum:
    """L-BFGS-B from `start`, stopping when a step improves the objective by less than `ftol` (relative).

    Without a `gradient`, SciPy differences the objective.
    """
    result: Any = optimize.minimize(
        objective,
        start,
        jac=gradient,
        method="L-BFGS-B",
        bounds=bounds,
        options={"ftol": ftol, "gtol": 1e-9, "maxiter": 5000},
    )
    return Minimum(
        x=np.asarray(result.x, dtype=np.float64), value=float(result.fun), converged=bool(result.success)
    )
