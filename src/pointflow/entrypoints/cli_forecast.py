"""`pointflow forecast liability`: expected redemptions and breakage, and the liability finance books."""

from __future__ import annotations

import json
import statistics
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pointflow.adapters.db.liability_store import lot_histories, record_forecast, value_per_point
from pointflow.bootstrap import Container, bootstrap
from pointflow.intelligence.liability.model import (
    add_months,
    backtest,
    estimate_hazard,
    held_before,
    month_start,
    project,
)
from pointflow.intelligence.liability.report import Provision, summary, write_chart, write_csv

forecast_app = typer.Typer(
    help="Forecasts for finance: the points liability and breakage.", no_args_is_help=True
)
err = Console(stderr=True)


@forecast_app.command("liability")
def liability(
    as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD; today if omitted")] = None,
    horizon: Annotated[int, typer.Option(min=1, max=60, help="Months to forecast")] = 12,
    history: Annotated[int, typer.Option(min=1, max=60, help="Months of history for the hazard")] = 12,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="Write the monthly table as CSV")] = None,
    chart: Annotated[Path | None, typer.Option(help="Write a PNG chart")] = None,
    backtest_months: Annotated[
        int,
        typer.Option(min=0, max=12, help="Also forecast from N months ago and compare with what happened"),
    ] = 0,
    store: Annotated[bool, typer.Option(help="Keep the forecast for the console (job_runs)")] = True,
) -> None:
    """Print the forecast as JSON: outstanding points, breakage rate, liability in money, months."""
    day = date.fromisoformat(as_of) if as_of else date.today()
    with bootstrap() as container:
        report = liability_report(container, day, horizon, history)
        if store:
            record_forecast(container.db, report, at=container.clock())
        if backtest_months:
            report["backtest"] = _backtest(container, day, backtest_months, history)
    if csv_file:
        write_csv(report, csv_file)
    if chart:
        write_chart(report, chart)
    print(json.dumps(report, indent=2))


def liability_report(container: Container, day: date, horizon: int, history: int) -> dict[str, object]:
    """The forecast summary for `day` (see `liability.report.summary`); also used by `report models`."""
    lots = lot_histories(container.db)
    this_month = month_start(day)
    hazard = estimate_hazard(lots, start=add_months(this_month, -history), end=add_months(this_month, 1))
    held = [(held_before(lot, day + timedelta(days=1)), lot.earned_on, lot.expires_on) for lot in lots]
    forecast = project([h for h in held if h[0] > 0], hazard, as_of=day, horizon=horizon)
    programme = container.programmes.active().programme
    since = datetime.combine(day - timedelta(days=365), time.min, tzinfo=UTC)
    per_point = value_per_point(container.db, since=since) or _catalogue_value(container)
    provision = Provision(forecast.outstanding, forecast.breakage_rate, per_point, programme.currency)
    return summary(forecast, provision)


def _catalogue_value(container: Container) -> Decimal:
    """With no redemptions yet: the median money per point over the active catalogue."""
    rewards = [r for r in container.programmes.active().programme.rewards if r.active and r.value > 0]
    if not rewards:
        return Decimal(0)
    return Decimal(statistics.median(r.value / r.points for r in rewards))


def _backtest(container: Container, day: date, months: int, history: int) -> list[dict[str, object]]:
    cutoff = add_months(month_start(day), -months)
    result = backtest(lot_histories(container.db), cutoff=cutoff, horizon=months, history_months=history)
    return [
        {
            "month": m.month.isoformat()[:7],
            "forecast": round(m.forecast),
            "actual": m.actual,
            "error": round(m.error, 4),
        }
        for m in result
    ]
