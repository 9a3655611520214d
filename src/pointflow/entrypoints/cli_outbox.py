"""`pointflow outbox …`: watch, dispatch and retry the write-backs waiting for the core."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pointflow.bootstrap import CoreNotConfigured, bootstrap
from pointflow.entrypoints import dispatcher
from pointflow.service_layer.outbox import DispatchResult

outbox_app = typer.Typer(
    help="The outbox: write-backs to the core, delivered at least once.", no_args_is_help=True
)
out = Console()
err = Console(stderr=True)


@outbox_app.command("list")
def outbox_list(
    state: Annotated[str, typer.Option(help="pending, delivered, dead or all")] = "all",
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table")] = False,
) -> None:
    """List outbox messages with their state, tries and last error."""
    with bootstrap() as container:
        rows = container.outbox.rows(state=None if state == "all" else state, limit=limit)
        counts = container.outbox.counts()
    if as_json:
        for r in rows:
            print(
                json.dumps(
                    {
                        "id": r.id,
                        "key": r.key,
                        "kind": r.kind,
                        "state": r.state,
                        "attempts": r.attempts,
                        "last_error": r.last_error,
                    }
                )
            )
        return
    table = Table("id", "key", "kind", "state", "tries", "next try", "last error")
    for r in rows:
        next_try = r.next_attempt_at.isoformat(timespec="seconds") if r.state == "pending" else ""
        table.add_row(r.id, r.key, r.kind, r.state, str(r.attempts), next_try, (r.last_error or "")[:80])
    out.print(table)
    out.print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "the outbox is empty")


@outbox_app.command("retry")
def outbox_retry(
    ids: Annotated[
        list[str] | None, typer.Argument(help="Dead-letter ids; every dead letter when none")
    ] = None,
) -> None:
    """Send dead letters round again with a fresh attempt budget."""
    with bootstrap() as container:
        n = container.outbox.retry(ids=ids or None, now=container.clock())
    out.print(f"{n} dead letter(s) queued again")


@outbox_app.command("dispatch")
def outbox_dispatch(
    once: Annotated[bool, typer.Option(help="Stop when nothing is due")] = False,
    interval: Annotated[float, typer.Option(min=0.05, help="Seconds to wait when idle")] = 1.0,
) -> None:
    """Deliver write-backs to the core (POINTFLOW_CORE_PLATFORM at POINTFLOW_CORE_URL) and offer
    notifications to the configured channels until stopped."""
    container = bootstrap()
    try:
        receiver = container.core()
    except CoreNotConfigured as problem:
        container.close()
        err.print(f"[red]cannot dispatch:[/red] {problem}")
        raise typer.Exit(2) from None
    receivers = container.receivers(receiver)
    try:
        totals = dispatcher.run(container, receivers.receiver, once=once, interval=interval, report=_report)
    finally:
        receivers.close()
        receiver.client.close()
        container.close()
    out.print(f"delivered {totals.delivered}, to retry {totals.retried}, dead {totals.dead}")


def _report(result: DispatchResult) -> None:
    for line in result.errors:
        err.print(line)
