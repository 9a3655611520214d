"""Kill the outbox dispatcher mid-delivery and start it again: every write-back reaches the sandbox bank
at least once and is applied exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pointflow.bootstrap import Container
from pointflow.service_layer.redemption import Redeem, redeem
from pointflow.sim.bank import SimCustomer
from pointflow.sim.platforms.generic import GenericSandbox
from pointflow.sim.sandbox import SandboxBank
from pointflow.sim.server import sandbox_app
from tests.factories import purchase, ref, send
from tests.servers import serving, wait_for

POINTFLOW = [str(Path(sys.executable).with_name("pointflow"))]


def dispatcher(database_url: str, core_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "POINTFLOW_ENVIRONMENT": "test",
        "POINTFLOW_DATABASE_URL": database_url,
        "POINTFLOW_CORE_PLATFORM": "generic",
        "POINTFLOW_CORE_URL": core_url,
        "POINTFLOW_OUTBOX_LEASE_SECONDS": "1",
    }
    with log.open("ab") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [*POINTFLOW, "outbox", "dispatch", "--interval", "0.1"], env=env, stdout=handle, stderr=handle
        )


@contextmanager
def running(process: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_a_killed_dispatcher_loses_nothing_and_applies_nothing_twice(
    container: Container, database_url: str, tmp_path: Path
) -> None:
    ids = [ref("cust") for _ in range(6)]
    bank = SandboxBank([SimCustomer(i, f"acc_{i}", "commuter", "US", "N", "e@x", "1") for i in ids])
    for who in ids:
        send(container, purchase(who, "3000.00"))
        redeem(Redeem(who, "cashback-25", 1, ref("key")), deps=container.ledger_deps(), actor="e2e")
    keys = {r.key for r in container.outbox.rows()}
    # Each answer is held for 0.4 s after the bank applied the write-back: the kill lands in that window.
    with serving(sandbox_app(GenericSandbox(), bank, reply_delay=0.4)) as url:
        first = dispatcher(database_url, url, tmp_path / "dispatch.log")
        wait_for(lambda: sum(bank.deliveries.values()) >= 2, what="two deliveries")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        second = dispatcher(database_url, url, tmp_path / "dispatch.log")
        wait_for(
            lambda: container.outbox.counts() == {"delivered": len(keys)}, timeout=60, what="all delivered"
        )
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=20) == 0
    assert {a.key for a in bank.applied()} == keys
    assert all(bank.deliveries[k] >= 1 for k in keys)
    assert max(bank.deliveries.values()) >= 2, "the kill should have cut one delivery off before its answer"
    assert bank.balance(f"acc_{ids[0]}") == 2525
