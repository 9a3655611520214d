"""The stream worker: consumes the partitions it claims from a broker and applies every message through
the same ingress as HTTP and files (connector split → receive), acknowledging only what has committed."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import uuid
from dataclasses import dataclass, field

from pointflow.adapters.brokers import DEFAULT_URLS, BrokerKind, ingress_for
from pointflow.adapters.brokers.base import Ingress, Stats, Topology, Tuning
from pointflow.adapters.brokers.handler import BatchHandler
from pointflow.bootstrap import Container
from pointflow.config import Settings
from pointflow.entrypoints.tuning import long_running
from pointflow.service_layer.accrual import LedgerDeps


def worker_id() -> str:
    """Names this process in partition leases and in its logs."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class WorkerConfig:
    broker: BrokerKind
    topology: Topology
    partitions: tuple[int, ...]  # the ones this worker claims (Kafka: ignored, the group assigns them)
    url: str | None = None
    tuning: Tuning = field(default_factory=Tuning)


def broker_url(settings: Settings, kind: BrokerKind) -> str:
    """The configured URL for a broker (POINTFLOW_NATS_URL, …), else its default on loopback."""
    configured = {
        "nats": settings.nats_url,
        "rabbit": settings.rabbitmq_url,
        "redis": settings.redis_url,
        "kafka": settings.kafka_bootstrap_servers,
    }[kind]
    return configured or DEFAULT_URLS[kind]


class Worker:
    def __init__(
        self,
        container: Container,
        config: WorkerConfig,
        *,
        owner: str | None = None,
        deps: LedgerDeps | None = None,
    ) -> None:
        self.owner = owner or worker_id()
        self.handler = BatchHandler(
            connector=container.connectors[config.topology.connector],
            deps=deps or container.ledger_deps(),
            quarantine=container.quarantine,
            actor=f"broker:{config.broker}",
        )
        self.ingress: Ingress = ingress_for(
            config.broker,
            url=config.url or broker_url(container.settings, config.broker),
            topology=config.topology,
            partitions=config.partitions,
            handler=self.handler,
            tuning=config.tuning,
            owner=self.owner,
        )

    @property
    def stats(self) -> Stats:
        return self.handler.stats

    def owned(self) -> frozenset[int]:
        return self.ingress.owned()

    async def start(self) -> None:
        await self.ingress.start()

    async def stop(self) -> None:
        self.handler.stopping.set()
        await self.ingress.stop()

    async def run(self, stop: asyncio.Event) -> Stats:
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()
        return self.stats


def run_until_signalled(container: Container, config: WorkerConfig) -> Stats:
    """Run in the foreground; SIGINT or SIGTERM finishes the batch in hand and stops."""

    async def main() -> Stats:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await Worker(container, config).run(stop)

    with long_running(container.db):
        return asyncio.run(main())
