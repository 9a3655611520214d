"""The overview's figures: postings per day and per minute, points issued, redeemed and expired, the
liability and its stored forecast, offers proposed, approved and issued, alerts, outbox and quarantine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from markupsafe import Markup

from pointflow.adapters.db.console_views import offer_counts, postings_per_day, postings_per_minute
from pointflow.adapters.db.governance_store import recent_alerts
from pointflow.adapters.db.liability_store import latest_forecast
from pointflow.adapters.db.views import ledger_totals
from pointflow.bootstrap import Container
from pointflow.entrypoints.console.charts import bar_chart, line_chart

DAYS = 30
MINUTES = 60
ALERTS = 10


@dataclass(frozen=True, slots=True)
class Overview:
    days: list[tuple[date, int]]
    minutes: list[tuple[datetime, int]]
    issued: int  # net of clawbacks
    redeemed: int
    expired: int
    outstanding: int  # what members hold (available and pending, less debts)
    outbox: dict[str, int]  # by state: pending, delivered, dead
    quarantine_open: int
    offers: dict[str, int]  # proposed, pending, approved, rejected, issued
    forecast: dict[str, Any] | None  # the newest stored liability forecast
    alerts: list[dict[str, Any]]

    def postings_chart(self) -> Markup:
        labels = [d.strftime("%d %b") for d, _ in self.days]
        return bar_chart(
            f"Postings per day, last {DAYS} days of activity",
            labels,
            [n for _, n in self.days],
            y_label="postings",
            name="postings",
            chart_id="chart-postings",
        )

    def per_minute_chart(self) -> Markup:
        labels = [m.strftime("%H:%M") for m, _ in self.minutes]
        return bar_chart(
            f"Postings per minute, the {MINUTES} minutes up to the newest posting (UTC)",
            labels,
            [n for _, n in self.minutes],
            y_label="postings",
            name="postings per minute",
            chart_id="chart-postings-per-minute",
        )

    def liability_chart(self) -> Markup:
        """Points held now, then the forecast's month ends, with what each month is expected to redeem."""
        assert self.forecast is not None
        months = self.forecast["months"]
        labels = ["now", *(m["month"] for m in months)]
        held = [self.forecast["outstanding_points"], *(m["outstanding_end_points"] for m in months)]
        redeemed = [0, *(m["expected_redeemed_points"] for m in months)]
        return line_chart(
            f"Points liability and its forecast from {self.forecast['as_of']}",
            labels,
            {"points held (forecast after now)": held, "expected redeemed in the month": redeemed},
            y_label="points",
            chart_id="chart-liability",
        )


def read_overview(container: Container) -> Overview:
    with container.db.reader.connect() as conn:
        days = postings_per_day(conn, days=DAYS)
        minutes = postings_per_minute(conn, minutes=MINUTES)
        totals = ledger_totals(conn)
        offers = offer_counts(conn)
        forecast = latest_forecast(conn)
        alerts = recent_alerts(conn, limit=ALERTS)
    issued = -totals.get("programme_liability", 0)
    redeemed, expired = totals.get("redeemed", 0), totals.get("expired", 0)
    return Overview(
        days=days,
        minutes=minutes,
        issued=issued,
        redeemed=redeemed,
        expired=expired,
        outstanding=issued - redeemed - expired - totals.get("adjustment", 0),
        outbox=container.outbox.counts(),
        quarantine_open=container.quarantine.count("open"),
        offers=offers,
        forecast=forecast,
        alerts=alerts,
    )
