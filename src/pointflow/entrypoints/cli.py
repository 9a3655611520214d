"""The `pointflow` command line: serve, ingest, jobs, quarantine, audit, keys, programme, demo."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pointflow.adapters.db.apikey_store import Role, ScopeNotAllowed
from pointflow.adapters.db.audit_store import iter_entries, read_head
from pointflow.bootstrap import bootstrap
from pointflow.entrypoints import (
    cli_demo,
    cli_features,
    cli_governance,
    cli_models,
    cli_report,
    cli_segments,
    cli_users,
    cli_worker,
)
from pointflow.entrypoints.cli_clv import clv_app
from pointflow.entrypoints.cli_decode import decode
from pointflow.entrypoints.cli_forecast import forecast_app
from pointflow.entrypoints.cli_offers import offers_app
from pointflow.entrypoints.cli_outbox import outbox_app
from pointflow.entrypoints.cli_sim import sim_app
from pointflow.entrypoints.file_ingest import INGEST_BATCH, ingest_files, is_line_format
from pointflow.entrypoints.tuning import long_running
from pointflow.governance.audit import verify_chain
from pointflow.service_layer import jobs
from pointflow.service_layer.replay import replay
from pointflow.service_layer.tiers import evaluate_tiers

app = typer.Typer(
    help="pointflow: real-time loyalty points beside the core banking platform.", no_args_is_help=True
)
quarantine_app = typer.Typer(help="Inspect and replay quarantined input.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys for machines.", no_args_is_help=True)
programme_app = typer.Typer(help="The programme file: earn rules, tiers, rewards.", no_args_is_help=True)
jobs_app = typer.Typer(help="Scheduled ledger jobs (idempotent for an as-of date).", no_args_is_help=True)
for sub, name in (
    (quarantine_app, "quarantine"),
    (audit_app, "audit"),
    (apikey_app, "apikey"),
    (programme_app, "programme"),
    (jobs_app, "jobs"),
    (outbox_app, "outbox"),
    (sim_app, "sim"),
    (forecast_app, "forecast"),
    (offers_app, "offers"),
):
    app.add_typer(sub, name=name)
app.command("demo")(cli_demo.demo)
app.command("decode")(decode)
cli_worker.register(app)
app.add_typer(clv_app, name="clv")
cli_features.register(app)
cli_segments.register(app)
cli_models.register(app)
cli_report.register(app)
cli_governance.register(app)
cli_users.register(app)

out = Console()
err = Console(stderr=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
) -> None:
    """Run the HTTP API (OpenAPI at /docs)."""
    from pointflow.entrypoints.api.server import serve as run_server
    from pointflow.entrypoints.logs import configure

    with bootstrap() as container:
        configure(container.settings.log_level, json=container.settings.log_json)
        run_server(container, host=host, port=port)


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, help="Native files")],
    connector: Annotated[str, typer.Option(help="Connector that decodes the files")] = "generic",
    batch_size: Annotated[int, typer.Option(min=1, max=20_000)] = INGEST_BATCH,
) -> None:
    """Ingest native files through the same handler as the HTTP API.

    JSON lines (.jsonl, .ndjson) are read line by line; any other file is one native document (a camt
    statement, a JSON array, a stream batch, an Avro message) that the connector cuts into items.
    """
    with bootstrap() as container:
        decoder = container.connectors.get(connector)
        if decoder is None:
            err.print(f"unknown connector {connector!r}; known: {', '.join(sorted(container.connectors))}")
            raise typer.Exit(2)
        with _progress() as bar, long_running(container.db):
            task = bar.add_task("ingesting", total=_expected_items(files))
            counts = ingest_files(
                files,
                connector=decoder,
                deps=container.ledger_deps(),
                quarantine=container.quarantine,
                batch_size=batch_size,
                progress=lambda n: bar.advance(task, n),
            )
        out.print_json(json.dumps(dict(counts)))


def _expected_items(files: list[Path]) -> int | None:
    """Lines of JSON-lines files; unknown (None) as soon as one file is a document cut into items."""
    if not all(is_line_format(f) for f in files):
        return None
    total = 0
    for path in files:
        with path.open(encoding="utf-8", errors="replace") as handle:
            total += sum(1 for line in handle if line.strip())
    return total


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())


@quarantine_app.command("list")
def quarantine_list(
    status: Annotated[str, typer.Option(help="open, replayed or all")] = "open",
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table")] = False,
) -> None:
    """List quarantined items with the field and the reason."""
    wanted = None if status == "all" else status
    with bootstrap() as container:
        items = container.quarantine.items(status=wanted, limit=limit, offset=offset)
        total = container.quarantine.count(wanted)
    if as_json:
        for i in items:
            print(json.dumps({**asdict(i), "received_at": i.received_at.isoformat()}))
        return
    table = Table("id", "received", "connector", "source id", "field", "reason", "status", "tries")
    for i in items:
        received = i.received_at.isoformat(timespec="seconds")
        table.add_row(
            i.id, received, i.connector, i.source_id or "", i.field or "", i.reason, i.status, str(i.attempts)
        )
    out.print(table)
    out.print(f"{total} {status} in all")


@quarantine_app.command("replay")
def quarantine_replay(
    ids: Annotated[list[str] | None, typer.Argument(help="Item ids; all open items when none")] = None,
) -> None:
    """Re-process quarantined items (after fixing the programme, the data or the order of arrival)."""
    with bootstrap() as container:
        outcome: dict[str, int] = {}
        for item in container.quarantine.iter_open(ids or None):
            result = replay(
                item,
                connector=container.connectors[item.connector],
                deps=container.ledger_deps(),
                admin=container.quarantine,
                actor="cli:quarantine-replay",
            )
            outcome[result.status] = outcome.get(result.status, 0) + 1
            out.print(f"{item.id} {result.status} {result.detail or ''}")
        out.print_json(json.dumps(outcome))


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain; exit 1 naming the first bad record."""
    with bootstrap() as container:
        with container.db.reader.connect() as conn:
            head = read_head(conn)
            broken = verify_chain(iter_entries(conn), head)
        if broken is not None:
            err.print(f"audit chain broken at record {broken.seq}: {broken.reason}")
            raise typer.Exit(1)
        out.print(f"audit chain intact: {head[0]} records, head {head[1][:16]}…")


