"""`pointflow segments refresh`: segments of a simulated bank's members, ids kept from a previous run."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

segments_app = typer.Typer(
    help="Behaviour segments with stable ids and plain descriptions.", no_args_is_help=True
)
out = Console()


def register(app: typer.Typer) -> None:
    app.add_typer(segments_app, name="segments")


@segments_app.command("refresh")
def refresh_command(
    members: Annotated[int, typer.Option(min=1, help="Members to simulate")],
    months: Annotated[int, typer.Option(min=1, help="Months to simulate")],
    out_file: Annotated[Path, typer.Option("--out", help="Parquet: one row per segmented member")],
    seed: Annotated[int, typer.Option(help="Simulator seed (k-means uses --kmeans-seed)")] = 7,
    previous: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="A previous run's --out file: keep its segment ids"),
    ] = None,
    window: Annotated[
        int | None, typer.Option(min=1, help="Segment on the last N months (default all)")
    ] = None,
    segments: Annotated[int, typer.Option(min=2, help="How many segments")] = 5,
    kmeans_seed: Annotated[int, typer.Option(help="k-means seed")] = 0,
) -> None:
    """Simulate, cluster the members' behaviour and write members with their segment, name and description."""
    # Imported here: scikit-learn and the simulator are too heavy for every `pointflow` command to load.
    from pointflow.intelligence.segments import behaviour_features, profiles, refresh
    from pointflow.sim.truth import simulate

    sim = simulate(members, months, seed=seed)
    first = max(0, months - (window or months))
    features = behaviour_features(
        sim.transactions, sim.redemptions, sim.members, first_month=first, last_month=months - 1
    )
    before = pl.read_parquet(previous) if previous is not None else None
    result = refresh(features, segments=segments, seed=kmeans_seed, previous=before)
    table = profiles(result)
    labelled = result.members.join(
        table.select(
            "segment",
            pl.col("name").alias("segment_name"),
            pl.col("description").alias("segment_description"),
        ),
        on="segment",
    )
    labelled.select(
        "customer_id", "segment", "segment_name", "segment_description", *features.columns[1:]
    ).write_parquet(out_file)
    _show(table)
    out.print(f"{labelled.height} of {members} members segmented (months {first}–{months - 1}) → {out_file}")


@segments_app.command("load")
def load_command(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A `segments refresh --out` file")
    ],
    as_of: Annotated[str, typer.Option("--as-of", help="The refresh's as-of date (YYYY-MM-DD)")],
) -> None:
    """Store a refresh's segments per member (customer ids pseudonymised) for offers and fairness to read."""
    from pointflow.adapters.db.offer_signals import replace_segments
    from pointflow.bootstrap import bootstrap

    frame = pl.read_parquet(file, columns=["customer_id", "segment", "segment_name"])
    with bootstrap() as container:
        tokenise = container.tokeniser.token
        members = {
            str(tokenise(str(c))): (str(s), str(n))
            for c, s, n in frame.select("customer_id", "segment", "segment_name").iter_rows()
        }
        with container.db.write() as conn:
            stored = replace_segments(
                conn, members, refreshed_on=date.fromisoformat(as_of), at=container.clock()
            )
    out.print(f"{stored} members' segments stored (refresh of {as_of}); members not in the file: default")


def _show(table: pl.DataFrame) -> None:
    view = Table("id", "members", "name", "description")
    for row in table.iter_rows(named=True):
        view.add_row(str(row["segment"]), str(row["members"]), row["name"], row["description"])
    out.print(view)
