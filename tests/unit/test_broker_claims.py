"""Partition claims over leases: one holder per partition, standby takes over, a lease not renewed is lost."""

from __future__ import annotations

import asyncio

from pointflow.adapters.brokers.claims import Claims


class Store:
    """A lease store shared by workers: partition → holder."""

    def __init__(self) -> None:
        self.holders: dict[int, str] = {}
        self.unreachable = False


class Leases:
    def __init__(self, store: Store, owner: str) -> None:
        self.store = store
        self.owner = owner

    async def acquire(self, partition: int) -> bool:
        if self.store.unreachable:
            raise ConnectionError("lease store down")
        return self.store.holders.setdefault(partition, self.owner) == self.owner

    async def renew(self, partition: int) -> bool:
        if self.store.unreachable:
            raise ConnectionError("lease store down")
        return self.store.holders.get(partition) == self.owner

    async def release(self, partition: int) -> None:
        if self.store.holders.get(partition) == self.owner:
            del self.store.holders[partition]


class Recorder:
    def __init__(self, fail_on: int | None = None) -> None:
        self.consuming: set[int] = set()
        self.fail_on = fail_on

    async def gain(self, partition: int) -> None:
        if partition == self.fail_on:
            raise RuntimeError("cannot subscribe")
        self.consuming.add(partition)

    async def loss(self, partition: int) -> None:
        self.consuming.discard(partition)


def claims(store: Store, owner: str, partitions: range, recorder: Recorder) -> Claims:
    return Claims(partitions, Leases(store, owner), ttl=60, on_gain=recorder.gain, on_loss=recorder.loss)


def test_overlapping_claims_give_each_partition_one_holder_and_the_standby_takes_over() -> None:
    store, ra, rb = Store(), Recorder(), Recorder()
    a, b = claims(store, "a", range(2), ra), claims(store, "b", range(1, 3), rb)

    async def scenario() -> None:
        await a.start()
        await b.start()
        assert (a.held, b.held, ra.consuming, rb.consuming) == ({0, 1}, {2}, {0, 1}, {2})
        await b.round()
        assert b.held == {2}
        await a.stop()
        assert (ra.consuming, store.holders) == (set(), {2: "b"})
        await b.round()
        assert (b.held, rb.consuming) == ({1, 2}, {1, 2})
        await b.stop()

    asyncio.run(scenario())


def test_a_lease_taken_by_another_worker_stops_consumption_at_once() -> None:
    store, recorder = Store(), Recorder()
    worker = claims(store, "a", range(2), recorder)

    async def scenario() -> None:
        await worker.start()
        store.holders[1] = "b"  # a's lease expired and b acquired it
        await worker.round()
        assert (worker.held, recorder.consuming) == ({0}, {0})
        await worker.stop()

    asyncio.run(scenario())


def test_an_unreachable_lease_store_counts_as_no_lease() -> None:
    store, recorder = Store(), Recorder()
    worker = claims(store, "a", range(2), recorder)

    async def scenario() -> None:
        await worker.start()
        store.unreachable = True
        await worker.round()
        assert (worker.held, recorder.consuming) == (set(), set())
        store.unreachable = False
        await worker.stop()

    asyncio.run(scenario())


def test_a_partition_that_cannot_be_consumed_is_handed_back() -> None:
    store, recorder = Store(), Recorder(fail_on=1)
    worker = claims(store, "a", range(2), recorder)

    async def scenario() -> None:
        await worker.start()
        assert (worker.held, store.holders) == ({0}, {0: "a"})
        await worker.stop()

    asyncio.run(scenario())
