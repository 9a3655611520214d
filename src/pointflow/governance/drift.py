"""Drift against a model's training reference: PSI and a binned KS per feature or score, and the verdict.

The reference (`intelligence.registry.FeatureReference`) keeps quantile edges, each bin's share of the
present values and the share missing. Current values are counted into the same bins, plus an overflow bin
above the last edge and a missing bin, so a check streams: counts add up chunk by chunk and the statistics
come from the totals. Formulas in docs/governance.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
# An empty bin on one side would make ln(a/e) infinite; both sides are floored at this share instead.
PSI_FLOOR = 1e-4
# KS is reported only for a feature whose reference has at least this many distinct edges: a feature of a
# few values (a count that is mostly 0, a month number) has no continuous CDF for KS to speak of.
KS_MIN_EDGES = 6


class DriftStatus(StrEnum):
    OK = "ok"
    ALERT = "alert"
    FALLBACK = "fallback"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """PSI at or past `alert` raises an alert; at or past `fallback` switches scoring to the rule."""

    alert: float = 0.1
    fallback: float = 0.25

    def status(self, psi: float) -> DriftStatus:
        if psi >= self.fallback:
            return DriftStatus.FALLBACK
        return DriftStatus.ALERT if psi >= self.alert else DriftStatus.OK


def reference_vector(shares: Sequence[float], missing: float) -> Floats:
    """The reference as shares of all values: each bin, then overflow (none in training), then missing."""
    present = 1.0 - missing
    return np.array([*(s * present for s in shares), 0.0, missing], dtype=np.float64)


def bin_counts(values: Floats, edges: Sequence[float]) -> npt.NDArray[np.int64]:
    """Counts per reference bin (bin i holds (edges[i-1], edges[i]], bin 0 everything ≤ edges[0]), then
    the values above the last edge, then the missing ones."""
    edge_array = np.asarray(edges, dtype=np.float64)
    missing = np.isnan(values)
    slots = np.searchsorted(edge_array, values[~missing], side="left")
    counts = np.bincount(slots, minlength=edge_array.size + 1)
    return np.append(counts, np.int64(missing.sum())).astype(np.int64)


def shares_of(counts: npt.NDArray[np.int64]) -> Floats:
    total = int(counts.sum())
    return counts.astype(np.float64) / total if total else np.zeros(counts.size)


def psi(expected: Floats, actual: Floats, floor: float = PSI_FLOOR) -> float:
    """Population stability index Σ (a − e) · ln(a / e) over the bins, each share floored at `floor`.

    Every term is ≥ 0 (a − e and ln(a/e) share their sign), so the index is too; identical shares give 0.
    """
    e = np.maximum(expected, floor)
    a = np.maximum(actual, floor)
    return float(np.sum((a - e) * np.log(a / e)))


def binned_ks(expected: Floats, actual: Floats) -> float:
    """The largest gap between the two cumulative distributions at the reference's bin edges.

    The reference keeps bins, not values, so this is the KS statistic of the binned distributions: a lower
    bound of the KS statistic of the raw values, exact where the edges are dense. Missing values are left
    out (both sides renormalised to the present ones).
    """
    e, a = expected[:-1], actual[:-1]
    e_total, a_total = e.sum(), a.sum()
    if e_total <= 0 or a_total <= 0:
        return math.nan
    return float(np.max(np.abs(np.cumsum(e) / e_total - np.cumsum(a) / a_total)))


@dataclass(frozen=True, slots=True)
class Measured:
    """One series' drift: how many values, PSI, KS (None where it does not fit) and the verdict."""

    name: str
    rows: int
    psi: float
    ks: float | None
    status: DriftStatus


def measure(
    name: str,
    counts: npt.NDArray[np.int64],
    reference: Floats,
    edges: int,
    thresholds: Thresholds,
) -> Measured:
    """PSI and (for a continuous reference) KS of accumulated `counts` against the reference vector."""
    actual = shares_of(counts)
    value = round(psi(reference, actual), 6)
    ks = binned_ks(reference, actual) if edges >= KS_MIN_EDGES else math.nan
    return Measured(
        name, int(counts.sum()), value, None if math.isnan(ks) else round(ks, 6), thresholds.status(value)
    )


def verdict(measured: Sequence[Measured]) -> DriftStatus:
    """The model's state: the worst status of its series."""
    statuses = {m.status for m in measured}
    for status in (DriftStatus.FALLBACK, DriftStatus.ALERT):
        if status in statuses:
            return status
    return DriftStatus.OK
