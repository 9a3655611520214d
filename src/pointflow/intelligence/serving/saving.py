"""The saving-towards-a-reward features as the hot path reads them, for a commit group's members, in NumPy.

One definition for both paths: the batch snapshot (`intelligence.propensity.saving`) builds its inputs
from month-end balances, the hot path from points earned in the as-of month and the months before it (the
buckets summed by month, in SQL for a commit group in the window sums' statement,
`adapters.db.window_sums` with `months`, whose reference is `months_from_buckets`) and the ledger's
redemptions. At a month end the two agree exactly; in the middle of a month the as-of month is the part of
it so far, as it is for every "this month" figure the hot path reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
# (token, day, points) of one redemption, in the order they were made
RedemptionEvent = tuple[str, date, int]
# (token, day, mcc, spend_units, txn_count, points) of one bucket in the programme's currency
Bucket = tuple[str, date, str, int, int, int]

EARNING_WINDOWS = (3, 6, 12)  # calendar months, the as-of month included
RECENT_WINDOW = 3  # the earning added to the balance for a projection
SINCE_WINDOW = 12  # points since the last redemption count at most this many months back
USUAL_WEIGHT = 0.3  # the weight of the newest month in the member's usual earning (an exponential average)
MOMENTUM_PRIOR = 100.0  # points added to both sides of the momentum ratio: a quiet month is not −∞
GOAL_FEATURES = (
    "points_earned_ewma",
    "goal_months",
    "last_goal_months",
    "goal_points_estimate",
    "progress_to_goal_estimate",
    "projected_progress_to_goal_estimate",
    "progress_to_goal_estimate_now",
    "months_over_goal_estimate",
    "points_momentum_ewma",
    "balance_months_ewma",
)
SAVING_FEATURES = (
    *(f"points_earned_{w}cm_avg" for w in EARNING_WINDOWS),
    *(f"balance_months_{w}m" for w in EARNING_WINDOWS),
    "ever_redeemed",
    "last_redemption_points",
    "mean_redemption_points",
    "progress_to_last_redemption",
    "projected_progress_to_last_redemption",
    "progress_to_mean_redemption",
    "last_redemption_months",
    "points_since_redemption",
    "redemption_interval_months",
    "redemption_overdue",
    "points_momentum",
    "activity_momentum",
    *GOAL_FEATURES,
)


def month_starts(as_of: date) -> tuple[date, ...]:
    """The first day of the as-of month and of each of the SINCE_WINDOW − 1 months before it, newest first."""
    index = as_of.year * 12 + as_of.month - 1
    return tuple(date((index - k) // 12, (index - k) % 12 + 1, 1) for k in range(SINCE_WINDOW))


def months_from_buckets(as_of: Mapping[str, date], buckets: Iterable[Bucket]) -> dict[str, list[int]]:
    """The reference: points by calendar month, [the as-of month, the one before, …], up to as-of."""
    out: dict[str, list[int]] = {}
    for token, day, *_, points in buckets:
        at = as_of.get(token)
        if at is None or day > at:
            continue
        back = (at.year * 12 + at.month) - (day.year * 12 + day.month)
        if back < SINCE_WINDOW:
            out.setdefault(token, [0] * SINCE_WINDOW)[back] += points
    return out


def _ratio(numerator: Floats, denominator: Floats) -> Floats:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


@dataclass(frozen=True, slots=True)
class RedemptionRows:
    """Redemptions of the members asked for, in the order they were made: row, month (or months back
    from the member's as-of month), points."""

    rows: npt.NDArray[np.int64]
    month: npt.NDArray[np.int64]
    points: Floats

    @classmethod
    def of(cls, tokens: Sequence[str], events: Sequence[RedemptionEvent]) -> RedemptionRows:
        index = {t: i for i, t in enumerate(tokens)}
        kept = [(index[t], day.year * 12 + day.month - 1, p) for t, day, p in events if t in index]
        rows, months, points = zip(*kept, strict=True) if kept else ((), (), ())
        return cls(
            np.array(rows, dtype=np.int64),
            np.array(months, dtype=np.int64),
            np.array(points, dtype=np.float64),
        )

    def recent(self, now: Floats) -> RedemptionRows:
        """Those within the monthly window, `month` counted back from each member's as-of month."""
        back = now[self.rows].astype(np.int64) - self.month
        kept = (back >= 0) & (back < SINCE_WINDOW)
        return RedemptionRows(self.rows[kept], back[kept], self.points[kept])


def _marks(events: RedemptionRows, n: int) -> tuple[Floats, Floats, Floats, Floats, Floats]:
    """Per member: redemptions, first and last month, the last one's points, the mean points."""
    count = np.bincount(events.rows, minlength=n).astype(np.float64)
    total = np.bincount(events.rows, weights=events.points, minlength=n).astype(np.float64)
    first, last, last_points = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    np.fmin.at(first, events.rows, events.month.astype(np.float64))
    for row, month, points in zip(events.rows, events.month, events.points, strict=True):
        if not month < last[row]:  # later (or the same month, made later): the latest redemption
            last[row], last_points[row] = month, points
    return count, first, last, last_points, _ratio(total, count)


def saving_columns(
    *,
    as_of: Sequence[date],
    balance: Floats,
    monthly: Floats,
    tokens: Sequence[str],
    redemptions: Sequence[RedemptionEvent],
    activity: Mapping[str, Floats],
) -> dict[str, Floats]:
    """The saving features, one value per member.

    `monthly` is (members × SINCE_WINDOW) points by month, the as-of month first; NaN marks a month whose
    earning is unknown (the first month of a balance history, whose jump holds the balance the member came
    with): it counts neither as earning nor as a month to average over.
    """
    now = np.array([d.year * 12 + d.month - 1 for d in as_of], dtype=np.float64)
    known = ~np.isnan(monthly)
    earned = np.where(known, monthly, 0.0)
    events = RedemptionRows.of(tokens, redemptions)
    count, first, last, last_points, mean_points = _marks(events, len(tokens))
    back = np.arange(SINCE_WINDOW)[None, :]
    after = ~(now[:, None] - back <= last[:, None])  # months after the last redemption's (all without one)
    tenure_days = activity["tenure_days"]
    first_active = np.array(
        [np.nan if np.isnan(t) else _month_of(d, int(t)) for d, t in zip(as_of, tenure_days, strict=True)]
    )
    tenure_months = now - first_active + 1
    unknown = ~known & (back < tenure_months[:, None])
    cols = {
        f"points_earned_{w}cm_avg": _ratio(
            earned[:, :w].sum(axis=1), np.minimum(w, tenure_months) - unknown[:, :w].sum(axis=1)
        )
        for w in EARNING_WINDOWS
    }
    usual, recent = cols["points_earned_12cm_avg"], cols[f"points_earned_{RECENT_WINDOW}cm_avg"]
    interval = _ratio(last - first, count - 1)
    cols.update(
        {f"balance_months_{w}m": _ratio(balance, cols[f"points_earned_{w}cm_avg"]) for w in EARNING_WINDOWS}
    )
    cols.update(
        {
            "ever_redeemed": (count > 0).astype(np.float64),
            "last_redemption_points": last_points,
            "mean_redemption_points": mean_points,
            "progress_to_last_redemption": _ratio(balance, last_points),
            "projected_progress_to_last_redemption": _ratio(balance + recent, last_points),
            "progress_to_mean_redemption": _ratio(balance, mean_points),
            "last_redemption_months": _ratio(last_points, usual),
            "points_since_redemption": np.where(after, earned, 0.0).sum(axis=1),
            "redemption_interval_months": interval,
            "redemption_overdue": _ratio(now - last, interval),
            "points_momentum": _ratio(monthly[:, 0], usual),
            "activity_momentum": _ratio(3 * activity["txn_count_30d"], activity["txn_count_90d"]),
        }
    )
    cols.update(goal_columns(monthly, balance, tenure_months, events.recent(now)))
    return cols


def usual_earning(monthly: Floats, tenure_months: Floats) -> tuple[Floats, Floats]:
    """The usual earning, an exponential average of the known months within tenure, oldest first.

    Returns (before, now): before[:, b] is the average through the month before month b back (what the
    member usually earned when that month began), now is the average through the as-of month; NaN until a
    month is known.
    """
    before = np.full(monthly.shape, np.nan)
    average = np.full(monthly.shape[0], np.nan)
    for back in range(monthly.shape[1] - 1, -1, -1):
        before[:, back] = average
        value = monthly[:, back]
        counted = (back < tenure_months) & ~np.isnan(value)
        blended = np.where(np.isnan(average), value, USUAL_WEIGHT * value + (1 - USUAL_WEIGHT) * average)
        average = np.where(counted, blended, average)
    return before, average


def goal_columns(
    monthly: Floats, balance: Floats, tenure_months: Floats, recent: RedemptionRows
) -> dict[str, Floats]:
    """An estimate of the reward each member now saves for, and where they stand against it.

    A member redeems when the balance reaches a goal of a number of months of their usual earning (their
    saving horizon). Each redemption in the window measures that horizon: its points in months of the usual
    earning before its month. The goal is the horizons' geometric mean times the usual earning at the last
    redemption, when the present goal was set. Members with no measured redemption have no estimate.
    `recent` holds the redemptions within the window, `month` counted back (`RedemptionRows.recent`).
    """
    n = monthly.shape[0]
    before, usual = usual_earning(monthly, tenure_months)
    at = before[recent.rows, recent.month]
    months = _ratio(recent.points, at)
    measured = months > 0
    logs = np.bincount(recent.rows[measured], weights=np.log(months[measured]), minlength=n)
    count = np.bincount(recent.rows[measured], minlength=n)
    horizon = np.where(count > 0, np.exp(logs / np.maximum(count, 1)), np.nan)
    last_back, last_months, last_usual = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    for row, back, ratio, usual_then in zip(recent.rows, recent.month, months, at, strict=True):
        if not back > last_back[row]:  # newer, or the same month and made later
            last_back[row], last_months[row], last_usual[row] = back, ratio, usual_then
    goal = horizon * last_usual
    # the balance at the end of each month back: the present one less what was earned since
    earned = np.where(np.isnan(monthly), 0.0, monthly)
    held = balance[:, None] - (np.cumsum(earned, axis=1) - earned)
    since = np.arange(monthly.shape[1])[None, :] < last_back[:, None]
    over = np.where(np.isnan(goal), np.nan, ((held >= goal[:, None]) & since).sum(axis=1))
    # a member with no known month before this one (new this month): this month is their usual, momentum 0
    usual_before = np.where(np.isnan(before[:, 0]), monthly[:, 0], before[:, 0])
    momentum = _ratio(monthly[:, 0] + MOMENTUM_PRIOR, usual_before + MOMENTUM_PRIOR)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_momentum = np.where(momentum > 0, np.log(momentum), np.nan)
    return {
        "points_earned_ewma": usual,
        "goal_months": horizon,
        "last_goal_months": last_months,
        "goal_points_estimate": goal,
        "progress_to_goal_estimate": _ratio(balance, goal),
        "projected_progress_to_goal_estimate": _ratio(balance + usual, goal),
        "progress_to_goal_estimate_now": _ratio(balance, horizon * usual),
        "months_over_goal_estimate": over,
        "points_momentum_ewma": log_momentum,
        "balance_months_ewma": _ratio(balance, usual),
    }


def _month_of(as_of: date, days_before: int) -> int:
    first = date.fromordinal(as_of.toordinal() - days_before)
    return first.year * 12 + first.month - 1
