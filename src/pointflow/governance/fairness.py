"""Fairness of offers across segments and age bands: rates per group, parity ratios, alerts out of band.

Sensitive attributes (the age band) measure outcomes here and nowhere else: no model reads them. The
frames come from the database (`adapters/db/governance_store.py`); this module only computes, in Polars.
Formulas in docs/governance.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

DIMENSIONS = ("segment", "age_band")
METRICS = ("offer_rate", "approval_rate", "avg_offer_value")
UNKNOWN_BAND = "unknown"
NO_SEGMENT = "all"
APPROVED_STATES = ("approved", "issued", "accepted", "ignored", "redeemed")
# Age bands (lower bound inclusive); the band, never the birth date, is what is stored per token.
AGE_BANDS: tuple[tuple[int, str], ...] = (
    (0, "under_25"),
    (25, "25_34"),
    (35, "35_44"),
    (45, "45_54"),
    (55, "55_64"),
    (65, "65_plus"),
)
# The denominator of each metric, per group: below `min_group` a group's ratio is shown but not judged.
_BASE = {"offer_rate": "members", "approval_rate": "approvals_decided", "avg_offer_value": "offers_issued"}


def age_band(birth_year: int, on_year: int) -> str:
    """The band of someone born in `birth_year` during `on_year` (their age at that year's end)."""
    age = on_year - birth_year
    band = AGE_BANDS[0][1]
    for lower, name in AGE_BANDS:
        if age >= lower:
            band = name
    return band


@dataclass(frozen=True, slots=True)
class Band:
    """The accepted range of a group's ratio to the reference group, e.g. 0.8–1.25."""

    low: float = 0.8
    high: float = 1.25

    def holds(self, ratio: float) -> bool:
        return self.low <= ratio <= self.high


@dataclass(frozen=True, slots=True)
class Parity:
    """One metric across one dimension's groups: each group's ratio to the reference, min/max, alerts."""

    dimension: str
    metric: str
    reference: str | None  # the group with the largest denominator
    ratios: Mapping[str, float | None]  # group → metric / reference's metric (None: too few or undefined)
    min_max: float | None  # min group / max group among the judged groups
    out_of_band: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "metric": self.metric,
            "reference": self.reference,
            "ratios": dict(self.ratios),
            "min_max": self.min_max,
            "out_of_band": list(self.out_of_band),
        }


@dataclass(frozen=True)
class FairnessReport:
    groups: dict[str, list[dict[str, Any]]]  # dimension → one row per group with its counts and metrics
    parity: list[Parity]
    band: Band
    min_group: int
    notes: list[str] = field(default_factory=list)

    @property
    def alerts(self) -> list[Parity]:
        return [p for p in self.parity if p.out_of_band]

    def as_dict(self) -> dict[str, Any]:
        return {
            "groups": self.groups,
            "parity": [p.as_dict() for p in self.parity],
            "band": {"low": self.band.low, "high": self.band.high},
            "min_group": self.min_group,
            "alerts": [p.as_dict() for p in self.alerts],
            "notes": self.notes,
        }


def member_groups(decided: pl.DataFrame, offers: pl.DataFrame, bands: pl.DataFrame) -> pl.DataFrame:
    """Per member decided on in the window: their segment (the one their latest decision recorded, else
    that of their latest offer, else `all`) and age band (else `unknown`)."""
    if "segment" not in decided.columns:
        decided = decided.with_columns(pl.lit(None, dtype=pl.String).alias("segment"))
    latest = offers.sort("proposed_at").group_by("token").agg(pl.col("segment").last().alias("offer_segment"))
    return (
        decided.select("token", "segment")
        .unique(subset="token", keep="last")
        .join(latest, on="token", how="left")
        .join(bands.select("token", "age_band"), on="token", how="left")
        .with_columns(
            pl.coalesce("segment", "offer_segment", pl.lit(NO_SEGMENT)).alias("segment"),
            pl.col("age_band").fill_null(UNKNOWN_BAND),
        )
        .drop("offer_segment")
    )


