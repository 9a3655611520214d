"""`pointflow demo`: a fresh SQLite database, the sample programme, a synthetic bank's history, the API."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import httpx
import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pointflow.adapters.connectors.generic import GenericConnector
from pointflow.adapters.db.apikey_store import Role
from pointflow.bootstrap import Container, bootstrap
from pointflow.config import Settings
from pointflow.service_layer import jobs
from pointflow.service_layer.ingress import receive
from pointflow.service_layer.ports import RawEvent
from pointflow.sim.bank import generate

console = Console()

EXAMPLE = (
    '{"event_type":"transaction.posted","transaction_id":"txn_789012","account_id":"acc_123456",'
    '"customer_id":"cust_888","amount":149.99,"currency":"USD","merchant_category_code":"5812",'
    '"merchant_name":"Premium Coffee Roasters","timestamp":"2024-05-15T14:30:00Z"}'
)


def demo(
    customers: Annotated[int, typer.Option(min=1, help="Synthetic customers")] = 300,
    months: Annotated[int, typer.Option(min=1, max=24, help="Months of history")] = 4,
    seconds: Annotated[float, typer.Option(help="Stop after this many seconds; 0 runs until Ctrl-C")] = 0,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0, or a busy port, picks a free one)")] = 8000,
    database: Annotated[Path, typer.Option(help="SQLite file, recreated")] = Path("var/demo.db"),
) -> None:
    """Set up a demo bank on SQLite, ingest its history, serve the API and print commands to try."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    container = bootstrap(Settings(database_url=f"sqlite:///{database}", environment="development"))
    _ingest_history(container, customers, months)
    released = jobs.release_pending(
        container.clock().date(), sessions=container.sessions, clock=container.clock
    )
    _, admin_key = container.api_keys.create(Role.ADMIN, "demo admin", container.clock())
    if not port or not _port_free(port):
        port = _free_port()
    server, thread = _serve(container, port)
    base = f"http://127.0.0.1:{port}"
    _self_check(base, admin_key)
    _print_next_steps(container, base, admin_key, released.points, database)
    try:
        _wait(seconds)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        container.close()


def _history_start(months: int) -> date:
    today = date.today()
    month_index = today.year * 12 + today.month - 1 - months
    return date(month_index // 12, month_index % 12 + 1, 1)


def _ingest_history(container: Container, customers: int, months: int) -> None:
    deps, connector = container.ledger_deps(), GenericConnector()
    events = connector.split(EXAMPLE.encode())
    events += [RawEvent(json.dumps(e), e) for e in generate(customers, months, _history_start(months))]
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("ingesting the sandbox bank's history", total=len(events))
        for start in range(0, len(events), 500):
            chunk = events[start : start + 500]
            receive(chunk, connector=connector, deps=deps, quarantine=container.quarantine, actor="demo")
            bar.advance(task, len(chunk))


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(container: Container, port: int) -> tuple[uvicorn.Server, threading.Thread]:
    from pointflow.entrypoints.api.app import create_app

    config = uvicorn.Config(create_app(container), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    return server, thread


def _self_check(base: str, key: str) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    balance = httpx.get(f"{base}/v1/members/cust_888", headers=headers, timeout=5).json()
    console.print(f"[bold]self-check[/]: cust_888 has {balance['available']} points available (expected 300)")


def _print_next_steps(container: Container, base: str, key: str, released: int, database: Path) -> None:
    reward = min(container.programmes.active().programme.rewards, key=lambda r: r.points)
    auth = f'-H "Authorization: Bearer {key}"'
    console.print(f"\n[bold green]pointflow is serving on {base}[/] (OpenAPI: {base}/docs)")
    console.print(f"held points released by the release job as of today: {released}")
    console.print(f"admin API key (shown once): [bold]{key}[/]\n\nTry:")
    console.print(f"  curl -s {auth} {base}/v1/members/cust_888", soft_wrap=True)
    console.print(
        f"  curl -s {auth} {base}/v1/members/cust_888/transactions/txn_789012/explanation", soft_wrap=True
    )
    console.print(f"  curl -s {auth} {base}/v1/members/cust_000001/ledger?limit=5", soft_wrap=True)
    console.print(
        f"  curl -s -X POST {auth} -H 'Idempotency-Key: demo-1' -H 'Content-Type: application/json' "
        f'-d \'{{"reward_id":"{reward.id}"}}\' {base}/v1/members/cust_000001/redemptions',
        soft_wrap=True,
    )
    console.print(f"  curl -s {base}/metrics | grep pointflow_", soft_wrap=True)
    env = f"POINTFLOW_DATABASE_URL=sqlite:///{database}"
    console.print(
        f"  {env} .venv/bin/pointflow jobs expire   # cust_888's 2024 points are past 24 months",
        soft_wrap=True,
    )
    console.print(f"  {env} .venv/bin/pointflow audit verify", soft_wrap=True)


def _wait(seconds: float) -> None:
    deadline = time.monotonic() + seconds if seconds > 0 else None
    try:
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.2)
    except KeyboardInterrupt:
        console.print("stopping")
