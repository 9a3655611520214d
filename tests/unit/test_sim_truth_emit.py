"""The simulator's transactions become canonical events that any sandbox platform writes natively and its
connector reads back; `pointflow sim bank` writes the tables as Parquet."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from pointflow.adapters.connectors import CONNECTORS
from pointflow.domain.errors import NotATransaction
from pointflow.domain.events import CanonicalEvent, TransactionPosted
from pointflow.entrypoints.cli import app
from pointflow.service_layer.ports import Connector, DecodeLimits, RawEvent
from pointflow.sim.platforms.catalog import PLATFORMS
from pointflow.sim.truth import simulate
from pointflow.sim.truth.canonical import canonical_events, transaction_id

LIMITS = DecodeLimits(Decimal(10) ** 9, 24)


@pytest.fixture(scope="module")
def transactions() -> pl.DataFrame:
    return simulate(40, 2, seed=3).transactions.head(300)


@pytest.fixture(scope="module")
def events(transactions: pl.DataFrame) -> list[CanonicalEvent]:
    return list(canonical_events(transactions))


def now() -> datetime:
    return datetime(2030, 1, 1, tzinfo=UTC)


def test_each_row_becomes_the_same_posting(transactions: pl.DataFrame, events: list[CanonicalEvent]) -> None:
    assert len(events) == transactions.height
    for row, event in zip(transactions.iter_rows(named=True), events, strict=True):
        assert isinstance(event, TransactionPosted)
        assert event.source.id == transaction_id(row["transaction_no"])
        assert event.money.amount == Decimal(row["amount_cents"]) / 100
        assert event.booked_at == row["booked_at"]
        assert (event.customer_id, event.mcc, event.direction) == (
            row["customer_id"],
            row["mcc"],
            row["direction"],
        )


def read(connector: Connector, item: RawEvent) -> CanonicalEvent | None:
    """The item's event, or None for what the platform also sends that is not a transaction."""
    try:
        return connector.decode(item.payload, limits=LIMITS, now=now)
    except NotATransaction:
        return None  # Temenos sends the bank's own ledger legs (CATEG) beside the customer's entry


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_every_platform_writes_them_and_its_connector_reads_them_back(
    name: str, events: list[CanonicalEvent]
) -> None:
    connector = CONNECTORS[name]
    items = [item for doc in PLATFORMS[name].documents(events) for item in connector.split(doc)]
    posted = [e for item in items if isinstance(e := read(connector, item), TransactionPosted)]
    assert len(posted) == len(events)
    expected = sorted(
        (e.customer_id, e.money.amount, e.direction) for e in events if isinstance(e, TransactionPosted)
    )
    assert sorted((e.customer_id, e.money.amount, e.direction) for e in posted) == expected


def test_the_command_writes_the_tables_and_native_files(tmp_path: Path) -> None:
    args = ["sim", "bank", "--members", "30", "--months", "2", "--seed", "4", "--out", str(tmp_path)]
    result = CliRunner().invoke(app, [*args, "--platform", "generic"])
    assert result.exit_code == 0, result.output
    expected = simulate(30, 2, seed=4)
    for name, table in expected.tables().items():
        assert pl.read_parquet(tmp_path / f"{name}.parquet").equals(table), name
    lines = (tmp_path / "generic" / "generic.jsonl").read_text().splitlines()
    assert len(lines) == expected.transactions.height


def test_the_command_refuses_an_unknown_platform(tmp_path: Path) -> None:
    args = ["sim", "bank", "--members", "3", "--months", "1", "--out", str(tmp_path), "--platform", "nope"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0


def test_the_command_can_emit_only_the_first_transactions(tmp_path: Path) -> None:
    args = ["sim", "bank", "--members", "20", "--months", "1", "--out", str(tmp_path)]
    result = CliRunner().invoke(app, [*args, "--platform", "generic", "--emit-limit", "25"])
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "generic" / "generic.jsonl").read_text().splitlines()
    first = pl.read_parquet(tmp_path / "transactions.parquet").head(25)
    assert [json.loads(line)["transaction_id"] for line in lines] == [
        transaction_id(n) for n in first["transaction_no"]
    ]
