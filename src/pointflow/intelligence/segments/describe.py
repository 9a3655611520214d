"""Plain-language segment profiles: a short name and a sentence from the centroid's most distinctive features.

A feature is distinctive when the segment's centroid lies far from the population on it (|z| of the
standardised centroid); the sentence quotes the segment's mean beside the population's, in plain units.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from pointflow.intelligence.segments.features import FAMILIES, FEATURES
from pointflow.intelligence.segments.model import Segmentation

DISTINCTIVE_Z = 0.5  # standard deviations from the population mean
MOST = 3  # features quoted per description
_SHARE_WORDS = {f"share_{f}": f for f in FAMILIES}


def profiles(segmentation: Segmentation) -> pl.DataFrame:
    """segment, members, name, description, and the dominant features in order, one row per segment."""
    members = segmentation.members
    overall = members.select(pl.col(FEATURES).mean()).row(0, named=True)
    means = members.group_by("segment").agg(pl.len().alias("members"), pl.col(FEATURES).mean())
    rows = []
    for row in means.sort("segment").iter_rows(named=True):
        centroid = segmentation.centroids[row["segment"]]
        dominant = [
            name
            for z, name in sorted(zip(centroid, FEATURES, strict=True), key=lambda p: -abs(p[0]))
            if abs(z) >= DISTINCTIVE_Z
        ][:MOST]
        zs = dict(zip(FEATURES, centroid, strict=True))
        phrases = [_phrase(name, row[name], overall[name], zs[name] > 0) for name in dominant]
        rows.append(
            {
                "segment": row["segment"],
                "members": row["members"],
                "name": _name(dominant[0], zs[dominant[0]] > 0) if dominant else "typical members",
                "description": ", ".join(phrases).capitalize() if phrases else "Close to the average member",
                "dominant": dominant,
            }
        )
    return pl.DataFrame(rows, schema_overrides={"dominant": pl.List(pl.String)})


def _ratio(mine: float, average: float) -> str:
    return f"{mine / average:.1f}× the average" if average > 0 else "where the average is 0"


def _phrase(feature: str, mine: float, average: float, high: bool) -> str:
    if feature in _SHARE_WORDS:
        family = _SHARE_WORDS[feature]
        lead = f"spends mostly on {family}" if mine >= 0.4 else f"spends more than most on {family}"
        lead = lead if high else f"spends little on {family}"
        return f"{lead} ({mine:.0%} of spend against {average:.0%})"
    return _PHRASES[feature](mine, average, high)


def _money(value: float) -> str:
    return f"${value:,.0f}"


_PHRASES: dict[str, Callable[[float, float, bool], str]] = {
    "purchases_per_month": lambda m, a, h: (
        f"{'buys often' if h else 'buys rarely'} ({m:.0f} card purchases a month, {_ratio(m, a)})"
    ),
    "avg_ticket": lambda m, a, h: f"{'big' if h else 'small'} tickets ({_money(m)}, {_ratio(m, a)} ticket)",
    "abroad_share": lambda m, a, h: (
        f"{'often' if h else 'seldom'} spends abroad ({m:.0%} of spend, {_ratio(m, a)})"
    ),
    "monthly_income": lambda m, a, h: (
        f"{'high' if h else 'low'} income ({_money(m)} a month, {_ratio(m, a)})"
    ),
    "redemptions_per_year": lambda m, a, h: (
        f"{'redeems often' if h else 'redeems rarely'} ({m:.1f} redemptions a year, {_ratio(m, a)})"
    ),
    "activity_trend": lambda m, _a, h: (
        f"activity {'rising' if h else 'falling'} (recent purchases at {m:.0%} of the window's first months)"
    ),
}

_NAMES = {
    "purchases_per_month": ("frequent buyers", "occasional buyers"),
    "avg_ticket": ("big-ticket spenders", "small-ticket spenders"),
    "abroad_share": ("international spenders", "domestic spenders"),
    "monthly_income": ("high earners", "low earners"),
    "redemptions_per_year": ("keen redeemers", "non-redeemers"),
    "activity_trend": ("growing activity", "fading activity"),
}


_FAMILY_NAMES = {
    "travel": "travellers",
    "dining": "diners out",
    "groceries": "grocery shoppers",
    "shopping": "shoppers",
    "fuel": "drivers",
    "cash": "cash users",
}


def _name(feature: str, high: bool) -> str:
    if feature in _SHARE_WORDS:
        family = _SHARE_WORDS[feature]
        return _FAMILY_NAMES.get(family, f"{family} spenders") if high else f"light {family} spenders"
    more, less = _NAMES[feature]
    return more if high else less
