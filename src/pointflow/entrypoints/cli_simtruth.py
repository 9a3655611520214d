"""`pointflow sim bank`: the ground-truth simulator's tables as Parquet, and optionally its transactions
in a platform's native format."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pointflow.config import Settings
from pointflow.sim.emit import native_documents, write_files
from pointflow.sim.platforms.catalog import sandbox_platforms
from pointflow.sim.truth import DEFAULT_START, simulate
from pointflow.sim.truth.canonical import canonical_events
from pointflow.sim.truth.tables import write

err = Console(stderr=True)


def bank(
    out: Annotated[Path, typer.Option(help="Folder for the Parquet tables (and native files)")],
    members: Annotated[int, typer.Option(min=1, help="How many members")] = 10_000,
    months: Annotated[int, typer.Option(min=1, max=120, help="How many months")] = 18,
    seed: Annotated[int, typer.Option(help="The random seed; the same seed gives the same tables")] = 7,
    start: Annotated[
        str, typer.Option(help="First month simulated (YYYY-MM-DD)")
    ] = DEFAULT_START.isoformat(),
    platform: Annotated[
        str | None, typer.Option(help="Also write the transactions natively for this platform")
    ] = None,
    emit_limit: Annotated[
        int | None, typer.Option(min=1, help="Write only the first N transactions natively")
    ] = None,
) -> None:
    """Simulate members with latent factors, their transactions, balances, redemptions and churn."""
    chosen = None
    if platform is not None:
        chosen = sandbox_platforms(Settings()).get(platform)
        if chosen is None:
            raise typer.BadParameter(f"no sandbox platform {platform!r}", param_hint="--platform")
    try:
        first = date.fromisoformat(start)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--start") from error
    simulation = simulate(members, months, seed=seed, start=first)
    paths = write(simulation.tables(), out)
    err.print(f"wrote {len(paths)} tables ({simulation.transactions.height} transactions) to {out}")
    if chosen is not None:
        emitted = simulation.transactions.head(emit_limit) if emit_limit else simulation.transactions
        documents = native_documents(chosen, canonical_events(emitted))
        native = write_files(documents, out / chosen.name, chosen.name)
        err.print(f"wrote {len(native)} {chosen.name} file(s) to {out / chosen.name}")
