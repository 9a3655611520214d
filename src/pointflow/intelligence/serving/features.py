"""The propensity model's feature rows for the members of one commit group, from the online state, in NumPy.

The activity columns follow `features.activity.activity_features` exactly (a test holds them equal on the
same buckets); the points and redemption columns are the hot path's reading of the month-end snapshot
features the model was trained on (docs/models/propensity.md, *Serving*): the ledger's available balance
for the closing balance, the buckets' points for the points earned, the redemptions table for the
redemption history. The input is the per-member sums of `windows.MemberWindows`, summed in SQL for the
whole group; what is left here is a few array operations for all the group's members at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from pointflow.intelligence.features.definitions import ACTIVITY_WINDOWS, category_column
from pointflow.intelligence.serving.rule import REDEEM_STEPS, REWARD_TYPES
from pointflow.intelligence.serving.saving import SINCE_WINDOW, RedemptionEvent, saving_columns
from pointflow.intelligence.serving.windows import MemberWindows

Floats = npt.NDArray[np.float64]
# (token, reward id, redemptions, points, day of the last)
RedemptionTotal = tuple[str, str, int, int, date]
_DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True, slots=True)
class MemberAt:
    """A member to score: the as-of day (the booking day of their latest event) and available points."""

    token: str
    as_of: date
    balance: int


def window_columns(
    members: Sequence[MemberAt],
    windows: MemberWindows,
    redemptions: Sequence[RedemptionTotal],
    *,
    category_of: Callable[[str], str],
    reward_kind: Mapping[str, str],
    categories: Sequence[str],
    months: Mapping[str, Sequence[int]] | None = None,
    redemption_events: Sequence[RedemptionEvent] | None = None,
) -> dict[str, Floats]:
    """Every feature the hot path can observe, one value per member (NaN where it has none).

    The saving features need each member's points by calendar month (`months`, as the window sums read
    them with `months`) and their redemptions one by one; without `redemption_events` they are not computed.
    """
    n = len(members)
    index = {m.token: i for i, m in enumerate(members)}
    at = np.array([index[t] for t in windows.tokens], dtype=np.int64)  # the members with activity
    columns = _activity(members, windows, at, n)
    columns.update(_shares(windows, index, columns, n, category_of, categories))
    columns.update(_points(members, windows, at, columns["tenure_days"]))
    columns.update(_redemptions(members, redemptions, reward_kind))
    columns["next_calendar_month"] = np.array([m.as_of.month % 12 + 1 for m in members], dtype=np.float64)
    if redemption_events is not None:
        columns.update(_saving(members, months or {}, redemption_events, columns))
    return columns


def _saving(
    members: Sequence[MemberAt],
    months: Mapping[str, Sequence[int]],
    events: Sequence[RedemptionEvent],
    columns: Mapping[str, Floats],
) -> dict[str, Floats]:
    monthly = np.zeros((len(members), SINCE_WINDOW))
    for i, m in enumerate(members):
        if m.token in months:
            monthly[i] = months[m.token]
    return saving_columns(
        as_of=[m.as_of for m in members],
        balance=columns["points_balance"],
        monthly=monthly,
        tokens=[m.token for m in members],
        redemptions=events,
        activity=columns,
    )


def _spread(values: Sequence[float], at: npt.NDArray[np.int64], n: int) -> Floats:
    """Values of the members with activity placed at their rows; NaN for the others."""
    out = np.full(n, np.nan)
    out[at] = values
    return out


def _activity(
    members: Sequence[MemberAt], windows: MemberWindows, at: npt.NDArray[np.int64], n: int
) -> dict[str, Floats]:
    as_of = [members[i].as_of for i in at]
    cols = {
        "tenure_days": _spread([(d - f).days for d, f in zip(as_of, windows.first_day, strict=True)], at, n),
        "recency_days": _spread([(d - f).days for d, f in zip(as_of, windows.last_day, strict=True)], at, n),
        "txn_count": _spread(windows.sums["txn_count"], at, n),
        "spend_units": _spread(windows.sums["spend_units"], at, n),
    }
    for w in ACTIVITY_WINDOWS:
        for name in ("txn_count", "spend_units", "active_days"):
            cols[f"{name}_{w}d"] = _spread(windows.sums[f"{name}_{w}d"], at, n)
    cols["txn_count_prev_30d"] = _spread(windows.sums["txn_count_prev_30d"], at, n)
    cols["spend_units_prev_30d"] = _spread(windows.sums["spend_units_prev_30d"], at, n)
    count_365 = cols["txn_count_365d"]
    with np.errstate(divide="ignore", invalid="ignore"):
        cols["avg_ticket_units_365d"] = np.where(count_365 > 0, cols["spend_units_365d"] / count_365, np.nan)
    cols["velocity_trend"] = cols["txn_count_30d"] - cols["txn_count_prev_30d"]
    cols["spend_velocity_trend_units"] = cols["spend_units_30d"] - cols["spend_units_prev_30d"]
    return cols


def _shares(
    windows: MemberWindows,
    index: Mapping[str, int],
    cols: Mapping[str, Floats],
    n: int,
    category_of: Callable[[str], str],
    categories: Sequence[str],
) -> dict[str, Floats]:
    k = len(categories)
    code = {c: j for j, c in enumerate(categories)}
    parts = np.zeros((len(ACTIVITY_WINDOWS), n * k))
    if windows.by_mcc:
        kind = np.array([code.get(category_of(r[1]), -1) for r in windows.by_mcc], dtype=np.int64)
        cells = np.array([index[r[0]] for r in windows.by_mcc], dtype=np.int64) * k + kind
        spend = np.array([r[2:] for r in windows.by_mcc], dtype=np.float64)
        known = kind >= 0  # spend outside the listed categories counts in the total, in no share
        for i in range(len(ACTIVITY_WINDOWS)):
            parts[i] = np.bincount(cells[known], weights=spend[known, i], minlength=n * k)
    out: dict[str, Floats] = {}
    for i, w in enumerate(ACTIVITY_WINDOWS):
        total = cols[f"spend_units_{w}d"][:, None]  # NaN for a member without activity: so are the shares
        with np.errstate(divide="ignore", invalid="ignore"):
            shares = np.where(
                total > 0, parts[i].reshape(n, k) / total, np.where(np.isnan(total), np.nan, 0.0)
            )
        out.update({category_column(c, w): shares[:, j] for j, c in enumerate(categories)})
    return out


def _points(
    members: Sequence[MemberAt], windows: MemberWindows, at: npt.NDArray[np.int64], tenure: Floats
) -> dict[str, Floats]:
    n = len(members)
    balance = np.array([m.balance for m in members], dtype=np.float64)
    earned_30 = np.zeros(n)
    earned_90 = np.zeros(n)
    lifetime = np.zeros(n)
    earned_30[at] = windows.sums["points_30d"]
    earned_90[at] = windows.sums["points_90d"]
    lifetime[at] = windows.sums["points"]
    months = np.maximum(1.0, np.round(np.nan_to_num(tenure) / _DAYS_PER_MONTH))
    projected = balance + earned_90 / 3
    cols = {
        "points_balance": balance,
        "points_earned_1m": earned_30,
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
