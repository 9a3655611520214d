"""BG/NBD, Pareto/NBD and Gamma-Gamma: likelihoods against independent computations, predictions' shape."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from pointflow.intelligence.clv import BgNbd, GammaGamma, ParetoNbd, bgnbd, gammagamma

BG = BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426)
PARETO = ParetoNbd(r=0.553, alpha=10.578, s=0.606, beta=11.669)
HISTORIES = [(0.0, 0.0, 38.0), (1.0, 2.0, 30.0), (5.0, 29.5, 35.0), (12.0, 38.0, 38.0)]


def arrays(x: float, t_x: float, T: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.array([x]), np.array([t_x]), np.array([T])


def bgnbd_likelihood_by_hand(m: BgNbd, x: float, t_x: float, T: float) -> float:
    """Equation (6) of Fader, Hardie & Lee (2005), in plain arithmetic."""

    def beta(a: float, b: float) -> float:
        return math.exp(math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))

    rate = math.gamma(m.r + x) * m.alpha**m.r / math.gamma(m.r)
    alive = beta(m.a, m.b + x) / beta(m.a, m.b) * rate / (m.alpha + T) ** (m.r + x)
    gone = beta(m.a + 1, m.b + x - 1) / beta(m.a, m.b) * rate / (m.alpha + t_x) ** (m.r + x) if x else 0.0
    return alive + gone


@pytest.mark.parametrize(("x", "t_x", "T"), HISTORIES)
def test_the_bgnbd_likelihood_is_the_papers_formula(x: float, t_x: float, T: float) -> None:
    ours = BG.log_likelihood(*arrays(x, t_x, T))[0]
    assert ours == pytest.approx(math.log(bgnbd_likelihood_by_hand(BG, x, t_x, T)), rel=1e-12)


def pareto_likelihood_by_integration(m: ParetoNbd, x: float, t_x: float, T: float) -> float:
    """The likelihood without ₂F₁: leaving at τ ∈ (t_x, T] separates λ from μ, leaving one integral over τ."""
    scale = math.exp(math.lgamma(m.r + x) - math.lgamma(m.r)) * m.alpha**m.r * m.beta**m.s
    stays = (m.alpha + T) ** -(m.r + x) * (m.beta + T) ** -m.s
    leaves, _ = integrate.quad(
        lambda tau: (m.alpha + tau) ** -(m.r + x) * (m.beta + tau) ** -(m.s + 1), t_x, T, epsrel=1e-12
    )
    return scale * (stays + m.s * leaves)


@pytest.mark.parametrize(
    "model",
    [ParetoNbd(r=0.55, alpha=6.0, s=0.6, beta=9.0), ParetoNbd(r=0.55, alpha=9.0, s=0.6, beta=6.0)],
    ids=["alpha<beta", "alpha>beta"],
)
@pytest.mark.parametrize(("x", "t_x", "T"), [(0.0, 0.0, 10.0), (2.0, 3.0, 8.0), (7.0, 30.0, 39.0)])
def test_the_pareto_likelihood_is_the_integral_over_customers(
    model: ParetoNbd, x: float, t_x: float, T: float
) -> None:
    ours = math.exp(model.log_likelihood(*arrays(x, t_x, T))[0])
    assert ours == pytest.approx(pareto_likelihood_by_integration(model, x, t_x, T), rel=1e-9)


@pytest.mark.parametrize(("x", "t_x", "T"), HISTORIES)
def test_the_pareto_likelihood_is_continuous_where_alpha_meets_beta(x: float, t_x: float, T: float) -> None:
    below = ParetoNbd(r=0.5, alpha=10.0 * (1 - 1e-9), s=0.6, beta=10.0).log_likelihood(*arrays(x, t_x, T))
    above = ParetoNbd(r=0.5, alpha=10.0 * (1 + 1e-9), s=0.6, beta=10.0).log_likelihood(*arrays(x, t_x, T))
    assert below[0] == pytest.approx(above[0], abs=1e-6)


def test_a_last_purchase_at_the_end_leaves_no_time_to_have_left() -> None:
    x, t_x, T = arrays(3.0, 20.0, 20.0)
    assert PARETO.p_alive(x, t_x, T)[0] == pytest.approx(1.0)
    assert np.isfinite(PARETO.log_likelihood(x, t_x, T)[0])


def test_without_a_repeat_purchase_a_bgnbd_customer_is_alive() -> None:
    assert BG.p_alive(*arrays(0.0, 0.0, 30.0))[0] == 1.0


def test_a_bgnbd_customer_with_no_history_expects_what_a_new_one_does() -> None:
    t = np.array([1.0, 10.0, 52.0])
    zero = np.zeros(3)
    np.testing.assert_allclose(BG.expected_transactions(t, zero, zero, zero), BG.expected_transactions_new(t))


@pytest.mark.parametrize("model", [BG, PARETO], ids=["bgnbd", "paretonbd"])
def test_expected_transactions_start_at_zero_and_grow(model: BgNbd | ParetoNbd) -> None:
    x, t_x, T = (np.full(4, v) for v in (4.0, 20.0, 30.0))
    expected = model.expected_transactions(np.array([0.0, 1.0, 10.0, 100.0]), x, t_x, T)
    assert expected[0] == pytest.approx(0.0, abs=1e-12)
    assert np.all(np.diff(expected) > 0)


def test_a_pareto_drop_out_shape_of_one_has_its_limit() -> None:
    x, t_x, T = arrays(2.0, 10.0, 30.0)
    at_one = ParetoNbd(r=0.5, alpha=10.0, s=1.0, beta=10.0).expected_transactions(20.0, x, t_x, T)
    near_one = ParetoNbd(r=0.5, alpha=10.0, s=1.0 + 1e-7, beta=10.0).expected_transactions(20.0, x, t_x, T)
    assert at_one[0] == pytest.approx(near_one[0], rel=1e-5)


@settings(max_examples=100, deadline=None)
@given(
    params=st.tuples(*[st.floats(0.05, 50.0)] * 4),
    x=st.integers(0, 40),
    shares=st.tuples(st.floats(0.0, 1.0), st.floats(0.1, 100.0)),
)
def test_likelihoods_are_finite_and_p_alive_a_probability(
    params: tuple[float, float, float, float], x: int, shares: tuple[float, float]
) -> None:
    T = shares[1]
    history = arrays(float(x), shares[0] * T if x else 0.0, T)
    for model in (BgNbd(*params), ParetoNbd(*params)):
        assert np.isfinite(model.log_likelihood(*history)).all()
        p_alive = model.p_alive(*history)[0]
        assert 0.0 <= p_alive <= 1.0 + 1e-12


def test_the_gamma_gamma_density_of_mean_spend_integrates_to_one() -> None:
    model = GammaGamma(p=6.25, q=3.74, gamma=15.44)
    for x in (1.0, 4.0):
        total, _ = integrate.quad(
            lambda m, x=x: math.exp(model.log_likelihood(np.array([x]), np.array([m]))[0]), 0, np.inf
        )
        assert total == pytest.approx(1.0, rel=1e-7)


def test_expected_spend_moves_from_the_population_mean_towards_the_customers() -> None:
    model = GammaGamma(p=6.25, q=3.74, gamma=15.44)
    population = model.p * model.gamma / (model.q - 1)
    spend = model.expected_spend(np.array([0.0, 1.0, 10.0, 1000.0]), np.full(4, 100.0))
    assert spend[0] == pytest.approx(population)
    assert np.all(np.diff(spend) > 0)
    assert spend[-1] == pytest.approx(100.0, rel=0.01)


def central_differences(f: Callable[[np.ndarray], np.ndarray], params: np.ndarray) -> np.ndarray:
    steps = 1e-6 * params
    columns = []
    for i, step in enumerate(steps):
        up, down = params.copy(), params.copy()
        up[i] += step
        down[i] -= step
        columns.append((f(up) - f(down)) / (2 * step))
    return np.column_stack(columns)


def test_the_bgnbd_gradient_is_the_likelihoods_slope() -> None:
    x, t_x, T = (np.array(column) for column in zip(*HISTORIES, strict=True))
    params = np.array([BG.r, BG.alpha, BG.a, BG.b])
    numeric = central_differences(lambda p: bgnbd._log_likelihood(p, x, t_x, T), params)
    np.testing.assert_allclose(bgnbd._gradient(params, x, t_x, T), numeric, rtol=1e-6, atol=1e-8)


def test_the_gamma_gamma_gradient_is_the_likelihoods_slope() -> None:
    x, m = np.array([1.0, 3.0, 12.0]), np.array([9.5, 40.0, 15.0])
    params = np.array([6.25, 3.74, 15.44])
    numeric = central_differences(lambda p: gammagamma._log_likelihood(p, x, m), params)
    np.testing.assert_allclose(gammagamma._gradient(params, x, m), numeric, rtol=1e-6, atol=1e-8)