@apikey_app.command("create")
def apikey_create(
    role: Annotated[Role, typer.Option(help="ingest, read, redeem, marketing or admin")],
    label: Annotated[str, typer.Option(help="Who or what uses the key")] = "",
    customer: Annotated[
        str | None, typer.Option(help="Scope the key to this one member (read or redeem keys only)")
    ] = None,
) -> None:
    """Create an API key and print it (it is shown only once)."""
    with bootstrap() as container:
        # Only the member's token is stored: the key table never holds a customer id.
        token = container.tokeniser.token(customer) if customer else None
        try:
            key, secret = container.api_keys.create(role, label or role.value, container.clock(), token)
        except ScopeNotAllowed as refused:
            err.print(str(refused))
            raise typer.Exit(2) from None
        scope = "one member" if token else "the whole programme"
        err.print(
            f"created key {key.id} with role {role.value} for {scope}; store it now, it is not shown again"
        )
        print(secret)


@programme_app.command("load")
def programme_load(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Validate a programme file and make it the active version."""
    from pointflow.domain.programme import ProgrammeInvalid

    with bootstrap() as container:
        try:
            active, created = container.programmes.load(file.read_text(encoding="utf-8"), actor="cli")
        except ProgrammeInvalid as invalid:
            for path, reason in invalid.errors:
                err.print(f"{path}: {reason}")
            raise typer.Exit(2) from None
        state = "loaded" if created else "unchanged"
        out.print(f"programme {active.programme.id} version row {active.version} {state}")


@programme_app.command("history")
def programme_history() -> None:
    """Every programme version this database has held."""
    with bootstrap() as container:
        for row in container.programmes.history():
            out.print(row)


def _as_of(value: str | None) -> date:
    return date.fromisoformat(value) if value else date.today()


@jobs_app.command("release")
def jobs_release(
    as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD; today if omitted")] = None,
) -> None:
    """Release held (pending) points whose holding period has ended."""
    with bootstrap() as container:
        result = jobs.release_pending(_as_of(as_of), sessions=container.sessions, clock=container.clock)
        out.print_json(json.dumps(result.as_dict()))


@jobs_app.command("expire")
def jobs_expire(
    as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD; today if omitted")] = None,
) -> None:
    """Expire lots whose last day has passed."""
    with bootstrap() as container:
        result = jobs.expire_lots(_as_of(as_of), sessions=container.sessions, clock=container.clock)
        out.print_json(json.dumps(result.as_dict()))


@jobs_app.command("tiers")
def jobs_tiers(
    as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD; today if omitted")] = None,
) -> None:
    """Re-evaluate every member's tier from the points earned in the twelve months before the as-of date."""
    with bootstrap() as container:
        result = evaluate_tiers(
            _as_of(as_of),
            sessions=container.sessions,
            programme=lambda: container.programmes.active().programme,
            clock=container.clock,
        )
    out.print_json(
        json.dumps(
            {
                "job": "tiers",
                "as_of": result.as_of.isoformat(),
                "members": result.lots,
                "changed": result.points,
            }
        )
    )


@app.command()
def adjust(
    customer_id: Annotated[str, typer.Argument(help="The bank's customer id")],
    points: Annotated[int, typer.Argument(help="Positive credits, negative debits")],
    reason: Annotated[str, typer.Option(help="Why (kept in the ledger and the audit log)")],
    key: Annotated[str, typer.Option(help="Idempotency key; the same key never posts twice")],
) -> None:
    """Credit or debit a member's points by hand (audited)."""
    from pointflow.domain.errors import DomainError
    from pointflow.service_layer.adjustment import Adjust, adjust

    with bootstrap() as container:
        try:
            done = adjust(
                Adjust(customer_id, points, reason, key),
                deps=container.ledger_deps(),
                actor="cli:adjust",
            )
        except DomainError as refused:
            err.print(f"{refused.field}: {refused.detail}")
            raise typer.Exit(1) from None
    out.print_json(
        json.dumps(
            {
                "posting_id": done.posting_id,
                "available_after": done.available_after,
                "replayed": done.replayed,
            }
        )
    )


@app.command()
def simulate(
    out_file: Annotated[Path, typer.Argument(help="JSON-lines file to write")],
    customers: Annotated[int, typer.Option(min=1)] = 300,
    months: Annotated[int, typer.Option(min=1, max=60)] = 4,
    seed: Annotated[int, typer.Option()] = 7,
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD")] = "2024-01-01",
) -> None:
    """Write synthetic bank transactions (generic connector format) from the sandbox bank."""
    from pointflow.sim.bank import generate, write_jsonl

    written = write_jsonl(generate(customers, months, date.fromisoformat(start), seed=seed), out_file)
    err.print(f"wrote {written} events to {out_file}")


def main() -> None:  # pragma: no cover
    sys.exit(app())
