"""`pointflow sim …`: the sandbox core bank — its API for write-backs and enrichment, and its feed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import httpx
import typer
import uvicorn
from rich.console import Console

from pointflow.adapters.brokers.base import Topology
from pointflow.bootstrap import configured_connectors
from pointflow.config import Settings
from pointflow.entrypoints.cli_simtruth import bank
from pointflow.entrypoints.cli_worker import broker_kind, publish_items
from pointflow.sim.bank import customers as sandbox_customers
from pointflow.sim.emit import canonical_history, first_day, native_documents, post_webhooks, write_files
from pointflow.sim.platforms import SandboxPlatform
from pointflow.sim.platforms.catalog import sandbox_platforms
from pointflow.sim.sandbox import SandboxBank
from pointflow.sim.server import sandbox_app

sim_app = typer.Typer(
    help="The sandbox core bank: a platform's API and its transaction feed.", no_args_is_help=True
)
err = Console(stderr=True)
sim_app.command("bank")(bank)

Platform = Annotated[str, typer.Option(help="The platform the sandbox speaks (a connector name)")]
Customers = Annotated[int, typer.Option(min=1, help="How many synthetic customers")]


def _platform(name: str) -> SandboxPlatform:
    known_platforms = sandbox_platforms(Settings())
    platform = known_platforms.get(name)
    if platform is None:
        known = ", ".join(sorted(known_platforms))
        raise typer.BadParameter(f"no sandbox platform {name!r} (known: {known})", param_hint="--platform")
    return platform


@sim_app.command("serve")
def serve(
    platform: Platform = "generic",
    customers: Customers = 300,
    seed: Annotated[int, typer.Option()] = 7,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8100,
) -> None:
    """Serve the platform's customer-master, balance and write-back endpoints for the sandbox customers."""
    bank = SandboxBank(sandbox_customers(customers, seed))
    err.print(f"sandbox {platform} bank with {customers} customers on http://{host}:{port}")
    uvicorn.run(sandbox_app(_platform(platform), bank), host=host, port=port, log_level="warning")


@sim_app.command("emit")
def emit(
    platform: Platform = "generic",
    customers: Customers = 300,
    months: Annotated[int, typer.Option(min=1, max=60)] = 4,
    seed: Annotated[int, typer.Option()] = 7,
    out: Annotated[Path | None, typer.Option(help="Write native files into this folder")] = None,
    webhook: Annotated[
        str | None, typer.Option(help="POST each document to pointflow at this base URL")
    ] = None,
    secret: Annotated[str | None, typer.Option(help="Sign webhooks with this shared secret")] = None,
    broker: Annotated[
        str | None, typer.Option(help="Publish to nats, rabbit, redis or kafka instead")
    ] = None,
    broker_url: Annotated[str | None, typer.Option(help="The broker's URL (default: settings)")] = None,
    partition_count: Annotated[int, typer.Option(min=1, help="Partitions the workers share")] = 16,
) -> None:
    """Emit the sandbox customers' transactions in the platform's native format."""
    if sum(x is not None for x in (out, webhook, broker)) != 1:
        raise typer.BadParameter("give exactly one of --out, --webhook or --broker", param_hint="--out")
    chosen = _platform(platform)
    documents = native_documents(chosen, canonical_history(customers, months, first_day(months), seed))
    if broker is not None:
        connector = configured_connectors(Settings())[platform]
        items = (item for doc in documents for item in connector.split(doc))
        topology = Topology(platform, partition_count)
        sent = publish_items(broker_kind(broker), broker_url, topology, connector, items)
        err.print(f"published {sent} messages to {broker}")
        return
    if out is not None:
        paths = write_files(documents, out, platform)
        err.print(f"wrote {len(paths)} file(s) to {out}")
        return
    assert webhook is not None
    with httpx.Client(timeout=30) as client:
        statuses = post_webhooks(documents, url=webhook, connector=platform, secret=secret, client=client)
    err.print(f"posted: {statuses}")
    if any(status >= 400 for status in statuses):
        raise typer.Exit(1)
