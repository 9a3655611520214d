"""The model registry's records: a model version's metadata, its reference feature distributions, its card.

Pure: no files. `adapters/model_store.py` keeps versions on disk; a version, once written, never changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

ROLES = ("champion", "challenger")
REFERENCE_BINS = 10
_VERSION = re.compile(r"^v(\d{4,})$")


@dataclass(frozen=True, slots=True)
class FeatureReference:
    """A feature's training distribution: quantile edges, each bin's share of values, share missing."""

    edges: tuple[float, ...]
    shares: tuple[float, ...]
    missing: float

    def to_json(self) -> dict[str, Any]:
        return {"edges": list(self.edges), "shares": list(self.shares), "missing": self.missing}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FeatureReference:
        return cls(tuple(data["edges"]), tuple(data["shares"]), float(data["missing"]))


def reference_distribution(values: npt.NDArray[np.float64], bins: int = REFERENCE_BINS) -> FeatureReference:
    """Quantile bins of the non-missing values (ties merged) and each bin's share, for drift checks."""
    present = values[~np.isnan(values)]
    missing = round(1 - present.size / values.size, 6) if values.size else 0.0
    if present.size == 0:
        return FeatureReference((), (), missing)
    edges = np.unique(np.quantile(present, np.linspace(0, 1, bins + 1), method="lower"))
    # bin i holds the values in (edges[i-1], edges[i]]; bin 0 the minimum itself, so a point mass shows
    counts = np.bincount(np.searchsorted(edges, present, side="left"), minlength=edges.size)
    shares = tuple(round(float(c) / present.size, 6) for c in counts)
    return FeatureReference(tuple(round(float(e), 6) for e in edges), shares, missing)


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """One registered version: what was trained on what, its features, its measured metrics."""

    name: str
    version: str
    created_at: datetime
    kind: str  # e.g. "lightgbm-binary+isotonic"
    training_window: Mapping[str, Any]
    features: tuple[str, ...]
    metrics: Mapping[str, Any]
    reference: Mapping[str, FeatureReference] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)  # model-specific state, e.g. the calibration map

    def to_json(self) -> str:
        body = {
            "name": self.name,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "kind": self.kind,
            "training_window": dict(self.training_window),
            "features": list(self.features),
            "metrics": dict(self.metrics),
            "reference": {k: v.to_json() for k, v in self.reference.items()},
            "extra": dict(self.extra),
        }
        return json.dumps(body, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelVersion:
        data = json.loads(text)
        return cls(
            name=data["name"],
            version=data["version"],
            created_at=datetime.fromisoformat(data["created_at"]),
            kind=data["kind"],
            training_window=data["training_window"],
            features=tuple(data["features"]),
            metrics=data["metrics"],
            reference={k: FeatureReference.from_json(v) for k, v in data["reference"].items()},
            extra=data["extra"],
        )


def version_label(number: int) -> str:
    return f"v{number:04d}"


def next_version(existing: Iterable[str]) -> str:
    """The label after the highest existing `vNNNN` (v0001 for the first)."""
    numbers = [int(m.group(1)) for v in existing if (m := _VERSION.match(v))]
    return version_label(max(numbers, default=0) + 1)


def is_version(label: str) -> bool:
    return _VERSION.match(label) is not None


@dataclass(frozen=True, slots=True)
class ModelCard:
    """A human-readable card for a version: purpose, data, metrics and known limits, as Markdown."""

    version: ModelVersion
    purpose: str
    limits: tuple[str, ...] = ()

    def markdown(self) -> str:
        v = self.version
        lines = [
            f"# {v.name} {v.version}",
            "",
            self.purpose,
            "",
            f"- Created: {v.created_at.isoformat()}",
            f"- Kind: {v.kind}",
            f"- Training window: `{json.dumps(dict(v.training_window), sort_keys=True)}`",
            f"- Features ({len(v.features)}): {', '.join(f'`{f}`' for f in v.features)}",
            "",
            "## Metrics",
            "",
            "```json",
            json.dumps(dict(v.metrics), indent=2, sort_keys=True),
            "```",
        ]
        if self.limits:
            lines += ["", "## Limits", "", *(f"- {limit}" for limit in self.limits)]
        return "\n".join(lines) + "\n"
