"""Group commit for HTTP ingest: requests that arrive while a transaction is being written share the next one.

Each event still commits in exactly one transaction with all its effects; under load many requests share a
transaction, so throughput rises and no request waits behind a queue of single-event commits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi.concurrency import run_in_threadpool

from pointflow.service_layer.ingress import ItemResult
from pointflow.service_layer.ports import Connector, RawEvent

Process = Callable[[list[RawEvent], Connector, str], list[ItemResult]]


@dataclass
class _Request:
    items: list[RawEvent]
    connector: Connector
    actor: str
    done: asyncio.Future[list[ItemResult]]


@dataclass
class IngestBatcher:
    process: Process
    max_events: int = 1000
    _queue: asyncio.Queue[_Request] = field(default_factory=asyncio.Queue)
    _task: asyncio.Task[None] | None = None

    async def submit(self, items: list[RawEvent], connector: Connector, actor: str) -> list[ItemResult]:
        done: asyncio.Future[list[ItemResult]] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Request(items, connector, actor, done))
        return await done

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            group = [await self._queue.get()]
            size = len(group[0].items)
            while size < self.max_events and not self._queue.empty():
                group.append(self._queue.get_nowait())
                size += len(group[-1].items)
            for same in _by_sender(group):
                await self._write(same)

    async def _write(self, requests: list[_Request]) -> None:
        items = [item for r in requests for item in r.items]
        try:
            results = await run_in_threadpool(self.process, items, requests[0].connector, requests[0].actor)
        except Exception as error:  # the whole transaction failed: every request in it hears why
            for r in requests:
                if not r.done.done():
                    r.done.set_exception(error)
            return
        start = 0
        for r in requests:
            mine = results[start : start + len(r.items)]
            r.done.set_result([_reindexed(result, i) for i, result in enumerate(mine)])
            start += len(r.items)


def _by_sender(group: list[_Request]) -> list[list[_Request]]:
    """Requests with the same connector and caller, in arrival order (the audit log names the caller)."""
    buckets: dict[tuple[str, str], list[_Request]] = {}
    for r in group:
        buckets.setdefault((r.connector.name, r.actor), []).append(r)
    return list(buckets.values())


def _reindexed(result: ItemResult, index: int) -> ItemResult:
    return ItemResult(
        index,
        result.status,
        result.source_id,
        result.points,
        result.detail,
        result.field,
        result.quarantine_id,
    )
