"""`pointflow publish` and `pointflow worker` as a bank's engineer runs them, against NATS on loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from pointflow.adapters.brokers.base import Topology
from pointflow.adapters.connectors.generic import GenericConnector
from pointflow.adapters.db.tables import inbox
from pointflow.entrypoints.cli import app
from pointflow.entrypoints.cli_worker import customer_of
from tests.factories import EXAMPLE
from tests.integration.broker_checks import broker_url, customers_in, remove_nats, run, topology, workload

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture
def top() -> Iterator[Topology]:
    names = topology()
    yield names
    run(remove_nats(broker_url("nats", "nats://127.0.0.1:4222"), names))


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--broker", "mqtt"], "unknown broker"),
        (["--broker", "nats", "--connector", "nope"], "unknown connector"),
        (["--broker", "kafka", "--partitions", "0-1"], "consumer group assigns"),
        (["--broker", "nats", "--partitions", "9-20"], "outside the partitions 0-15"),
    ],
)
def test_the_worker_refuses_a_bad_command_line_and_says_why(args: list[str], says: str) -> None:
    result = CliRunner().invoke(app, ["worker", *args])
    assert result.exit_code == 2
    assert says in result.output


def test_published_events_are_applied_by_a_worker_process_that_stops_on_sigint(
    top: Topology, sqlite_url: str, tmp_path: Path
) -> None:
    url = broker_url("nats", "nats://127.0.0.1:4222")
    events = workload(customers_in(top, [0, 1, 2, 3], per_partition=1))
    bank = tmp_path / "bank.jsonl"
    bank.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    common = ["--url", url, "--prefix", top.prefix, "--partition-count", "4"]
    published = CliRunner().invoke(app, ["publish", str(bank), "--broker", "nats", *common])
    assert published.exit_code == 0, published.output
    assert f"published {len(events)} messages" in published.output
    env = {**os.environ, "PYTHONPATH": str(SRC), "POINTFLOW_DATABASE_URL": sqlite_url}
    command = [sys.executable, "-c", "from pointflow.entrypoints.cli import app; app()", "worker"]
    worker = subprocess.Popen(
        [*command, "--broker", "nats", *common],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_applied(sqlite_url, len(events), worker)
        worker.send_signal(signal.SIGINT)
        out, err = worker.communicate(timeout=20)
    finally:
        worker.kill()
    assert worker.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1]) == {
        "acked": len(events),
        "failures": 0,
        "accepted": len(events),
    }


def _wait_until_applied(database_url: str, count: int, worker: subprocess.Popen[str]) -> None:
    engine = sa.create_engine(database_url)
    deadline = time.monotonic() + 30
    try:
        while _inbox_rows(engine) < count:
            assert worker.poll() is None, "the worker exited early"
            assert time.monotonic() < deadline, "the worker did not apply every event in time"
            time.sleep(0.05)
    finally:
        engine.dispose()


def _inbox_rows(engine: sa.Engine) -> int:
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(inbox)).scalar_one())
    except sa.exc.OperationalError:  # the worker has not created the schema yet
        return 0


def test_the_publisher_finds_each_documents_customer_through_the_connector() -> None:
    connector = GenericConnector()
    [good] = connector.split(EXAMPLE.encode())
    [unreadable] = connector.split(b"{not json")
    assert customer_of(connector, good) == "cust_888"
    assert customer_of(connector, unreadable) == "{not json"  # any partition; the worker quarantines it
