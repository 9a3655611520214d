"""A simulator with ground truth: members with latent factors, their transactions, balances,
redemptions and churn, generated with NumPy so a model can be scored against what really drove them."""

from pointflow.sim.truth.simulate import DEFAULT_START, Simulation, simulate

__all__ = ["DEFAULT_START", "Simulation", "simulate"]
