"""`pointflow worker` consumes a broker's partitions; `pointflow publish` is the bank's side, to try it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from pointflow.adapters.brokers import BROKERS, DEFAULT_URLS, BrokerKind, publisher_for
from pointflow.adapters.brokers.base import Message, Topology, Tuning
from pointflow.adapters.connectors import CONNECTORS
from pointflow.bootstrap import bootstrap, utc_now
from pointflow.domain.errors import DomainError
from pointflow.entrypoints.file_ingest import iter_items
from pointflow.entrypoints.logs import configure
from pointflow.entrypoints.worker import WorkerConfig, run_until_signalled
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
    kind = _broker(broker)
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
    kind, decoder = _broker(broker), _connector(connector)
    publisher = publisher_for(
        kind, url=url or DEFAULT_URLS[kind], topology=Topology(connector, partition_count, prefix)
    )

    async def main() -> int:
        await publisher.start()
        try:
            return await publisher.publish_many(_keyed(files, decoder))
        finally:
            await publisher.stop()

    err.print(f"published {asyncio.run(main())} messages to {kind}")


_ANY = DecodeLimits(max_amount=Decimal("1e18"), max_future_skew_hours=1_000_000)


def customer_of(connector: Connector, item: RawEvent) -> str:
    """The customer an item belongs to, read by its connector; what cannot be read goes by its own text."""
    if item.payload is None:
        return item.raw
    try:
        return connector.decode(item.payload, limits=_ANY, now=utc_now).customer_id
    except DomainError:  # the worker will quarantine it; any partition will do
        return item.raw


def _keyed(files: list[Path], connector: Connector) -> Iterator[Message]:
    for item in iter_items(files, connector):
        yield customer_of(connector, item), item.raw.encode()


def _broker(name: str) -> BrokerKind:
    if name not in BROKERS:
        _refuse(f"unknown broker {name!r}; known: {', '.join(BROKERS)}")
    return name


def _connector(name: str) -> Connector:
    if name not in CONNECTORS:
        _refuse(f"unknown connector {name!r}; known: {', '.join(CONNECTORS)}")
    return CONNECTORS[name]


def _refuse(message: str) -> NoReturn:
    err.print(message)
    raise typer.Exit(2)
