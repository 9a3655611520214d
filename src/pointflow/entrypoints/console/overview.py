"""The overview's figures: postings per day, points issued, redeemed and expired, outbox and quarantine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from pointflow.adapters.db.console_views import postings_per_day
from pointflow.adapters.db.views import ledger_totals
from pointflow.bootstrap import Container
from pointflow.entrypoints.console.charts import bar_chart

DAYS = 30


@dataclass(frozen=True, slots=True)
class Overview:
    days: list[tuple[date, int]]
    issued: int  # net of clawbacks
    redeemed: int
    expired: int
    outstanding: int  # what members hold (available and pending, less debts)
    outbox: dict[str, int]  # by state: pending, delivered, dead
    quarantine_open: int

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


def read_overview(container: Container) -> Overview:
    with container.db.reader.connect() as conn:
        days = postings_per_day(conn, days=DAYS)
        totals = ledger_totals(conn)
    issued = -totals.get("programme_liability", 0)
    redeemed, expired = totals.get("redeemed", 0), totals.get("expired", 0)
    return Overview(
        days=days,
        issued=issued,
        redeemed=redeemed,
        expired=expired,
        outstanding=issued - redeemed - expired - totals.get("adjustment", 0),
        outbox=container.outbox.counts(),
        quarantine_open=container.quarantine.count("open"),
    )
