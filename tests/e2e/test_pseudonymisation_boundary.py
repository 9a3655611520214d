"""The pseudonymisation boundary holds through the whole flow: customers with known names, e-mails, phones,
customer ids and account numbers go through the HTTP API and the ingress (the generic connector, which
carries account ids), accrual, scoring, offer decisions, a cashback redemption, the outbox dispatch to the
sandbox bank and an e-mail notification; then every text in every table, the logs and /metrics are searched
for those values. Only the places designed to hold them may (ALLOWED)."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
import structlog
from fastapi.testclient import TestClient

from pointflow.adapters.db.apikey_store import Role
from pointflow.bootstrap import Container
from pointflow.entrypoints import dispatcher
from pointflow.entrypoints.api.app import create_app
from pointflow.entrypoints.logs import configure
from pointflow.service_layer.redemption import Redeem, redeem
from pointflow.sim.bank import SimCustomer
from tests.factories import purchase, send
from tests.integration.notify_support import sandbox_core, smtp_server
from tests.integration.offer_support import deposit, live, use_offers

# Where each kind of personal value may be stored, by (table, column). Everything else must hold none.
ALLOWED: dict[str, set[tuple[str, str]]] = {
    # the vault: token → the core's customer id (and account number), read only by the write-back and
    # notification adapters to address the core and the channels
    "customer_id": {("identity_vault", "customer_id")},
    "account": {("identity_vault", "customer_id")},
    "name": set(),
    "email": set(),
    "phone": set(),
}


# Loggers of the test's own stand-ins, not of pointflow: the SMTP server receiving the mail, and the
# client Starlette's TestClient calls the API with (httpx2), which logs the URLs it requests.
TEST_SERVERS = ("mail.log", "httpx2")


def probe_customer(i: int) -> SimCustomer:
    tag = uuid.uuid4().hex[:8]
    return SimCustomer(
        customer_id=f"CIF{tag.upper()}{i}",
        account_id=f"GB82WEST1234{int(tag, 16) % 10**8:08d}{i}",
        persona="commuter",
        home_country="GB",
        full_name=f"Zebedee{tag} Quillfeather{i}",
        email=f"zq.{tag}{i}@probe.example",
        phone=f"+44 7700 9{int(tag, 16) % 10**5:05d}{i}",
        birth_date=date(1980 + i, 2, 3),
    )


def values_of(customers: list[SimCustomer]) -> dict[str, dict[str, str]]:
    """kind → value → which customer; names also by their parts (a first or last name alone is a leak)."""
    found: dict[str, dict[str, str]] = {k: {} for k in ALLOWED}
    for c in customers:
        found["customer_id"][c.customer_id] = c.customer_id
        found["account"][c.account_id] = c.customer_id
        found["email"][c.email] = c.customer_id
        found["phone"][c.phone] = c.customer_id
        found["phone"][c.phone.replace(" ", "")] = c.customer_id
        for part in [c.full_name, *c.full_name.split()]:
            found["name"][part] = c.customer_id
    return found


def texts(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return str(value)


def table_hits(container: Container, probes: dict[str, dict[str, str]]) -> set[tuple[str, str, str]]:
    """(kind, table, column) for every stored value holding a probe, over every table the database has."""
    hits: set[tuple[str, str, str]] = set()
    reflected = sa.MetaData()
    reflected.reflect(container.db.reader)
    with container.db.reader.connect() as conn:
        for table in reflected.sorted_tables:
            for row in conn.execute(sa.select(table)):
                for column, value in row._mapping.items():
                    if value is None:
                        continue
                    text = texts(value)
                    hits.update(
                        (kind, table.name, str(column))
                        for kind, values in probes.items()
                        if any(v in text for v in values)
                    )
    return hits


def text_hits(text: str, probes: dict[str, dict[str, str]]) -> list[tuple[str, str]]:
    return sorted((kind, v) for kind, values in probes.items() for v in values if v in text)


@pytest.fixture
def captured_logs(caplog: pytest.LogCaptureFixture) -> Iterator[io.StringIO]:
    """Everything logged: structlog's JSON lines (as `pointflow serve` writes them) and the standard
    library's records (httpx, uvicorn, alembic …) at DEBUG."""
    out = io.StringIO()
    configure("DEBUG", json=True)
    structlog.configure(
        logger_factory=structlog.WriteLoggerFactory(file=out), cache_logger_on_first_use=False
    )
    caplog.set_level(logging.DEBUG)
    try:
        yield out
    finally:
        structlog.reset_defaults()


def test_no_personal_value_is_stored_logged_or_measured_outside_the_vault(
    container: Container, captured_logs: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    customers = [probe_customer(i) for i in range(3)]
    probes = values_of(customers)
    use_offers(container, live)
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        _, secret = container.api_keys.create(Role.ADMIN, "pii-test", container.clock())
        headers = {"Authorization": f"Bearer {secret}"}
        first = customers[0]
        over_http = purchase(
            first.customer_id, "120.00", account_id=first.account_id, merchant_name=first.full_name
        )
        answer = client.post("/v1/events/generic", headers=headers, json=over_http)
        assert answer.status_code in (200, 202), answer.text
        for c in customers:  # the ingress the broker workers and file ingest use too
            send(
                container,
                purchase(c.customer_id, "3000.00", account_id=c.account_id),
                deposit(c.customer_id) | {"account_id": c.account_id},
            )
        assert client.get(f"/v1/members/{first.customer_id}", headers=headers).status_code == 200
        metrics = client.get("/metrics", headers=headers).text
    assert "pointflow" in metrics or "http" in metrics  # a real exposition, not an error page
    redeem(
        Redeem(first.customer_id, "cashback-25", 1, "pii-redeem", account_id=first.account_id),
        deps=container.ledger_deps(),
        actor="test",
    )
    with sandbox_core(customers) as (bank, core), smtp_server() as (mailbox, port):
        settings = container.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
        receivers = dataclasses.replace(container, settings=settings).receivers(core)
        try:
            totals = dispatcher.run(container, receivers.receiver, once=True)
        finally:
            receivers.close()
        applied = bank.applied()
    # the flow happened: write-backs reached the core by customer id, offers reached the members' mailboxes
    assert totals.dead == 0, totals.errors
    assert totals.delivered >= 4
    assert {a.customer_id for a in applied} == {c.customer_id for c in customers}
    assert any(first.account_id in json.dumps(a.body) for a in applied)  # the cashback reached its account
    assert {r for recipients, _ in mailbox.received for r in recipients} == {c.email for c in customers}

    hits = table_hits(container, probes)
    allowed = {(kind, table, column) for kind, places in ALLOWED.items() for table, column in places}
    assert hits - allowed == set(), f"personal values outside the vault: {sorted(hits - allowed)}"
    assert ("customer_id", "identity_vault", "customer_id") in hits  # the search can find what is there
    ours = [r for r in caplog.records if not r.name.startswith(TEST_SERVERS)]
    logs = captured_logs.getvalue() + "\n".join(r.getMessage() for r in ours)
    leaked = [line for line in logs.splitlines() if text_hits(line, probes)]
    assert leaked == [], "\n".join(leaked)
    assert text_hits(metrics, probes) == []
