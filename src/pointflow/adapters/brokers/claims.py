"""Exclusive partitions through leases, for brokers that do not enforce one consumer (NATS, Redis).

A worker claims a set of partitions; it consumes only those whose lease it holds, renews them every third
of their lifetime, and keeps trying for the others, so that it takes over a partition when its owner stops
or dies (the lease then expires). A lease it cannot renew, for any reason, it stops consuming at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import structlog

log = structlog.get_logger(__name__)

Hook = Callable[[int], Awaitable[None]]


class Leases(Protocol):
    async def acquire(self, partition: int) -> bool: ...
    async def renew(self, partition: int) -> bool: ...
    async def release(self, partition: int) -> None: ...


class Claims:
    def __init__(
        self, partitions: Sequence[int], leases: Leases, *, ttl: float, on_gain: Hook, on_loss: Hook
    ) -> None:
        self.partitions = tuple(partitions)
        self.leases = leases
        self.ttl = ttl
        self.on_gain = on_gain
        self.on_loss = on_loss
        self.held: set[int] = set()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.round()
        self._task = asyncio.create_task(self._every_third_of_ttl())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        held, self.held = sorted(self.held), set()
        await asyncio.gather(*(self.on_loss(p) for p in held))
        for partition in held:
            with contextlib.suppress(Exception):  # it expires anyway; releasing only hands it over sooner
                await self.leases.release(partition)

    async def round(self) -> None:
        for partition in self.partitions:
            if partition in self.held:
                await self._keep(partition)
            elif await self._safely(self.leases.acquire, partition):
                await self._gain(partition)

    async def _gain(self, partition: int) -> None:
        try:
            await self.on_gain(partition)
        except Exception as error:
            log.error(
                "could not consume a gained partition; handing it back",
                partition=partition,
                error=repr(error),
            )
            with contextlib.suppress(Exception):
                await self.on_loss(partition)
                await self.leases.release(partition)
            return
        self.held.add(partition)
        log.info("partition gained", partition=partition)

    async def _keep(self, partition: int) -> None:
        if await self._safely(self.leases.renew, partition):
            return
        self.held.discard(partition)
        log.warning("partition lease lost; consuming it stops", partition=partition)
        await self.on_loss(partition)

    async def _safely(self, call: Callable[[int], Awaitable[bool]], partition: int) -> bool:
        """A lease store that cannot be reached counts as a lease not held."""
        try:
            return await asyncio.wait_for(call(partition), self.ttl / 3)
        except Exception as error:
            log.warning("lease store unreachable", partition=partition, error=repr(error))
            return False

    async def _every_third_of_ttl(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            await self.round()
