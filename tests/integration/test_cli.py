"""The command line against a real database: ingest, quarantine, keys, programme, jobs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from pointflow.adapters.db.tables import api_keys
from pointflow.entrypoints.cli import app
from tests.factories import EXAMPLE, purchase, ref, refund


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    return {"POINTFLOW_DATABASE_URL": database_url, "POINTFLOW_ENVIRONMENT": "test"}


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_ingest_a_file_then_replay_what_was_quarantined(env: dict[str, str], tmp_path: Path) -> None:
    original = purchase(ref("cust"), "100.00", mcc="5812", when="2024-05-01T10:00:00Z")
    early_refund = refund(original, "25.00")
    bad = {**purchase(ref("cust"), "5.00"), "currency": "ABC"}
    first = tmp_path / "first.jsonl"
    first.write_text("\n".join([EXAMPLE, json.dumps(early_refund), json.dumps(bad), "{not json"]) + "\n")
    code, output = run(env, "ingest", "--connector", "generic", str(first))
    assert code == 0, output
    assert '"accepted": 1' in output
    assert '"rejected": 3' in output
    assert '"points": 300' in output

    code, listing = run(env, "quarantine", "list", "--json")
    items = [json.loads(line) for line in listing.splitlines()]
    assert {i["field"] for i in items} == {"currency", "original_transaction_id", "<body>"}
    assert all(i["raw"] for i in items)
    assert "3 open in all" in run(env, "quarantine", "list")[1]

    second = tmp_path / "second.jsonl"
    second.write_text(json.dumps(original) + "\n")
    assert run(env, "ingest", str(second))[0] == 0
    code, replayed = run(env, "quarantine", "replay")
    assert code == 0
    assert '"accepted": 1' in replayed
    assert '"rejected": 2' in replayed
    assert "2 open in all" in run(env, "quarantine", "list")[1]


def test_ingest_refuses_an_unknown_connector(env: dict[str, str], tmp_path: Path) -> None:
    file = tmp_path / "x.jsonl"
    file.write_text(EXAMPLE)
    code, _ = run(env, "ingest", "--connector", "nope", str(file))
    assert code == 2


def test_apikey_create_prints_a_key_once(env: dict[str, str]) -> None:
    code, output = run(env, "apikey", "create", "--role", "read")
    assert code == 0
    assert "pf_read_" in output


def test_a_key_scoped_to_a_member_stores_the_members_token_never_the_id(
    env: dict[str, str], database_url: str
) -> None:
    customer = ref("cust")
    code, output = run(env, "apikey", "create", "--role", "read", "--customer", customer, "--label", "app")
    assert code == 0, output
    assert "one member" in output
    engine = create_engine(database_url)
    with engine.connect() as conn:
        [row] = conn.execute(select(api_keys).where(api_keys.c.label == "app")).mappings().all()
    engine.dispose()
    assert row["member_token"].startswith("m_")
    assert customer not in json.dumps({k: str(v) for k, v in row.items()})
    code, output = run(env, "apikey", "create", "--role", "ingest", "--customer", customer)
    assert code == 2
    assert "cannot be scoped" in output


def test_an_invalid_programme_names_the_field(env: dict[str, str], tmp_path: Path) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text("id: broken\nname: Broken\n")
    code, output = run(env, "programme", "load", str(file))
    assert code == 2
    assert "currency" in output


def test_jobs_are_idempotent_for_an_as_of_date(env: dict[str, str], tmp_path: Path) -> None:
    file = tmp_path / "old.jsonl"
    file.write_text(
        json.dumps(purchase(ref("cust"), "100.00", mcc="5999", when="2021-01-05T10:00:00Z")) + "\n"
    )
    assert run(env, "ingest", str(file))[0] == 0
    first = run(env, "jobs", "expire", "--as-of", "2024-01-01")[1]
    second = run(env, "jobs", "expire", "--as-of", "2024-01-01")[1]
    assert '"points": 100' in first
    assert '"points": 0' in second
    assert '"lots": 0' in run(env, "jobs", "release", "--as-of", "2024-01-01")[1]


def test_decode_prints_canonical_events_and_writes_nothing(env: dict[str, str], tmp_path: Path) -> None:
    native = tmp_path / "feed.jsonl"
    native.write_text("\n".join([EXAMPLE, json.dumps({**purchase("c1", "5.00"), "currency": "ABC"})]) + "\n")
    result = CliRunner().invoke(app, ["decode", "--connector", "generic", str(native)], env=env)
    assert result.exit_code == 1
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(e["source_id"], e["amount"], e["mcc"]) for e in events] == [("txn_789012", "149.99", "5812")]
    problems = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(p["index"], p["field"]) for p in problems] == [(1, "currency")]
    code, listing = run(env, "quarantine", "list", "--json")
    assert (code, listing) == (0, "")


def test_outbox_commands_list_and_retry(env: dict[str, str]) -> None:
    code, listing = run(env, "outbox", "list")
    assert code == 0
    assert "the outbox is empty" in listing
    code, output = run(env, "outbox", "retry")
    assert (code, output.strip()) == (0, "0 dead letter(s) queued again")
    code, output = run(env, "outbox", "dispatch", "--once")
    assert code == 2
    assert "POINTFLOW_CORE_PLATFORM" in output
