"""HTTP latency at a fixed offered load: open-loop, each request timed from when it was due to be sent.

A closed loop (send, wait, send) slows down when the server does and so hides the queueing a slow
response causes for the requests behind it (coordinated omission); here send times are fixed in advance
and a late send counts against the latency of the request that was late.
"""

from __future__ import annotations

import asyncio
import math
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.databases import open_container
from bench.lean_http import LeanClient
from pointflow.adapters.db.apikey_store import Role

PATH = "/v1/events/generic"
CONNECTIONS = 64
WARMUP_SECONDS = 1.0
GIVE_UP_SECONDS = 5.0  # a request not answered this long after it was due counts as a timeout


@dataclass(frozen=True)
class Sample:
    due: float
    latency: float
    status: str  # the HTTP status code, or "timeout" or "transport error"


@dataclass(frozen=True)
class LoadResult:
    offered_rate: float
    seconds: float
    requests: int
    statuses: dict[str, int]
    errors: int
    achieved_rate: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ingest_key(url: str) -> str:
    """Migrate the database, load the programme and return a new ingest API key for it."""
    container = open_container(url)
    try:
        _, key = container.api_keys.create(Role.INGEST, "bench", datetime.now(UTC))
    finally:
        container.close()
    return key


@contextmanager
def server(url: str, log: Path) -> Iterator[str]:
    """Run the API in a child process until the block ends; yields its base URL once it answers."""
    port = free_port()
    with log.open("wb") as sink:
        child = subprocess.Popen(
            [sys.executable, "-m", "bench.serve", url, str(port)], stdout=sink, stderr=subprocess.STDOUT
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(base, child, log)
            yield base
        finally:
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _wait_until_up(base: str, child: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"the API exited with {child.returncode}: {log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the API did not answer /healthz within {timeout} s")


def offer(base: str, key: str, bodies: list[str], *, rate: float, seconds: float) -> LoadResult:
    """Warm up, then send `rate` × `seconds` single-event POSTs on a fixed schedule."""
    warmup = int(rate * WARMUP_SECONDS)
    if len(bodies) < warmup + int(rate * seconds):
        raise ValueError("not enough unique events for the warm-up and the measured run")
    return asyncio.run(_offer(base, key, bodies, warmup, rate, seconds))


async def _offer(
    base: str, key: str, bodies: list[str], warmup: int, rate: float, seconds: float
) -> LoadResult:
    headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    async with LeanClient(base, headers, CONNECTIONS) as client:
        await _schedule(client, bodies[:warmup], rate)
        samples = await _schedule(client, bodies[warmup : warmup + int(rate * seconds)], rate)
    return summarise(samples, rate, seconds)


async def _schedule(client: LeanClient, bodies: list[str], rate: float) -> list[Sample]:
    first = time.perf_counter() + 0.05
    tasks = []
    for index, body in enumerate(bodies):
        due = first + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_send(client, body, due)))
    return list(await asyncio.gather(*tasks))


async def _send(client: LeanClient, body: str, due: float) -> Sample:
    try:
        async with asyncio.timeout_at(_loop_time(due + GIVE_UP_SECONDS)):
            status = str(await client.post(PATH, body))
    except TimeoutError:
        status = "timeout"
    except (OSError, asyncio.IncompleteReadError, ValueError):
        status = "transport error"
    return Sample(due, time.perf_counter() - due, status)


def _loop_time(at: float) -> float:
    """A `perf_counter` instant on the event loop's clock."""
    return asyncio.get_running_loop().time() + (at - time.perf_counter())


def summarise(samples: list[Sample], rate: float, seconds: float) -> LoadResult:
    latencies = sorted(s.latency for s in samples)
    ok = [s for s in samples if s.status.startswith("2")]
    span = max(s.due + s.latency for s in samples) - min(s.due for s in samples)
    return LoadResult(
        offered_rate=rate,
        seconds=seconds,
        requests=len(samples),
        statuses=dict(Counter(s.status for s in samples)),
        errors=len(samples) - len(ok),
        achieved_rate=len(ok) / span,
        p50_ms=_percentile(latencies, 0.50) * 1000,
        p90_ms=_percentile(latencies, 0.90) * 1000,
        p99_ms=_percentile(latencies, 0.99) * 1000,
        max_ms=latencies[-1] * 1000,
    )


def _percentile(ordered: list[float], fraction: float) -> float:
    """Nearest rank: the smallest value with at least `fraction` of the samples at or below it."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]
