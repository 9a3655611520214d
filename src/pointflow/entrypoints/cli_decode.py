"""`pointflow decode`: what a native file turns into, as canonical JSON lines, without touching the ledger."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TextIO

import typer

from pointflow.bootstrap import configured_connectors
from pointflow.config import Settings
from pointflow.domain.errors import InvalidEvent, NotATransaction
from pointflow.domain.events import event_record
from pointflow.domain.programme import Limits
from pointflow.entrypoints.file_ingest import iter_items
from pointflow.service_layer.ports import Connector, DecodeLimits, RawEvent


def decode(
    connector: Annotated[str, typer.Option(help="Connector name, e.g. generic, camt, mambu")],
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, help="Native files")],
) -> None:
    """Print each item's canonical event on stdout; problems go to stderr with the field and the reason.

    Exits 1 if any item could not be decoded. JSON-lines files (.jsonl, .ndjson) are read line by line;
    any other file is one native document (a camt statement, a JSON array, a stream batch).
    """
    connectors = configured_connectors(Settings())
    decoder = connectors.get(connector)
    if decoder is None:
        known = ", ".join(sorted(connectors))
        raise typer.BadParameter(
            f"no connector named {connector!r} (known: {known})", param_hint="--connector"
        )
    defaults = Limits()
    limits = DecodeLimits(defaults.max_transaction_amount, defaults.max_future_skew_hours)
    failed = sum(
        _print(index, item, decoder, limits) for index, item in enumerate(iter_items(files, decoder))
    )
    if failed:
        raise typer.Exit(1)


def _print(index: int, item: RawEvent, decoder: Connector, limits: DecodeLimits) -> bool:
    """Print one item; True if it failed."""
    try:
        if item.parse_error is not None:
            raise InvalidEvent(item.parse_error, field="<body>")
        event = decoder.decode(item.payload, limits=limits, now=lambda: datetime.now(UTC))
    except NotATransaction as skipped:
        _line(sys.stderr, {"index": index, "ignored": skipped.detail})
        return False
    except InvalidEvent as problem:
        _line(
            sys.stderr,
            {"index": index, "error": problem.detail, "field": problem.field, "raw": item.raw[:500]},
        )
        return True
    _line(sys.stdout, {"index": index, **event_record(event)})
    return False


def _line(stream: TextIO, record: dict[str, object]) -> None:
    print(json.dumps(record, ensure_ascii=False), file=stream)
