"""Behaviour segments: standardised features, k-means with a fixed seed, ids kept stable across refreshes.

A refresh clusters afresh, then gives each new cluster the id of the previous run's cluster whose centroid
is nearest (Hungarian assignment on centroid distances), so a segment keeps its id when the data move a
little. Clusters left over when there are more than before get new ids after the previous largest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans

from pointflow.intelligence.segments.features import FEATURES

Matrix = np.ndarray[Any, np.dtype[np.float64]]
# Heavy-tailed money and counts: logs keep a few big spenders from owning a cluster.
LOGGED = frozenset({"purchases_per_month", "avg_ticket", "monthly_income", "redemptions_per_year"})


@dataclass(frozen=True)
class Scaler:
    """The transform every run applies: log1p of LOGGED columns, then z-scores with this run's moments."""

    columns: tuple[str, ...]
    mean: Matrix
    std: Matrix

    @classmethod
    def fit(cls, features: pl.DataFrame, columns: Sequence[str] = FEATURES) -> Scaler:
        raw = _transformed(features, columns)
        std = raw.std(axis=0)
        return cls(tuple(columns), raw.mean(axis=0), np.where(std > 0, std, 1.0))

    def apply(self, features: pl.DataFrame) -> Matrix:
        return (_transformed(features, self.columns) - self.mean) / self.std


@dataclass(frozen=True)
class Segmentation:
    """members: customer_id, segment, the feature columns. centroids: one row per segment id, standardised."""

    members: pl.DataFrame
    centroids: dict[int, Matrix]
    scaler: Scaler


def refresh(
    features: pl.DataFrame, *, segments: int = 5, seed: int = 0, previous: pl.DataFrame | None = None
) -> Segmentation:
    """Cluster `features` (customer_id + FEATURES); with `previous` members, keep its segment ids."""
    scaler = Scaler.fit(features)
    points = scaler.apply(features)
    kmeans = KMeans(n_clusters=segments, n_init=10, random_state=seed).fit(points)
    labels = np.asarray(kmeans.labels_, dtype=np.int64)
    centres = np.asarray(kmeans.cluster_centers_, dtype=np.float64)
    ids = _stable_ids(centres, previous_centroids(previous, scaler)) if previous is not None else None
    mapping = ids if ids is not None else _by_size(labels, segments)
    members = features.with_columns(pl.Series("segment", [mapping[int(x)] for x in labels], pl.Int64))
    centroids = {mapping[i]: centres[i] for i in range(segments)}
    return Segmentation(members.select("customer_id", "segment", *FEATURES), centroids, scaler)


def previous_centroids(previous: pl.DataFrame, scaler: Scaler) -> dict[int, Matrix]:
    """Each previous segment's centroid in this run's standardised space (its members' mean)."""
    points = scaler.apply(previous)
    ids = previous["segment"].to_numpy()
    return {int(s): points[ids == s].mean(axis=0) for s in np.unique(ids)}


def _stable_ids(centres: Matrix, before: dict[int, Matrix]) -> dict[int, int]:
    old_ids = sorted(before)
    old = np.array([before[s] for s in old_ids])
    cost = np.linalg.norm(centres[:, None, :] - old[None, :, :], axis=2)
    rows, cols = linear_sum_assignment(cost)
    mapping = {int(r): old_ids[int(c)] for r, c in zip(rows, cols, strict=True)}
    fresh = iter(range(max(old_ids) + 1, max(old_ids) + 1 + len(centres)))
    return {i: mapping[i] if i in mapping else next(fresh) for i in range(len(centres))}


def _by_size(labels: np.ndarray[Any, np.dtype[np.int64]], segments: int) -> dict[int, int]:
    """A first run numbers segments from the largest, so ids do not hang on k-means' arbitrary order."""
    sizes = np.bincount(labels, minlength=segments)
    order = sorted(range(segments), key=lambda i: (-sizes[i], i))
    return {cluster: rank for rank, cluster in enumerate(order)}


def _transformed(features: pl.DataFrame, columns: Sequence[str]) -> Matrix:
    exprs = [pl.col(c).log1p() if c in LOGGED else pl.col(c) for c in columns]
    return features.select(pl.Expr.cast(e, pl.Float64) for e in exprs).to_numpy()
