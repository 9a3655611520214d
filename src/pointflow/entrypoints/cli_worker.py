"""`pointflow worker` consumes a broker's partitions; `pointflow publish` is the bank's side, to try it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from pointflow.adapters.brokers import BROKERS, BrokerKind, publisher_for
from pointflow.adapters.brokers.base import Topology, Tuning
from pointflow.bootstrap import bootstrap, configured_connectors, utc_now
from pointflow.config import Settings
from pointflow.domain.errors import DomainError
from pointflow.entrypoints.file_ingest import iter_items
from pointflow.entrypoints.logs import configure
from pointflow.entrypoints.worker import WorkerConfig, broker_url, run_until_signalled
from pointflow.service_layer.partitions import MAX_PARTITIONS, parse_partitions
from pointflow.service_layer.ports import Connector, DecodeLimits, RawEvent

err = Console(stderr=True)

BrokerOption = Annotated[str, typer.Option(help=f"One of: {', '.join(BROKERS)}")]
ConnectorOption = Annotated[str, typer.Option(help="Connector that decodes the messages")]
CountOption = Annotated[
    int, typer.Option(min=1, max=MAX_PARTITIONS, help="Partitions of the stream (the same for every worker)")
]
UrlOption = Annotated[str | None, typer.Option(help="Broker URL; the broker's default port on 127.0.0.1")]
PrefixOption = Annotated[str, typer.Option(help="First part of every stream, queue and subject name")]


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.command("publish")(publish)


def worker(
    broker: BrokerOption,
    connector: ConnectorOption = "generic",
    partitions: Annotated[
        str | None, typer.Option(help="Partitions to claim, e.g. 0-3,8; all if omitted (not with kafka)")
    ] = None,
    partition_count: CountOption = 16,
    url: UrlOption = None,
    prefix: PrefixOption = "pointflow",
    batch_size: Annotated[int, typer.Option(min=1, max=5000, help="Messages per transaction, at most")] = 500,
    linger_ms: Annotated[
        int, typer.Option(min=0, max=1000, help="Wait for a fuller batch (rabbit, kafka)")
    ] = 20,
    lease_seconds: Annotated[float, typer.Option(min=1, help="Partition lease lifetime (nats, redis)")] = 10,
) -> None:
    """Consume a connector's stream from a broker through the same ingress as HTTP; ack after commit."""
    kind = broker_kind(broker)
    _connector(connector)
    if kind == "kafka" and partitions is not None:
        _refuse(
            "with kafka the consumer group assigns partitions: start more workers instead of --partitions"
        )
    try:
        claimed = parse_partitions(partitions or f"0-{partition_count - 1}", partition_count)
    except ValueError as bad:
        _refuse(f"--partitions: {bad}")
    tuning = Tuning(batch_size=batch_size, linger=linger_ms / 1000, lease_ttl=lease_seconds)
    config = WorkerConfig(kind, Topology(connector, partition_count, prefix), claimed, url=url, tuning=tuning)
    container = bootstrap()
    configure(container.settings.log_level, json=container.settings.log_json)
    try:
        err.print(f"consuming {connector} from {kind} partitions {partitions or 'all'}; Ctrl-C stops")
        stats = run_until_signalled(container, config)
    finally:
        container.close()
    summary = {"acked": stats.acked.total(), "failures": stats.failures, **stats.statuses}
    print(json.dumps(summary))


def publish(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, help="JSON-lines files")],
    broker: BrokerOption,
    connector: ConnectorOption = "generic",
    partition_count: CountOption = 16,
    url: UrlOption = None,
    prefix: PrefixOption = "pointflow",
) -> None:
    """Publish files as a bank's producer would: each event into its customer's partition, in order."""
    kind, decoder = broker_kind(broker), _connector(connector)
    topology = Topology(connector, partition_count, prefix)
    sent = publish_items(kind, url, topology, decoder, iter_items(files, decoder))
    err.print(f"published {sent} messages to {kind}")


def publish_items(
    kind: BrokerKind, url: str | None, topology: Topology, connector: Connector, items: Iterable[RawEvent]
) -> int:
    """Publish items keyed by their customer, each into its partition, in order; returns how many."""
    publisher = publisher_for(kind, url=url or broker_url(Settings(), kind), topology=topology)

    async def main() -> int:
        await publisher.start()
        try:
            return await publisher.publish_many((customer_of(connector, i), i.raw.encode()) for i in items)
        finally:
            await publisher.stop()

    return asyncio.run(main())


_ANY = DecodeLimits(max_amount=Decimal("1e18"), max_future_skew_hours=1_000_000)


def customer_of(connector: Connector, item: RawEvent) -> str:
    """The customer an item belongs to, read by its connector; what cannot be read goes by its own text."""
    if item.payload is None:
        return item.raw
    try:
        return connector.decode(item.payload, limits=_ANY, now=utc_now).customer_id
    except DomainError:  # the worker will quarantine it; any partition will do
        return item.raw


def broker_kind(name: str) -> BrokerKind:
    if name not in BROKERS:
        _refuse(f"unknown broker {name!r}; known: {', '.join(BROKERS)}")
    return name


def _connector(name: str) -> Connector:
    connectors = configured_connectors(Settings())
    if name not in connectors:
        _refuse(f"unknown connector {name!r}; known: {', '.join(sorted(connectors))}")
    return connectors[name]


def _refuse(message: str) -> NoReturn:
    err.print(message)
    raise typer.Exit(2)
