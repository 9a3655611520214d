"""The outbox dispatcher process: deliver due messages, sleep while there are none, stop on a signal."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

from pointflow.bootstrap import Container
from pointflow.service_layer.outbox import DispatchResult, Receiver, dispatch_due


def run(
    container: Container,
    receiver: Receiver,
    *,
    once: bool = False,
    interval: float = 1.0,
    stop: threading.Event | None = None,
    report: Callable[[DispatchResult], None] = lambda _: None,
) -> DispatchResult:
    """Dispatch until stopped (or, with `once`, until nothing is due); returns the totals."""
    stop = stop or _stop_on_signals()
    totals = DispatchResult()
    while not stop.is_set():
        result = dispatch_due(
            outbox=container.outbox,
            receiver=receiver,
            customer_id=container.outbox.customer_id,
            clock=container.clock,
            backoff=container.backoff(),
        )
        _add(totals, result)
        report(result)
        handled = result.delivered + result.retried + result.dead
        if once and handled == 0:
            break
        if handled == 0:
            stop.wait(interval)
    return totals


def _add(totals: DispatchResult, result: DispatchResult) -> None:
    totals.delivered += result.delivered
    totals.retried += result.retried
    totals.dead += result.dead
    totals.errors.extend(result.errors)


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    return stop
