"""When a lot of earned points expires under the programme's expiry policy: calendar arithmetic only."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pointflow.domain.programme import Expiry


def expiry_date(policy: Expiry, earned_on: date) -> date | None:
    """The last day a lot earned on `earned_on` can be spent, or None when points never expire.

    A lot with expires_on D is available through D; the expiry job expires it for any as_of > D.
    """
    if policy.policy == "rolling_months" and policy.months is not None:
        return add_months(earned_on, policy.months)
    if policy.policy == "end_of_period" and policy.period is not None:
        return _end_of_period(policy.period, policy.periods_after, earned_on)
    return None


def add_months(day: date, months: int) -> date:
    """The same day `months` months later, clamped to the end of a shorter month."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    last_day = calendar.monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(day.day, last_day))


_PERIOD_MONTHS: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}


def _end_of_period(period: str, periods_after: int, earned_on: date) -> date:
    size = _PERIOD_MONTHS[period]
    first_month = (earned_on.month - 1) // size * size + 1
    period_start = date(earned_on.year, first_month, 1)
    return add_months(period_start, size * (periods_after + 1)) - timedelta(days=1)