def group_metrics(members: pl.DataFrame, offers: pl.DataFrame, dimension: str) -> pl.DataFrame:
    """Counts and the three metrics per group of `dimension` (see docs/governance.md for the formulas)."""
    tagged = offers.drop("segment").join(members, on="token", how="inner")
    per_member = members.group_by(dimension).agg(pl.len().alias("members"))
    offered = (
        tagged.filter(pl.col("proposed"))
        .group_by(dimension)
        .agg(pl.col("token").n_unique().alias("members_offered"))
    )
    decided = tagged.filter(pl.col("needs_approval") & pl.col("decided"))
    approvals = decided.group_by(dimension).agg(
        pl.len().alias("approvals_decided"), pl.col("approved").sum().alias("approved")
    )
    issued = (
        tagged.filter(pl.col("issued"))
        .group_by(dimension)
        .agg(pl.len().alias("offers_issued"), pl.col("value").mean().alias("avg_offer_value"))
    )
    frame = per_member
    for part in (offered, approvals, issued):
        frame = frame.join(part, on=dimension, how="left")
    counts = ("members_offered", "approvals_decided", "approved", "offers_issued")
    return (
        frame.with_columns(pl.col(c).fill_null(0) for c in counts)
        .with_columns(
            (pl.col("members_offered") / pl.col("members")).alias("offer_rate"),
            pl.when(pl.col("approvals_decided") > 0)
            .then(pl.col("approved") / pl.col("approvals_decided"))
            .otherwise(None)
            .alias("approval_rate"),
        )
        .rename({dimension: "group"})
        .sort("group")
    )


def parity(
    rows: Sequence[Mapping[str, Any]], dimension: str, metric: str, band: Band, min_group: int
) -> Parity:
    """Each judged group's metric over the reference group's (the one with the largest denominator)."""
    base = _BASE[metric]
    judged = [r for r in rows if r[base] >= min_group and _number(r[metric]) is not None]
    # the largest group; among groups as large, the better served one, so that ties read as shortfalls
    reference = max(judged, key=lambda r: (r[base], _number(r[metric]), r["group"]), default=None)
    ref_value = _number(reference[metric]) if reference else None
    ratios: dict[str, float | None] = {}
    for row in rows:
        value = _number(row[metric]) if row in judged else None
        ratios[row["group"]] = ratio(value, ref_value)
    values = {r["group"]: v for r in judged if (v := _number(r[metric])) is not None}
    min_max = ratio(min(values.values()), max(values.values())) if len(values) > 1 else None
    out = [g for g, r in ratios.items() if r is not None and not band.holds(r)]
    lowest = min(values, key=lambda g: values[g], default=None)
    if min_max is not None and min_max < band.low and lowest not in out:
        out.append(str(lowest))  # e.g. against a reference group at 0, where ratios are undefined
    return Parity(dimension, metric, reference["group"] if reference else None, ratios, min_max, tuple(out))


def ratio(value: float | None, reference: float | None) -> float | None:
    """value / reference, rounded; undefined (None) when either is missing or the reference is 0
    (unless both are 0: equal outcomes, ratio 1)."""
    if value is None or reference is None:
        return None
    if reference == 0:
        return 1.0 if value == 0 else None
    return round(value / reference, 6)


def report(
    decided: pl.DataFrame, offers: pl.DataFrame, bands: pl.DataFrame, *, band: Band, min_group: int
) -> FairnessReport:
    """The whole report: group metrics and parity for every dimension and metric."""
    members = member_groups(decided, offers, bands)
    groups: dict[str, list[dict[str, Any]]] = {}
    found: list[Parity] = []
    for dimension in DIMENSIONS:
        rows = group_metrics(members.select("token", dimension), offers, dimension).to_dicts()
        groups[dimension] = [_rounded(r) for r in rows]
        found.extend(parity(rows, dimension, metric, band, min_group) for metric in METRICS)
    notes = _notes(members)
    return FairnessReport(groups, found, band, min_group, notes)


def _notes(members: pl.DataFrame) -> list[str]:
    unknown = members.filter(pl.col("age_band") == UNKNOWN_BAND).height
    return [f"{unknown} of {members.height} members have no age band"] if unknown else []


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _rounded(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: round(v, 6) if isinstance(v, float) else v for k, v in row.items()}
