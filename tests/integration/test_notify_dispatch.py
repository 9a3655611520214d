"""An issued offer's notification end to end: an outbox NOTIFY row written in a ledger transaction, the
dispatcher re-identifying the member, the contact read from the sandbox bank's customer master, the e-mail
through SMTP and the push through Mosquitto, the composed words recorded by token — and no address stored."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from pointflow.adapters.db.tables import offer_messages, outbox
from pointflow.bootstrap import Container
from pointflow.domain.core import WriteBackKind
from pointflow.domain.offer_terms import NotifyChannel, OfferTerms
from pointflow.entrypoints import dispatcher
from pointflow.service_layer.notify import notify_values
from pointflow.service_layer.outbox import enqueue
from pointflow.service_layer.redemption import Redeem, redeem
from tests.factories import purchase, ref, send
from tests.integration.notify_support import (
    FakeModel,
    mqtt_url,
    sandbox_core,
    sim_customer,
    smtp_server,
    subscribed,
)
from tests.servers import serving, wait_for

GROCERIES = OfferTerms(
    "off_g", "groceries-2x", multiplier=Decimal(2), category="groceries", valid_until=date(2027, 1, 31)
)
BONUS = OfferTerms("off_b", "bonus-500", points=500, valid_until=date(2027, 2, 28))


def notify(
    container: Container, customer_id: str, terms: OfferTerms, channel: NotifyChannel, locale: str
) -> str:
    key = f"notify-{terms.offer_id}-{ref('m')}"
    with container.sessions.begin() as session:
        enqueue(
            session,
            kind=WriteBackKind.NOTIFY,
            key=key,
            token=container.tokeniser.token(customer_id),
            at=container.clock(),
            values=notify_values(terms, channel=channel, locale=locale),
        )
    return key


def test_the_dispatcher_notifies_members_through_their_channels_and_writes_back_the_rest(
    container: Container,
) -> None:
    ada, bob = ref("cust"), ref("cust")
    prefix = f"pointflow-test/{ref('run')}"
    customers = [sim_customer(ada, "ada@example.org"), sim_customer(bob, "bob@example.org")]
    send(container, purchase(ada, "5000.00"), purchase(bob, "100.00"))
    redeem(Redeem(ada, "cashback-25", 1, ref("key")), deps=container.ledger_deps(), actor="test")
    to_ada = notify(container, ada, GROCERIES, "email", "en_GB")
    to_bob = notify(container, bob, BONUS, "push", "de_DE")
    by_hook = notify(container, bob, BONUS, "webhook", "de_DE")  # no webhook configured: a dead letter

    with sandbox_core(customers) as (bank, core), smtp_server() as (mailbox, port):
        url = mqtt_url()
        settings = container.settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": port, "mqtt_url": url, "mqtt_topic_prefix": prefix}
        )
        receivers = dataclasses.replace(container, settings=settings).receivers(core)
        try:
            with subscribed(url, f"{prefix}/{bob}") as pushed:
                totals = dispatcher.run(container, receivers.receiver, once=True)
                wait_for(lambda: len(pushed) == 1, timeout=10, what="the push to bob")
        finally:
            receivers.close()
        applied = bank.applied()

    assert (totals.delivered, totals.retried, totals.dead) == (3, 0, 1)
    assert [(a.customer_id, a.kind) for a in applied] == [(ada, "points_credited")]
    [(recipients, mail)] = mailbox.received
    assert recipients == ["ada@example.org"]
    assert mail["Message-ID"].startswith(f"<{to_ada}@")
    assert mail.get_content().strip() == "Earn 2× points on groceries. Valid until 31 January 2027."
    push = json.loads(pushed[0].payload)
    assert (push["id"], push["title"]) == (to_bob, "500 Bonuspunkte für Sie")
    assert push["body"] == "Wir schenken Ihnen 500 Bonuspunkte. Gültig bis 28. Februar 2027."

    with container.db.reader.connect() as conn:
        states = dict(conn.execute(sa.select(outbox.c.key, outbox.c.state)).all())
        errors = dict(conn.execute(sa.select(outbox.c.key, outbox.c.last_error)).all())
        records = {r.id: r for r in conn.execute(sa.select(offer_messages))}
        stored = json.dumps([list(r) for r in conn.execute(sa.select(offer_messages))], default=str)
    assert (states[to_ada], states[to_bob], states[by_hook]) == ("delivered", "delivered", "dead")
    assert errors[by_hook] == "the webhook channel is not configured"
    assert set(records) == {to_ada, to_bob}
    assert records[to_ada].token == container.tokeniser.token(ada)
    assert (records[to_ada].template, records[to_ada].source) == ("shipped:en_GB/multiplier", "template")
    assert (records[to_bob].locale, records[to_bob].channel) == ("de_DE", "push")
    assert "@example.org" not in stored
    assert ada not in stored
    assert bob not in stored
    assert dispatcher.run(container, receivers.receiver, once=True).delivered == 0


def test_with_the_rewrite_on_the_record_says_which_words_were_sent_and_why(container: Container) -> None:
    ada, bob = ref("cust"), ref("cust")
    send(container, purchase(ada, "100.00"), purchase(bob, "100.00"))
    faithful = notify(container, ada, BONUS, "email", "en_GB")
    inflated = notify(container, bob, BONUS, "email", "de_DE")
    fake = FakeModel()
    customers = [sim_customer(ada, "ada@example.org"), sim_customer(bob, "bob@example.org")]
    with serving(fake.app()) as llm, sandbox_core(customers) as (_, core), smtp_server() as (mailbox, port):
        settings = container.settings.model_copy(
            update={
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "llm_rewrite": True,
                "llm_base_url": f"{llm}/v1",
                "llm_model": "bank-llm",
            }
        )
        receivers = dataclasses.replace(container, settings=settings).receivers(core)
        try:
            fake.answers = {
                "We have added 500 bonus points. Valid until 28 February 2027.": (
                    "Enjoy 500 bonus points, yours until 28 February 2027."
                ),
                "Wir schenken Ihnen 500 Bonuspunkte. Gültig bis 28. Februar 2027.": (
                    "Bis 28. Februar 2027 warten 5.000 Bonuspunkte auf Sie."
                ),
            }
            assert dispatcher.run(container, receivers.receiver, once=True).delivered == 2
        finally:
            receivers.close()
    sent = {tuple(rcpt): mail.get_content().strip() for rcpt, mail in mailbox.received}
    assert sent[("ada@example.org",)] == "Enjoy 500 bonus points, yours until 28 February 2027."
    assert sent[("bob@example.org",)] == "Wir schenken Ihnen 500 Bonuspunkte. Gültig bis 28. Februar 2027."
    records = {r.id: r for r in container.messages.for_offer(BONUS.offer_id)}
    assert (records[faithful].source, records[faithful].note) == ("rewrite", None)
    assert records[inflated].source == "template"
    assert records[inflated].note is not None
    assert records[inflated].note.startswith("rewrite refused: its figures differ from the terms")
    assert len(fake.requests) == 2
