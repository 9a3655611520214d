"""`pointflow demo`: a fresh SQLite database, the sample programme, a synthetic bank's history, the API."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pointflow.adapters.connectors import CORE_APIS
from pointflow.adapters.db.apikey_store import Role
from pointflow.bootstrap import Container, bootstrap
from pointflow.config import Settings
from pointflow.entrypoints import dispatcher
from pointflow.entrypoints.api.app import create_app
from pointflow.entrypoints.demo_console import (
    DemoUser,
    create_demo_users,
    live_postings,
    propose_premier_offers,
    store_liability_forecast,
)
from pointflow.service_layer import jobs
from pointflow.service_layer.ingress import receive
from pointflow.sim.bank import customers as sandbox_customers
from pointflow.sim.emit import canonical_history, first_day, native_documents
from pointflow.sim.platforms import SandboxPlatform
from pointflow.sim.platforms.catalog import sandbox_platforms
from pointflow.sim.sandbox import SandboxBank
from pointflow.sim.server import sandbox_app

console = Console()
DEFAULT_PLATFORM = "mambu"
SELF_CHECK_MEMBER = "cust_000001"
SELF_CHECK_REWARD = "cashback-25"
SELF_CHECK_POINTS = 2500

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
    platform: Annotated[str, typer.Option(help="The sandbox bank's core platform")] = DEFAULT_PLATFORM,
) -> None:
    """Start a sandbox core bank, ingest its history in its native format on SQLite, serve the API, write
    back to the sandbox through the outbox, and print commands to try."""
    platforms = sandbox_platforms(Settings())
    sandbox = platforms.get(platform)
    if sandbox is None:
        raise typer.BadParameter(f"known platforms: {', '.join(sorted(platforms))}", param_hint="--platform")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    bank = SandboxBank(sandbox_customers(customers))
    with serving(sandbox_app(sandbox, bank), _free_port()) as bank_url:
        settings = Settings(
            database_url=f"sqlite:///{database}",
            environment="development",
            core_platform=platform if platform in CORE_APIS else None,
            core_url=bank_url,
        )
        container = bootstrap(settings)
        try:
            _run(container, sandbox, customers, months, seconds, port, database, bank_url)
        finally:
            container.close()


def _run(
    container: Container,
    sandbox: SandboxPlatform,
    customers: int,
    months: int,
    seconds: float,
    port: int,
    database: Path,
    bank_url: str,
) -> None:
    _ingest_history(container, sandbox, customers, months)
    released = jobs.release_pending(
        container.clock().date(), sessions=container.sessions, clock=container.clock
    )
    _, admin_key = container.api_keys.create(Role.ADMIN, "demo admin", container.clock())
    users = create_demo_users(container)
    waiting = propose_premier_offers(container, sandbox, sandbox_customers(customers))
    store_liability_forecast(container)
    if not port or not _port_free(port):
        port = _free_port()
    stop = threading.Event()
    with (
        serving(create_app(container), port) as base,
        _dispatching(container, stop),
        _live(container, sandbox, customers, stop),
    ):
        account = sandbox_customers(1)[0].account_id
        _self_check(base, admin_key, bank_url, container.settings.core_platform is not None, account)
        _print_next_steps(container, base, admin_key, released.points, database, bank_url)
        _print_console(base, users, waiting)
        _wait(seconds)
        stop.set()


@contextmanager
def _live(
    container: Container, sandbox: SandboxPlatform, customers: int, stop: threading.Event
) -> Iterator[None]:
    """The sandbox bank keeps posting while the demo runs, so the console's figures move."""
    thread = threading.Thread(target=live_postings, args=(container, sandbox, customers, stop), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def _print_console(base: str, users: list[DemoUser], waiting: int) -> None:
    console.print(
        f"\n[bold green]The console: {base}/console/[/] (log in as any of these; passwords shown once)"
    )
    for user in users:
        roles = ", ".join(role.value for role in user.roles)
        console.print(f"  {user.username:<10} {user.password}   ({roles})", soft_wrap=True)
    console.print(
        f"{waiting} Premier welcome offers wait for approval (log in as marketing: Approvals); "
        "the sandbox bank posts new transactions every second"
    )


@contextmanager
def _dispatching(container: Container, stop: threading.Event) -> Iterator[None]:
    """The outbox dispatcher in a thread, delivering write-backs to the sandbox bank while the demo runs."""
    if container.settings.core_platform is None:
        console.print(
            "this platform has no write-back API: the outbox keeps its messages (pointflow outbox list)"
        )
        yield
        return
    core = container.core()
    receivers = container.receivers(core)
    thread = threading.Thread(
        target=dispatcher.run, args=(container, receivers.receiver), kwargs={"stop": stop, "interval": 0.2}
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
        receivers.close()
        core.client.close()


def _ingest_history(container: Container, sandbox: SandboxPlatform, customers: int, months: int) -> None:
    """The integration guide's example, then the sandbox history in its native format, as a bank sends it."""
    deps, generic = container.ledger_deps(), container.connectors["generic"]
    receive(
        generic.split(EXAMPLE.encode()),
        connector=generic,
        deps=deps,
        quarantine=container.quarantine,
        actor="demo",
    )
    connector = container.connectors[sandbox.name]
    events = list(canonical_history(customers, months, first_day(months)))
    items = [item for doc in native_documents(sandbox, events) for item in connector.split(doc)]
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(f"ingesting the sandbox bank's history ({sandbox.name} format)", total=len(items))
        for start in range(0, len(items), 500):
            chunk = items[start : start + 500]
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


@contextmanager
def serving(app: Any, port: int) -> Iterator[str]:
    """Serve an ASGI app on 127.0.0.1:`port` in a thread for as long as the block runs."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _self_check(base: str, key: str, bank_url: str, writes_back: bool, account_id: str) -> None:
    """The example's 300 points; and, where the platform has a write-back API, one redemption that the
    sandbox bank hears of through the outbox."""
    headers = {"Authorization": f"Bearer {key}"}
    balance = httpx.get(f"{base}/v1/members/cust_888", headers=headers, timeout=5).json()
    console.print(f"[bold]self-check[/]: cust_888 has {balance['available']} points available (expected 300)")
    if not writes_back:
        return
    member = httpx.get(f"{base}/v1/members/{SELF_CHECK_MEMBER}", headers=headers, timeout=5)
    if member.status_code != 200 or member.json()["available"] < SELF_CHECK_POINTS:
        return
    redeemed = httpx.post(
        f"{base}/v1/members/{SELF_CHECK_MEMBER}/redemptions",
        json={"reward_id": SELF_CHECK_REWARD, "account_id": account_id},
        headers={**headers, "Idempotency-Key": "demo-self-check"},
        timeout=5,
    )
    deadline = time.monotonic() + 10
    while redeemed.is_success and time.monotonic() < deadline:
        applied = httpx.get(f"{bank_url}/_sandbox/write-backs", timeout=5).json()["write_backs"]
        if applied:
            console.print(
                f"[bold]self-check[/]: {SELF_CHECK_MEMBER} redeemed {SELF_CHECK_REWARD}; the sandbox bank "
                f"applied write-back {applied[0]['key']} ({applied[0]['kind']})"
            )
            return
        time.sleep(0.1)
    console.print(
        f"[yellow]self-check[/]: the redemption's write-back has not reached the bank: {redeemed.text}"
    )


def _print_next_steps(
    container: Container, base: str, key: str, released: int, database: Path, bank_url: str
) -> None:
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
    console.print(
        f"  curl -s {bank_url}/_sandbox/write-backs   # the sandbox bank heard of it", soft_wrap=True
    )
    console.print(f"  curl -s {base}/metrics | grep pointflow_", soft_wrap=True)
    env = f"POINTFLOW_DATABASE_URL=sqlite:///{database}"
    console.print(
        f"  {env} .venv/bin/pointflow jobs expire   # cust_888's 2024 points are past 24 months",
        soft_wrap=True,
    )
    console.print(f"  {env} .venv/bin/pointflow audit verify", soft_wrap=True)
    console.print(f"  {env} .venv/bin/pointflow outbox list", soft_wrap=True)


def _wait(seconds: float) -> None:
    deadline = time.monotonic() + seconds if seconds > 0 else None
    try:
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.2)
    except KeyboardInterrupt:
        console.print("stopping")
