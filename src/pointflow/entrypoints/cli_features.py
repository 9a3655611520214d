"""`pointflow features build`: every member's features at an as-of date, written as Parquet."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from pointflow.adapters.db.feature_store import batch_features, online_features, rebuild_online_state
from pointflow.bootstrap import bootstrap

features_app = typer.Typer(
    help="Member features for the models, keyed by member token.", no_args_is_help=True
)
out = Console()


def register(app: typer.Typer) -> None:
    app.add_typer(features_app, name="features")


@features_app.command("build")
def build(
    as_of: Annotated[str, typer.Option(help="YYYY-MM-DD: transactions booked on or before this day count")],
    out_file: Annotated[Path, typer.Option("--out", help="The Parquet file to write")],
    source: Annotated[
        Literal["batch", "online"],
        typer.Option(help="batch: from the ledger; online: from the hot-path state"),
    ] = "batch",
) -> None:
    """Compute the features of every member at AS_OF and write them to a Parquet file."""
    day = date.fromisoformat(as_of)
    with bootstrap() as container:
        programme = container.programmes.active().programme
        currency = programme.currency
        if source == "batch":
            kinds = {reward.id: reward.kind for reward in programme.rewards}
            frame = batch_features(container.db, as_of=day, currency=currency, reward_kinds=kinds)
        else:
            frame = online_features(container.db, as_of=day, currency=currency)
    frame.write_parquet(out_file)
    out.print(f"{frame.height} members, {frame.width - 1} features ({source}, {currency}) → {out_file}")


@features_app.command("rebuild-online")
def rebuild_online() -> None:
    """Recompute the online feature state from the ledger's accruals (after upgrading, or to repair it)."""
    with bootstrap() as container:
        rows = rebuild_online_state(container.db)
    out.print(f"{rows} daily activity buckets rebuilt from the accruals")
