"""`pointflow clv …`: fit the buy-till-you-die models to a customer summary or a transaction log."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from pointflow.intelligence.clv import FITTERS, Summary, read_summary_csv, read_transaction_log, summarise
from pointflow.intelligence.clv.gammagamma import spenders

clv_app = typer.Typer(
    help="Customer lifetime value: BG/NBD, Pareto/NBD and Gamma-Gamma.", no_args_is_help=True
)

Read = TypeVar("Read")


class ModelName(StrEnum):
    BGNBD = "bgnbd"
    PARETONBD = "paretonbd"
    GAMMAGAMMA = "gammagamma"


SummaryFile = Annotated[
    Path | None,
    typer.Option(
        "--summary", exists=True, dir_okay=False, help="CSV: ID, frequency, recency, T[, monetary_value]"
    ),
]
TransactionsFile = Annotated[
    Path | None,
    typer.Option(
        "--transactions",
        exists=True,
        dir_okay=False,
        help="Log: customer_id yyyymmdd quantity spend per line",
    ),
]
CalibrationEnd = Annotated[
    datetime | None,
    typer.Option(formats=["%Y-%m-%d"], help="Last day of the calibration period (with --transactions)"),
]


@clv_app.command()
def fit(
    model: Annotated[ModelName, typer.Option(help="Which model to fit")],
    summary: SummaryFile = None,
    transactions: TransactionsFile = None,
    calibration_end: CalibrationEnd = None,
) -> None:
    """Fit a model by maximum likelihood and print its parameters and log-likelihood as JSON."""
    data = _summary(summary, transactions, calibration_end.date() if calibration_end else None)
    if model is ModelName.GAMMAGAMMA and not (data.monetary > 0).any():
        raise typer.BadParameter(
            "no customer has a repeat transaction with a positive spend (monetary_value)"
        )
    fitted, optimum = FITTERS[model.value](data)
    report = {
        "model": fitted.name,
        "customers": len(spenders(data)) if model is ModelName.GAMMAGAMMA else len(data),
        "params": fitted.params(),
        "log_likelihood": optimum.log_likelihood,
        "converged": optimum.converged,
        "starts": optimum.starts,
        "seconds": round(optimum.seconds, 3),
    }
    typer.echo(json.dumps(report, indent=2))


def _summary(summary: Path | None, transactions: Path | None, calibration_end: date | None) -> Summary:
    if summary is not None and transactions is None:
        return _read(read_summary_csv, summary, "--summary")
    if transactions is not None and summary is None:
        if calibration_end is None:
            raise typer.BadParameter(
                "a transaction log needs the end of calibration", param_hint="--calibration-end"
            )
        log = _read(read_transaction_log, transactions, "--transactions")
        return summarise(log, calibration_end=calibration_end)
    raise typer.BadParameter("give exactly one of --summary and --transactions")


def _read(reader: Callable[[Path], Read], path: Path, option: str) -> Read:
    try:
        return reader(path)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint=option) from error
