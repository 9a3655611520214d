"""Maximum likelihood finds the parameters that generated simulated customers, and says when it cannot."""

from __future__ import annotations

import numpy as np
import pytest

from pointflow.intelligence.clv import Summary, bgnbd, gammagamma, paretonbd
from pointflow.intelligence.clv.fitting import maximise

CUSTOMERS = 3000
rng_seed = 20050101


def histories(purchase_times: list[np.ndarray], T: np.ndarray) -> Summary:
    """The summary of customers whose repeat purchases fell at the given times (days, like real logs)."""
    t = [np.round(p[p <= end] * 7) / 7 for p, end in zip(purchase_times, T, strict=True)]
    x = np.array([len(p) for p in t], dtype=np.float64)
    t_x = np.array([p[-1] if len(p) else 0.0 for p in t])
    ids = [str(i) for i in range(len(T))]
    return Summary(ids, x, t_x, T, np.zeros_like(T))


def simulate_bgnbd(r: float, alpha: float, a: float, b: float) -> Summary:
    rng = np.random.default_rng(rng_seed)
    T = np.round(rng.uniform(27, 39, CUSTOMERS) * 7) / 7
    rates, drops = rng.gamma(r, 1 / alpha, CUSTOMERS), rng.beta(a, b, CUSTOMERS)
    times = []
    for rate, drop, end in zip(rates, drops, T, strict=True):
        now, bought = 0.0, []
        while True:
            now += rng.exponential(1 / rate)
            if now > end:
                break
            bought.append(now)
            if rng.random() < drop:
                break
        times.append(np.array(bought))
    return histories(times, T)


def simulate_paretonbd(r: float, alpha: float, s: float, beta: float) -> Summary:
    rng = np.random.default_rng(rng_seed)
    T = np.round(rng.uniform(27, 39, CUSTOMERS) * 7) / 7
    rates, lifetimes = (
        rng.gamma(r, 1 / alpha, CUSTOMERS),
        rng.exponential(1 / rng.gamma(s, 1 / beta, CUSTOMERS)),
    )
    times = []
    for rate, life, end in zip(rates, lifetimes, T, strict=True):
        gaps = rng.exponential(1 / rate, size=int(rate * min(life, end) * 3 + 20))
        bought = np.cumsum(gaps)
        times.append(bought[bought <= min(life, end)])
    return histories(times, T)


def test_bgnbd_recovers_the_parameters_of_simulated_customers() -> None:
    truth = {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 2.5}
    model, optimum = bgnbd.fit(simulate_bgnbd(**truth))
    assert optimum.converged
    for name, value in truth.items():
        assert model.params()[name] == pytest.approx(value, rel=0.3), name


def test_paretonbd_recovers_the_parameters_of_simulated_customers() -> None:
    truth = {"r": 0.8, "alpha": 8.0, "s": 0.7, "beta": 12.0}
    model, optimum = paretonbd.fit(simulate_paretonbd(**truth))
    assert optimum.converged
    assert model.params()["r"] / model.params()["alpha"] == pytest.approx(0.1, rel=0.1)
    for name, value in truth.items():
        assert model.params()[name] == pytest.approx(value, rel=0.25), name


def test_gamma_gamma_recovers_the_parameters_of_simulated_spend() -> None:
    rng = np.random.default_rng(rng_seed)
    p, q, gamma = 6.0, 4.0, 15.0
    x = rng.integers(1, 10, CUSTOMERS).astype(np.float64)
    nu = rng.gamma(q, 1 / gamma, CUSTOMERS)
    mean_spend = np.array([rng.gamma(p, 1 / v, int(n)).mean() for v, n in zip(nu, x, strict=True)])
    summary = Summary([str(i) for i in range(CUSTOMERS)], x, x, x + 1, mean_spend)
    model, optimum = gammagamma.fit(summary)
    assert optimum.converged
    assert model.params() == pytest.approx({"p": p, "q": q, "gamma": gamma}, rel=0.15)


def test_a_likelihood_defined_nowhere_is_not_a_converged_fit() -> None:
    optimum = maximise(lambda params: np.full(2, np.nan), np.ones(2), [(1.0, 1.0)])
    assert not optimum.converged


def test_the_best_of_several_starts_is_kept() -> None:
    # Two bumps in log space: the higher one is only reached from the second start.
    def bumps(params: np.ndarray) -> np.ndarray:
        z = np.log(params[0])
        return np.array([np.exp(-((z + 3) ** 2)) + 2 * np.exp(-((z - 3) ** 2))])

    optimum = maximise(bumps, np.ones(1), [(np.exp(-3.0),), (np.exp(3.0),)])
    assert optimum.params[0] == pytest.approx(np.exp(3.0), rel=1e-3)
    assert optimum.starts == 2
