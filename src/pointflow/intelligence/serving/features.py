"""The propensity model's feature rows for the members of one commit group, from the online state, in NumPy.

The activity columns follow `features.activity.activity_features` exactly (a test holds them equal on the
same buckets); the points and redemption columns are the hot path's reading of the month-end snapshot
features the model was trained on (docs/models/propensity.md, *Serving*): the ledger's available balance
for the closing balance, the buckets' points for the points earned, the redemptions table for the
redemption history. Everything is computed for all the group's members at once, a few array operations a
window, so the cost per member stays small.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from pointflow.intelligence.features.definitions import (
    ACTIVITY_WINDOWS,
    VELOCITY_WINDOW,
    category_column,
)
from pointflow.intelligence.serving.rule import REDEEM_STEPS, REWARD_TYPES

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
# (token, day, mcc, spend_units, txn_count, points) in the programme's currency, day ≥ the group's horizon
ActivityRow = tuple[str, date, str, int, int, int]
# token → (first day, last day, txn_count, spend_units, points) of the buckets before the horizon
OlderTotals = tuple[date, date, int, int, int]
# (token, reward id, redemptions, points, day of the last)
RedemptionTotal = tuple[str, str, int, int, date]
_DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True, slots=True)
class MemberAt:
    """A member to score: the as-of day (the booking day of their latest event) and available points."""

    token: str
    as_of: date
    balance: int


def horizon(members: Sequence[MemberAt]) -> date:
    """The earliest day any window of any member reaches; older buckets are only needed as totals."""
    return date.fromordinal(min(m.as_of for m in members).toordinal() - max(ACTIVITY_WINDOWS) + 1)


@dataclass(frozen=True)
class _Rows:
    member: Ints
    age: Ints
    day: Ints
    category: Ints  # position in the categories list
    spend: Floats
    count: Floats
    points: Floats


def _rows(
    members: Sequence[MemberAt],
    activity: Sequence[ActivityRow],
    category_of: Callable[[str], str],
    categories: Sequence[str],
) -> _Rows:
    index = {m.token: i for i, m in enumerate(members)}
    code = {c: i for i, c in enumerate(categories)}
    kept = [r for r in activity if r[0] in index]
    member = np.array([index[r[0]] for r in kept], dtype=np.int64)
    day = np.array([r[1].toordinal() for r in kept], dtype=np.int64)
    as_of = np.array([m.as_of.toordinal() for m in members], dtype=np.int64)
    age = as_of[member] - day
    # a bucket after the member's as-of day (an earlier-dated event came later) is not in this row
    now = np.flatnonzero(age >= 0)
    values = np.array([r[3:] for r in kept], dtype=np.float64).reshape(-1, 3)[now]
    return _Rows(
        member[now],
        age[now],
        day[now],
        np.array([code.get(category_of(kept[i][2]), -1) for i in now], dtype=np.int64),
        values[:, 0],
        values[:, 1],
        values[:, 2],
    )


def feature_columns(
    members: Sequence[MemberAt],
    activity: Sequence[ActivityRow],
    older: Mapping[str, OlderTotals],
    redemptions: Sequence[RedemptionTotal],
    *,
    category_of: Callable[[str], str],
    reward_kind: Mapping[str, str],
    categories: Sequence[str],
) -> dict[str, Floats]:
    """Every feature the hot path can observe, one value per member (NaN where it has none)."""
    rows = _rows(members, activity, category_of, categories)
    n = len(members)
    columns = _activity(rows, members, older, n, categories)
    columns.update(_points(rows, members, columns["tenure_days"], n))
    columns.update(_redemptions(members, redemptions, reward_kind))
    columns["next_calendar_month"] = np.array([m.as_of.month % 12 + 1 for m in members], dtype=np.float64)
    return columns


def _sum(rows: _Rows, values: Floats, mask: npt.NDArray[np.bool_], n: int) -> Floats:
    return np.bincount(rows.member[mask], weights=values[mask], minlength=n).astype(np.float64)


def _active_days(rows: _Rows, mask: npt.NDArray[np.bool_], n: int) -> Floats:
    pairs = np.unique(rows.member[mask] * 10_000_000 + rows.day[mask])
    return np.bincount(pairs // 10_000_000, minlength=n).astype(np.float64)


def _activity(
    rows: _Rows,
    members: Sequence[MemberAt],
    older: Mapping[str, OlderTotals],
    n: int,
    categories: Sequence[str],
) -> dict[str, Floats]:
    every = np.ones(rows.age.size, dtype=np.bool_)
    old = [older.get(m.token) for m in members]
    old_count = np.array([o[2] if o else 0 for o in old], dtype=np.float64)
    old_spend = np.array([o[3] if o else 0 for o in old], dtype=np.float64)
    cols: dict[str, Floats] = {
        **_ages(rows, members, old, n),
        "txn_count": _sum(rows, rows.count, every, n) + old_count,
        "spend_units": _sum(rows, rows.spend, every, n) + old_spend,
    }
    for w in ACTIVITY_WINDOWS:
        inside = rows.age < w
        cols[f"txn_count_{w}d"] = _sum(rows, rows.count, inside, n)
        cols[f"spend_units_{w}d"] = _sum(rows, rows.spend, inside, n)
        cols[f"active_days_{w}d"] = _active_days(rows, inside, n)
        cols.update(_shares(rows, inside, cols[f"spend_units_{w}d"], w, n, categories))
    previous = (rows.age >= VELOCITY_WINDOW) & (rows.age < 2 * VELOCITY_WINDOW)
    cols["txn_count_prev_30d"] = _sum(rows, rows.count, previous, n)
    cols["spend_units_prev_30d"] = _sum(rows, rows.spend, previous, n)
    count_365 = cols["txn_count_365d"]
    with np.errstate(divide="ignore", invalid="ignore"):
        cols["avg_ticket_units_365d"] = np.where(count_365 > 0, cols["spend_units_365d"] / count_365, np.nan)
    cols["velocity_trend"] = cols["txn_count_30d"] - cols["txn_count_prev_30d"]
    cols["spend_velocity_trend_units"] = cols["spend_units_30d"] - cols["spend_units_prev_30d"]
    seen = ~np.isnan(cols["tenure_days"])  # a member with no transaction in the currency has no activity row
    return {name: np.where(seen, values, np.nan) for name, values in cols.items()}


def _ages(
    rows: _Rows, members: Sequence[MemberAt], old: list[OlderTotals | None], n: int
) -> dict[str, Floats]:
    tenure = np.full(n, -np.inf)
    recency = np.full(n, np.inf)
    np.maximum.at(tenure, rows.member, rows.age.astype(np.float64))
    np.minimum.at(recency, rows.member, rows.age.astype(np.float64))
    for i, (m, o) in enumerate(zip(members, old, strict=True)):
        if o is not None:
            tenure[i] = max(tenure[i], (m.as_of - o[0]).days)
            recency[i] = min(recency[i], (m.as_of - o[1]).days)
    return {
        "tenure_days": np.where(np.isinf(tenure), np.nan, tenure),
        "recency_days": np.where(np.isinf(recency), np.nan, recency),
    }


def _shares(
    rows: _Rows, inside: npt.NDArray[np.bool_], total: Floats, window: int, n: int, categories: Sequence[str]
) -> dict[str, Floats]:
    k = len(categories)
    known = inside & (rows.category >= 0)
    cells = rows.member[known] * k + rows.category[known]
    parts = np.bincount(cells, weights=rows.spend[known], minlength=n * k).reshape(n, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(total[:, None] > 0, parts / total[:, None], 0.0)
    return {category_column(c, window): shares[:, j] for j, c in enumerate(categories)}


def _points(rows: _Rows, members: Sequence[MemberAt], tenure: Floats, n: int) -> dict[str, Floats]:
    balance = np.array([m.balance for m in members], dtype=np.float64)
    earned_90 = _sum(rows, rows.points, rows.age < 90, n)
    lifetime = _sum(rows, rows.points, np.ones(rows.age.size, dtype=np.bool_), n)
    months = np.maximum(1.0, np.round(np.nan_to_num(tenure) / _DAYS_PER_MONTH))
    projected = balance + earned_90 / 3
    cols = {
        "points_balance": balance,
        "points_earned_1m": _sum(rows, rows.points, rows.age < 30, n),
        "points_earned_3m_avg": earned_90 / 3,
        "points_earned_avg": lifetime / months,
        "points_projected": projected,
    }
    cols.update({f"steps_{kind}": np.floor(projected / step) for kind, step in REDEEM_STEPS.items()})
    return cols


def _redemptions(
    members: Sequence[MemberAt], totals: Sequence[RedemptionTotal], reward_kind: Mapping[str, str]
) -> dict[str, Floats]:
    index = {m.token: i for i, m in enumerate(members)}
    n = len(members)
    count, points, last = np.zeros(n), np.zeros(n), np.full(n, np.nan)
    by_kind = {kind: np.zeros(n) for kind in REWARD_TYPES}
    for token, reward_id, times, spent, last_day in totals:
        i = index.get(token)
        if i is None:
            continue
        count[i] += times
        points[i] += spent
        last[i] = np.fmax(last[i], last_day.year * 12 + last_day.month - 1)
        kind = reward_kind.get(reward_id)
        if kind in by_kind:
            by_kind[kind][i] += times
    month_now = np.array([m.as_of.year * 12 + m.as_of.month - 1 for m in members], dtype=np.float64)
    cols = {
        "redemption_count": count,
        "months_since_redemption": month_now - last,
        "points_redeemed_total": points,
    }
    with np.errstate(divide="ignore", invalid="ignore"):
        for kind, of_kind in by_kind.items():
            cols[f"redeemed_{kind}"] = of_kind
            cols[f"reward_share_{kind}"] = np.where(count > 0, of_kind / count, np.nan)
    return cols


def feature_matrix(columns: Mapping[str, Floats], features: Sequence[str], n: int) -> Floats:
    """The columns in model order as an (n, len(features)) float matrix; a feature not observed is NaN."""
    out = np.full((n, len(features)), np.nan)
    for j, name in enumerate(features):
        values = columns.get(name)
        if values is not None:
            out[:, j] = values
    return out
